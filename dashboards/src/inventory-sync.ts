import { dashboard, type Dashboard } from './grafana.ts';
import { ARRIVALS, ENV, INVENTORY_SCOPE, WAREHOUSE, alertAnnotation, envVariable, warehouseVariable, where } from './common.ts';

const STOCK = [ENV, WAREHOUSE, INVENTORY_SCOPE];

/** Latest stock update outcome per warehouse, from which the stale ones are picked. */
const LATEST_PER_WAREHOUSE = `SELECT last("sla_ms") AS "sla_ms", "status", "milestone" FROM "milestone" WHERE ${where(...STOCK, `("status" != 'met' OR ${ARRIVALS})`)} GROUP BY "warehouse"`;

/** Stock adjustments posted in each warehouse and followed to ERP on-hand and channel availability. */
export function inventorySync(): Dashboard {
  return dashboard({
    uid: 'syncprobe-inventory-sync',
    title: 'syncprobe / Inventory sync',
    description: 'Synthetic stock adjustments per warehouse followed through middleware to the ERP and on to channel availability.',
    tags: ['inventory'],
    variables: [envVariable(), warehouseVariable()],
    annotations: [alertAnnotation()],
    panels: [
      {
        type: 'stat',
        title: 'Warehouses with stale stock',
        description: 'Warehouses whose latest stock update did not arrive within its SLA: their channel availability is no longer current.',
        w: 6,
        h: 6,
        queries: [{ query: `SELECT count("sla_ms") AS "warehouses" FROM (${LATEST_PER_WAREHOUSE}) WHERE "status" != 'met'` }],
        thresholds: { base: 'green', steps: [['red', 1]] },
        options: { graphMode: 'none' },
      },
      {
        type: 'table',
        title: 'Stale warehouses: latest stock update not met',
        description: 'Per stale warehouse: when its latest stock update was attempted, the milestone it stopped at and its verdict.',
        w: 9,
        h: 6,
        queries: [{ query: `SELECT "sla_ms", "status", "milestone" FROM (${LATEST_PER_WAREHOUSE}) WHERE "status" != 'met' GROUP BY "warehouse"`, format: 'table' }],
        overrides: [{ matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'displayName', value: 'Latest attempt' }] }],
      },
      {
        type: 'table',
        title: 'Last successful stock update per warehouse',
        description: 'When each warehouse last propagated a stock change within its SLA, and how long it took.',
        w: 9,
        h: 6,
        queries: [
          {
            query: `SELECT last("latency_ms") AS "latency (ms)" FROM "milestone" WHERE ${where(...STOCK, `"status" = 'met'`, ARRIVALS)} GROUP BY "warehouse"`,
            format: 'table',
          },
        ],
        overrides: [{ matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'displayName', value: 'Last success' }, { id: 'unit', value: 'dateTimeFromNow' }] }],
      },
      {
        type: 'timeseries',
        title: 'Stock propagation latency p95 by warehouse',
        description: 'From the WMS adjustment to ERP on-hand and to channel availability, per warehouse and milestone.',
        w: 12,
        h: 8,
        queries: [
          {
            query: `SELECT percentile("latency_ms", 95) AS "p95" FROM "milestone" WHERE ${where(...STOCK, ARRIVALS)} GROUP BY time($__interval), "warehouse", "milestone" fill(none)`,
            alias: '$tag_warehouse $tag_milestone',
          },
          { query: `SELECT max("sla_ms") AS "SLA" FROM "milestone" WHERE ${where(...STOCK)} GROUP BY time($__interval) fill(previous)`, alias: 'SLA' },
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
      {
        type: 'timeseries',
        title: 'Stock updates not met by warehouse',
        description: 'Stock milestones late, missing or in error over time: since when a warehouse stopped updating.',
        w: 12,
        h: 8,
        queries: [
          {
            query: `SELECT count("sla_ms") AS "updates" FROM "milestone" WHERE ${where(...STOCK, `"status" != 'met'`)} GROUP BY time($__interval), "warehouse", "status" fill(0)`,
            alias: '$tag_warehouse $tag_status',
          },
        ],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
      },
    ],
  });
}
