import { dashboard, tagVariable, type Dashboard } from './grafana.ts';
import { CHANNEL, ENV, ORDER_SCOPE, WAREHOUSE, alertAnnotation, channelVariable, envVariable, warehouseVariable, where } from './common.ts';

const ORDERS = [ENV, CHANNEL, WAREHOUSE, ORDER_SCOPE];
const LATE_OR_MISSING = `"status" =~ /^(late|missing)$/`;

/** Which channel, which warehouse, which milestone, since when, how bad: for synthetic orders. */
export function orderSync(): Dashboard {
  return dashboard({
    uid: 'syncprobe-order-sync',
    title: 'syncprobe / Order sync',
    description: 'Synthetic orders followed milestone by milestone from channel acceptance to customer notification, against each milestone SLA.',
    tags: ['orders'],
    variables: [
      envVariable(),
      channelVariable(),
      warehouseVariable(),
      tagVariable('milestone', 'Milestone', 'milestone', 'milestone', { where: `${ENV} AND ${ORDER_SCOPE}` }),
    ],
    annotations: [alertAnnotation()],
    panels: [
      {
        type: 'stat',
        title: 'SLA compliance by channel',
        description: 'Share of order milestones met within their SLA (late, missing and error count against it), per channel.',
        w: 8,
        h: 6,
        queries: [{ query: `SELECT mean("met") * 100 AS "compliance" FROM "milestone" WHERE ${where(...ORDERS)} GROUP BY "channel"`, alias: '$tag_channel' }],
        unit: 'percent',
        min: 0,
        max: 100,
        decimals: 1,
        thresholds: { base: 'red', steps: [['orange', 90], ['green', 95]] },
      },
      {
        type: 'bargauge',
        title: 'SLA compliance by milestone',
        description: 'Share of each order milestone met within its SLA: which step of the flow breaks.',
        w: 8,
        h: 6,
        queries: [{ query: `SELECT mean("met") * 100 AS "compliance" FROM "milestone" WHERE ${where(...ORDERS)} GROUP BY "milestone"`, alias: '$tag_milestone' }],
        unit: 'percent',
        min: 0,
        max: 100,
        decimals: 1,
        thresholds: { base: 'red', steps: [['orange', 90], ['green', 95]] },
      },
      {
        type: 'stat',
        title: 'Late and missing milestones',
        description: 'Order milestones observed after their SLA (late) or never observed (missing) in the time range.',
        w: 4,
        h: 6,
        queries: [{ query: `SELECT count("sla_ms") AS "milestones" FROM "milestone" WHERE ${where(...ORDERS, LATE_OR_MISSING)} GROUP BY "status"`, alias: '$tag_status' }],
        thresholds: { base: 'green', steps: [['red', 1]] },
        options: { reduceOptions: { calcs: ['sum'], fields: '', values: false }, graphMode: 'none' },
      },
      {
        type: 'stat',
        title: 'Probe orders placed',
        description: 'Synthetic orders the probes placed in the time range, by verdict.',
        w: 4,
        h: 6,
        queries: [{ query: `SELECT count("duration_ms") AS "orders" FROM "scenario_run" WHERE ${where(...ORDERS)} GROUP BY "status"`, alias: '$tag_status' }],
        thresholds: { base: 'blue' },
        options: { reduceOptions: { calcs: ['sum'], fields: '', values: false }, graphMode: 'none', colorMode: 'value' },
      },
      {
        type: 'timeseries',
        title: 'Late and missing milestones by warehouse',
        description: 'When order milestones started to be late or missing, and in which warehouse.',
        w: 12,
        h: 8,
        queries: [
          {
            query: `SELECT count("sla_ms") AS "milestones" FROM "milestone" WHERE ${where(...ORDERS, LATE_OR_MISSING)} GROUP BY time($__interval), "warehouse", "status" fill(0)`,
            alias: '$tag_warehouse $tag_status',
          },
        ],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
      },
      {
        type: 'timeseries',
        title: 'Failures by class',
        description: 'Milestones not met, by failure class: transport (unreachable), application (error answers), data (payload wrong), business (outcome wrong).',
        w: 12,
        h: 8,
        queries: [
          {
            query: `SELECT count("sla_ms") AS "failures" FROM "milestone" WHERE ${where(...ORDERS, `"status" != 'met'`)} GROUP BY time($__interval), "class" fill(0)`,
            alias: '$tag_class',
          },
        ],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
      },
      {
        type: 'table',
        title: 'Late and missing milestones: where and since when',
        description: 'Per channel, warehouse and milestone: when it was first late or missing in the time range, the system, and the correlation id of that first run.',
        w: 24,
        h: 8,
        queries: [
          {
            query: `SELECT first("sla_ms") AS "SLA (ms)", "system", "correlation_id" FROM "milestone" WHERE ${where(...ORDERS, LATE_OR_MISSING)} GROUP BY "channel", "warehouse", "milestone", "status"`,
            format: 'table',
          },
        ],
        overrides: [{ matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'displayName', value: 'Since' }] }],
      },
      {
        type: 'timeseries',
        title: 'Latency p50 / p95 against SLA: $milestone',
        description: 'Harness-observed latency of the milestone from its SLA start milestone, per channel; the dashed line is the SLA.',
        w: 24,
        h: 8,
        repeat: { variable: 'milestone', direction: 'h', maxPerRow: 2 },
        queries: [
          {
            query: `SELECT percentile("latency_ms", 50) AS "p50", percentile("latency_ms", 95) AS "p95" FROM "milestone" WHERE ${where(...ORDERS, `"milestone" =~ /^$milestone$/`)} GROUP BY time($__interval), "channel" fill(none)`,
            alias: '$tag_channel $col',
          },
          {
            query: `SELECT max("sla_ms") AS "SLA" FROM "milestone" WHERE ${where(...ORDERS, `"milestone" =~ /^$milestone$/`)} GROUP BY time($__interval) fill(previous)`,
            alias: 'SLA',
          },
        ],
        unit: 'ms',
        overrides: [
          {
            matcher: { id: 'byName', options: 'SLA' },
            properties: [
              { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
              { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
              { id: 'custom.fillOpacity', value: 0 },
            ],
          },
        ],
      },
    ],
  });
}
