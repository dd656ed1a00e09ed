/**
 * What the dashboards read from InfluxDB: every measurement, tag and field a panel query
 * names. A query naming anything not listed here fails the dashboard tests, so a rename in a
 * writer is caught here rather than as an empty panel in production.
 * `writtenBy` names the code that writes the measurement; docs/dashboards.md lists the
 * measurements whose shape is still an assumption.
 */
export type FieldType = 'float' | 'integer' | 'string' | 'boolean';

export interface MeasurementSpec {
  name: string;
  tags: readonly string[];
  fields: Readonly<Record<string, FieldType>>;
  writtenBy: string;
}

export const MEASUREMENTS: readonly MeasurementSpec[] = [
  {
    name: 'milestone',
    tags: ['scenario', 'milestone', 'system', 'channel', 'warehouse', 'env', 'status', 'class'],
    fields: {
      latency_ms: 'float',
      latency_lower_ms: 'float',
      latency_upper_ms: 'float',
      system_latency_ms: 'float',
      sla_ms: 'float',
      met: 'integer',
      requests: 'integer',
      correlation_id: 'string',
    },
    writtenBy: 'src/sinks/points.ts',
  },
  {
    name: 'scenario_run',
    tags: ['scenario', 'channel', 'warehouse', 'env', 'status'],
    fields: { duration_ms: 'float', milestones_met: 'integer', milestones_failed: 'integer', correlation_id: 'string' },
    writtenBy: 'src/sinks/points.ts',
  },
  {
    name: 'tls_cert',
    tags: ['target', 'env'],
    fields: { days_left: 'float', chain_days_left: 'float', status: 'string' },
    writtenBy: 'TLS check',
  },
  {
    name: 'oauth_client',
    tags: ['target', 'env'],
    fields: { acquire_ms: 'float', lifetime_s: 'float', status: 'string' },
    writtenBy: 'OAuth check',
  },
  {
    name: 'probe_health',
    tags: ['probe', 'env'],
    fields: { runs: 'integer', skipped: 'integer', missed: 'integer', sink_pending: 'integer', sink_spooled: 'integer', sink_dead_lettered: 'integer' },
    writtenBy: 'scheduler',
  },
  {
    name: 'alert',
    tags: ['severity', 'key', 'env', 'channel', 'warehouse'],
    fields: { message: 'string' },
    writtenBy: 'alerting',
  },
  {
    name: 'reconciliation',
    tags: ['channel', 'env'],
    fields: { expected: 'integer', posted: 'integer', variance_pct: 'float' },
    writtenBy: 'reconciliation check',
  },
  {
    name: 'backlog',
    tags: ['flow', 'env'],
    fields: { queue_depth: 'integer', dlq_depth: 'integer', unacknowledged_outbound: 'integer' },
    writtenBy: 'backlog check',
  },
  {
    name: 'contract_drift',
    tags: ['api', 'severity', 'env'],
    fields: { message: 'string' },
    writtenBy: 'contract drift monitor',
  },
  {
    name: 'contract_verification',
    tags: ['provider', 'env'],
    fields: { status: 'string', interactions: 'integer', failures: 'integer' },
    writtenBy: 'contract check',
  },
];

export function measurement(name: string): MeasurementSpec {
  const m = MEASUREMENTS.find((x) => x.name === name);
  if (!m) throw new Error(`measurement '${name}' is not in dashboards/src/measurements.ts`);
  return m;
}
