import { dashboard, tagVariable, type Dashboard } from './grafana.ts';
import { ENV, alertAnnotation, envVariable, where } from './common.ts';

const PROBE = `"probe" =~ /^$probe$/`;

/** Is syncprobe itself running: runs, skipped and missed runs, and the results waiting to reach InfluxDB. */
export function probeHealth(): Dashboard {
  return dashboard({
    uid: 'syncprobe-probe-health',
    title: 'syncprobe / Probe health',
    description: 'Scheduled probe runs, skipped (previous run still busy) and missed runs, scenario verdicts and the sink backlog.',
    tags: ['health'],
    variables: [envVariable(), tagVariable('probe', 'Probe', 'probe_health', 'probe', { where: ENV, allValue: '.*' })],
    annotations: [alertAnnotation()],
    panels: [
      {
        type: 'timeseries',
        title: 'Runs per probe',
        description: 'Probe runs started by the scheduler.',
        w: 12,
        h: 8,
        queries: [{ query: `SELECT sum("runs") AS "runs" FROM "probe_health" WHERE ${where(ENV, PROBE)} GROUP BY time($__interval), "probe" fill(0)`, alias: '$tag_probe' }],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
      },
      {
        type: 'timeseries',
        title: 'Skipped and missed runs',
        description: 'Skipped: the previous run was still going. Missed: the scheduler did not run the probe when due.',
        w: 12,
        h: 8,
        queries: [
          {
            query: `SELECT sum("skipped") AS "skipped", sum("missed") AS "missed" FROM "probe_health" WHERE ${where(ENV, PROBE)} GROUP BY time($__interval), "probe" fill(0)`,
            alias: '$tag_probe $col',
          },
        ],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
      },
      {
        type: 'timeseries',
        title: 'Sink backlog',
        description: 'Points waiting for InfluxDB: pending in memory, spooled to disk during an outage, dead-lettered after retries.',
        w: 12,
        h: 8,
        queries: [
          {
            query: `SELECT last("sink_pending") AS "pending", last("sink_spooled") AS "spooled", last("sink_dead_lettered") AS "dead-lettered" FROM "probe_health" WHERE ${where(ENV, PROBE)} GROUP BY time($__interval) fill(previous)`,
            alias: '$col',
          },
        ],
      },
      {
        type: 'timeseries',
        title: 'Scenario runs by verdict',
        description: 'Every scenario run, by its verdict.',
        w: 12,
        h: 8,
        queries: [{ query: `SELECT count("duration_ms") AS "runs" FROM "scenario_run" WHERE ${where(ENV)} GROUP BY time($__interval), "status" fill(0)`, alias: '$tag_status' }],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
        overrides: [
          { matcher: { id: 'byName', options: 'ok' }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'green' } }] },
          { matcher: { id: 'byName', options: 'warning' }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'orange' } }] },
          { matcher: { id: 'byName', options: 'critical' }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }] },
          { matcher: { id: 'byName', options: 'unknown' }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'purple' } }] },
        ],
      },
      {
        type: 'table',
        title: 'Last run per scenario',
        description: 'When each scenario last ran, its verdict, duration and correlation id (to look the run up in the reports).',
        w: 24,
        h: 8,
        queries: [
          {
            query: `SELECT last("duration_ms") AS "duration (ms)", "status", "correlation_id" FROM "scenario_run" WHERE ${where(ENV)} GROUP BY "scenario"`,
            format: 'table',
          },
        ],
        overrides: [{ matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'displayName', value: 'Last run' }, { id: 'unit', value: 'dateTimeFromNow' }] }],
      },
    ],
  });
}
