import { dashboard, textboxVariable, type Dashboard } from './grafana.ts';
import { ENV, NEW_ALERTS, ORDER_SCOPE, alertAnnotation, envVariable, where } from './common.ts';

/**
 * Revenue at risk weighs alerts by severity with amounts the business sets on the dashboard:
 * syncprobe knows how bad a failure is, not what an hour of it costs.
 */
const riskBySeverity = (severity: string, weight: string): string =>
  `SELECT count("message") * ${weight} AS "risk" FROM "alert" WHERE ${where(ENV, NEW_ALERTS, `"severity" = '${severity}'`)}`;

export function executive(): Dashboard {
  return dashboard({
    uid: 'syncprobe-executive',
    title: 'syncprobe / Executive view',
    description: 'Are orders and stock flowing: probe order throughput, SLA compliance, exception volume and the revenue at risk from open alerts.',
    tags: ['executive'],
    time: { from: 'now-24h', to: 'now' },
    variables: [
      envVariable(),
      textboxVariable('risk_critical', 'Revenue at risk per critical alert', '5000', 'Business impact assumed for one critical alert (an order or stock flow stopped).'),
      textboxVariable('risk_warning', 'Revenue at risk per warning', '500', 'Business impact assumed for one warning (a flow degraded or late).'),
    ],
    annotations: [alertAnnotation()],
    panels: [
      {
        type: 'stat',
        title: 'Probe orders',
        description: 'Synthetic orders placed and followed end to end in the time range.',
        w: 6,
        h: 5,
        queries: [{ query: `SELECT count("duration_ms") AS "orders" FROM "scenario_run" WHERE ${where(ENV, ORDER_SCOPE)}` }],
        thresholds: { base: 'blue' },
        options: { graphMode: 'none', colorMode: 'value' },
      },
      {
        type: 'stat',
        title: 'Order SLA compliance',
        description: 'Share of order milestones met within SLA, all channels.',
        w: 6,
        h: 5,
        queries: [
          {
            query: `SELECT mean("met") * 100 AS "compliance" FROM "milestone" WHERE ${where(ENV, ORDER_SCOPE)}`,
          },
        ],
        unit: 'percent',
        decimals: 1,
        min: 0,
        max: 100,
        thresholds: { base: 'red', steps: [['orange', 90], ['green', 95]] },
      },
      {
        type: 'stat',
        title: 'Exceptions',
        description: 'Milestones late, missing or in error, orders and stock together.',
        w: 6,
        h: 5,
        queries: [{ query: `SELECT count("sla_ms") AS "exceptions" FROM "milestone" WHERE ${where(ENV, `"status" != 'met'`)}` }],
        thresholds: { base: 'green', steps: [['orange', 1], ['red', 10]] },
        options: { graphMode: 'none' },
      },
      {
        type: 'stat',
        title: 'Revenue at risk',
        description: 'Incidents opened or escalated in the time range, weighted by severity with the amounts set in the dashboard variables.',
        w: 6,
        h: 5,
        queries: [
          {
            query: `SELECT sum("risk") AS "revenue at risk" FROM (${riskBySeverity('critical', '$risk_critical')}), (${riskBySeverity('warning', '$risk_warning')})`,
          },
        ],
        unit: 'currencyUSD',
        decimals: 0,
        thresholds: { base: 'green', steps: [['orange', 1], ['red', 10000]] },
        options: { graphMode: 'none' },
      },
      {
        type: 'timeseries',
        title: 'Probe order throughput by channel',
        description: 'Synthetic orders completed per interval, per channel.',
        w: 12,
        h: 8,
        queries: [{ query: `SELECT count("duration_ms") AS "orders" FROM "scenario_run" WHERE ${where(ENV, ORDER_SCOPE)} GROUP BY time($__interval), "channel" fill(0)`, alias: '$tag_channel' }],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
      },
      {
        type: 'timeseries',
        title: 'Exception volume by failure class',
        description: 'Milestones not met, by class, orders and stock together.',
        w: 12,
        h: 8,
        queries: [{ query: `SELECT count("sla_ms") AS "exceptions" FROM "milestone" WHERE ${where(ENV, `"status" != 'met'`)} GROUP BY time($__interval), "class" fill(0)`, alias: '$tag_class' }],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
      },
      {
        type: 'bargauge',
        title: 'Revenue at risk by severity',
        description: 'The same weighting per severity, to see whether a few critical alerts or many warnings drive it.',
        w: 12,
        h: 7,
        queries: [
          { query: riskBySeverity('critical', '$risk_critical'), alias: 'critical' },
          { query: riskBySeverity('warning', '$risk_warning'), alias: 'warning' },
        ],
        unit: 'currencyUSD',
        decimals: 0,
        options: { reduceOptions: { calcs: ['sum'], fields: '', values: false } },
        thresholds: { base: 'orange', steps: [['red', 10000]] },
      },
      {
        type: 'table',
        title: 'Where it hurts: exceptions by channel and warehouse',
        description: 'Milestones not met per channel and warehouse (stock adjustments have no channel).',
        w: 12,
        h: 7,
        queries: [{ query: `SELECT count("sla_ms") AS "exceptions" FROM "milestone" WHERE ${where(ENV, `"status" != 'met'`)} GROUP BY "channel", "warehouse"`, format: 'table' }],
        transformations: [{ id: 'sortBy', options: { fields: {}, sort: [{ field: 'exceptions', desc: true }] } }],
      },
    ],
  });
}
