import { influxAnnotation, tagVariable, type Annotation, type QueryVariable } from './grafana.ts';

/**
 * Filters shared by every dashboard. Variables are matched as anchored regexes because the
 * InfluxDB data source expands a multi-value selection to (a|b|c); All expands to `.*` so a
 * point without the tag still counts where the scope filter allows it.
 */
export const ENV = `"env" =~ /^$env$/`;
export const CHANNEL = `"channel" =~ /^$channel$/`;
export const WAREHOUSE = `"warehouse" =~ /^$warehouse$/`;

/** Order scenarios carry the channel the order was placed in; stock adjustments start in a warehouse and have none. */
export const ORDER_SCOPE = `"channel" != ''`;
export const INVENTORY_SCOPE = `"channel" = ''`;

export function where(...conditions: string[]): string {
  return [...conditions, '$timeFilter'].join(' AND ');
}

/** The daemon tags its own health point env=all; that is not an environment to pick. */
export const envVariable = (): QueryVariable => tagVariable('env', 'Environment', '', 'env', { where: `"env" != 'all'`, allValue: '.*' });
export const channelVariable = (): QueryVariable => tagVariable('channel', 'Channel', 'milestone', 'channel', { where: ENV, allValue: '.*' });
export const warehouseVariable = (): QueryVariable => tagVariable('warehouse', 'Warehouse', 'milestone', 'warehouse', { where: ENV, allValue: '.*' });

/** Alert notifications (trigger, escalate, resolve, ...) on every time axis: which key, how severe, what it said. */
export const alertAnnotation = (): Annotation =>
  influxAnnotation('syncprobe alerts', 'red', `SELECT "message", "severity", "kind", "key" FROM "alert" WHERE ${where(ENV)}`, {
    text: 'message',
    tags: 'severity,kind',
  });

/** Notifications that open or worsen an incident; reminders and resolves would count one incident twice. */
export const NEW_ALERTS = `"kind" =~ /^(trigger|escalate)$/`;

/**
 * Milestones that measure something arriving: a milestone a step marks itself (the order placed,
 * the adjustment posted) starts the SLA clock at latency 0 and says nothing about propagation.
 */
export const ARRIVALS = `"latency_ms" > 0`;

/** Failure classes in the order an engineer looks at them. */
export const FAILURE_CLASSES = ['transport', 'application', 'data', 'business'] as const;
