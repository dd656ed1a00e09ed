import { dashboard, tagVariable, type Dashboard } from './grafana.ts';
import { ENV, alertAnnotation, envVariable, where } from './common.ts';

const PROBE = `"probe" =~ /^$probe$/`;
/** The daemon writes its own figures as probe `_daemon` in env `all`. */
const DAEMON = `"probe" = '_daemon'`;

const VERDICT_COLORS = [
  ['ok', 'green'],
  ['warning', 'orange'],
  ['critical', 'red'],
  ['unknown', 'purple'],
  ['skipped', 'blue'],
].map(([name, color]) => ({ matcher: { id: 'byName', options: name }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }] }));

/** Is syncprobe itself running: runs, skipped and missed runs, and the results waiting to reach InfluxDB. */
export function probeHealth(): Dashboard {
  return dashboard({
    uid: 'syncprobe-probe-health',
    title: 'syncprobe / Probe health',
    description: 'Scheduled probe runs and their outcomes, skipped (overlap, kill switch, maintenance) and missed runs, scheduling lag, scenario verdicts and the sink backlog.',
    tags: ['health'],
    variables: [envVariable(), tagVariable('probe', 'Probe', 'probe_run', 'probe', { where: `${ENV} AND "probe" != '_daemon'`, allValue: '.*' })],
    annotations: [alertAnnotation()],
    panels: [
      {
        type: 'timeseries',
        title: 'Probe runs by outcome',
        description: 'Every scheduled run and skip, by outcome (the verdict, or skipped).',
        w: 12,
        h: 8,
        queries: [{ query: `SELECT count("status_code") AS "runs" FROM "probe_run" WHERE ${where(ENV, PROBE)} GROUP BY time($__interval), "outcome" fill(0)`, alias: '$tag_outcome' }],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
        overrides: VERDICT_COLORS,
      },
      {
        type: 'timeseries',
        title: 'Skipped and missed runs',
        description: 'Skipped: the previous run was still going, the kill switch was on or a maintenance window was open. Missed: the scheduler did not fire when due.',
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
        type: 'table',
        title: 'Runs per probe',
        description: 'Per probe in the time range: runs, the slowest run and the worst lag behind its schedule.',
        w: 12,
        h: 8,
        queries: [
          {
            query: `SELECT count("duration_ms") AS "runs", max("duration_ms") AS "slowest (ms)", max("lag_ms") AS "worst lag (ms)" FROM "probe_run" WHERE ${where(ENV, PROBE, `"skipped" = 0`)} GROUP BY "probe"`,
            format: 'table',
          },
        ],
        overrides: [{ matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'custom.hidden', value: true }] }],
      },
      {
        type: 'timeseries',
        title: 'Sink backlog',
        description: 'Points waiting for InfluxDB: pending in memory, spooled to disk during an outage, dead-lettered after retries; and alert notifications not yet delivered.',
        w: 12,
        h: 8,
        queries: [
          {
            query: `SELECT last("sink_pending") AS "pending", last("sink_spooled") AS "spooled", last("sink_dead_lettered") AS "dead-lettered", last("outbox_pending") AS "alerts undelivered" FROM "probe_health" WHERE ${where(DAEMON)} GROUP BY time($__interval) fill(previous)`,
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
        overrides: VERDICT_COLORS,
      },
      {
        type: 'table',
        title: 'Last run per scenario',
        description: 'When each scenario last ran, its verdict, duration and correlation id (to look the run up in the reports).',
        w: 12,
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
