import { dashboard, tagVariable, type Dashboard } from './grafana.ts';
import { CHANNEL, ENV, alertAnnotation, envVariable, where } from './common.ts';

const FLOW = `"flow" =~ /^$flow$/`;

/** Completeness (received vs posted) per channel and what is stuck in the middleware. */
export function reconciliation(): Dashboard {
  return dashboard({
    uid: 'syncprobe-reconciliation',
    title: 'syncprobe / Reconciliation and backlog',
    description: 'Variance between orders received per channel and orders posted in the ERP, and middleware queue, dead-letter and unacknowledged outbound depth.',
    tags: ['reconciliation', 'backlog'],
    variables: [
      envVariable(),
      tagVariable('channel', 'Channel', 'reconciliation', 'channel', { where: ENV, allValue: '.*' }),
      tagVariable('flow', 'Flow', 'backlog', 'flow', { where: ENV, allValue: '.*' }),
    ],
    annotations: [alertAnnotation()],
    panels: [
      {
        type: 'stat',
        title: 'Completeness variance per channel',
        description: 'Latest variance between orders received in the channel and posted in the ERP; the target is under 0.5%.',
        w: 12,
        h: 5,
        queries: [{ query: `SELECT last("variance_pct") AS "variance" FROM "reconciliation" WHERE ${where(ENV, CHANNEL)} GROUP BY "channel"`, alias: '$tag_channel' }],
        unit: 'percent',
        decimals: 2,
        thresholds: { base: 'green', steps: [['red', 0.5]] },
      },
      {
        type: 'stat',
        title: 'Unacknowledged outbound',
        description: 'Shipments the WMS has not confirmed back to the ERP (ASNs not returned): invoices wait on these.',
        w: 12,
        h: 5,
        queries: [{ query: `SELECT last("unacknowledged_outbound") AS "unacknowledged" FROM "backlog" WHERE ${where(ENV, FLOW)} GROUP BY "flow"`, alias: '$tag_flow' }],
        thresholds: { base: 'green', steps: [['orange', 1], ['red', 10]] },
      },
      {
        type: 'timeseries',
        title: 'Variance per channel',
        description: 'Received vs posted variance over time; the red line is the 0.5% target.',
        w: 24,
        h: 8,
        queries: [{ query: `SELECT max("variance_pct") AS "variance" FROM "reconciliation" WHERE ${where(ENV, CHANNEL)} GROUP BY time($__interval), "channel" fill(none)`, alias: '$tag_channel' }],
        unit: 'percent',
        thresholds: { base: 'green', steps: [['red', 0.5]] },
        custom: { thresholdsStyle: { mode: 'line' } },
      },
      {
        type: 'timeseries',
        title: 'Dead-letter queue depth',
        description: 'Messages the middleware could not transform or the ERP refused, per flow.',
        w: 12,
        h: 8,
        queries: [{ query: `SELECT last("dlq_depth") AS "dlq" FROM "backlog" WHERE ${where(ENV, FLOW)} GROUP BY time($__interval), "flow" fill(previous)`, alias: '$tag_flow' }],
        thresholds: { base: 'green', steps: [['red', 1]] },
      },
      {
        type: 'timeseries',
        title: 'Queue depth',
        description: 'Messages accepted but not yet delivered, per flow.',
        w: 12,
        h: 8,
        queries: [{ query: `SELECT last("queue_depth") AS "queue" FROM "backlog" WHERE ${where(ENV, FLOW)} GROUP BY time($__interval), "flow" fill(previous)`, alias: '$tag_flow' }],
      },
    ],
  });
}
