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
    fields: { days_left: 'float', chain_days_left: 'float', status: 'string', status_code: 'integer', handshake_ms: 'float', problems: 'string' },
    writtenBy: 'src/checks/tls/index.ts (toPoints)',
  },
  {
    name: 'oauth_client',
    tags: ['target', 'env'],
    fields: { acquire_ms: 'float', lifetime_s: 'float', status: 'string', status_code: 'integer', secret_days_left: 'float', clock_skew_s: 'float', problems: 'string' },
    writtenBy: 'src/checks/oauth/index.ts (toPoints)',
  },
  {
    // One point per probe per health interval (deltas since the last one), plus probe `_daemon` (env `all`) with the daemon's own figures.
    name: 'probe_health',
    tags: ['probe', 'env', 'kind'],
    fields: {
      runs: 'integer',
      skipped: 'integer',
      missed: 'integer',
      timeouts: 'integer',
      runs_total: 'integer',
      skipped_total: 'integer',
      missed_total: 'integer',
      timeouts_total: 'integer',
      running: 'integer',
      last_run_age_s: 'integer',
      last_status_code: 'integer',
      sink_pending: 'integer',
      sink_spooled: 'integer',
      sink_dead_lettered: 'integer',
      outbox_pending: 'integer',
      outbox_dead_lettered: 'integer',
      open_alerts: 'integer',
    },
    writtenBy: 'src/scheduler/daemon.ts (healthPoints)',
  },
  {
    // One point per probe run or skip; outcome is the verdict or `skipped`.
    name: 'probe_run',
    tags: ['probe', 'env', 'kind', 'outcome', 'reason'],
    fields: { skipped: 'integer', duration_ms: 'float', timed_out: 'boolean', abandoned: 'boolean', status_code: 'integer', lag_ms: 'float', cleanup: 'string' },
    writtenBy: 'src/scheduler/daemon.ts',
  },
  {
    // One point per notification; kind is trigger|escalate|deescalate|reminder|resolve.
    name: 'alert',
    tags: ['severity', 'key', 'env', 'probe', 'kind', 'channel', 'warehouse'],
    fields: { message: 'string', level: 'string', incident_id: 'string' },
    writtenBy: 'src/scheduler/daemon.ts (alertPoint)',
  },
  {
    name: 'reconciliation',
    tags: ['channel', 'env', 'flow'],
    fields: { expected: 'integer', posted: 'integer', missing: 'integer', variance_pct: 'float', status: 'string' },
    writtenBy: 'src/scheduler/checks/reconciliation.ts (reconciliationOutcome)',
  },
  {
    name: 'backlog',
    tags: ['flow', 'env'],
    fields: { queue_depth: 'integer', dlq_depth: 'integer', unacknowledged_outbound: 'integer', growth_per_min: 'float', status: 'string' },
    writtenBy: 'src/scheduler/checks/backlog.ts (backlogOutcome)',
  },
  {
    // One point per EDI check run (file arrival window, 997 acknowledgements).
    name: 'edi_check',
    tags: ['check', 'partner', 'env', 'probe'],
    fields: {
      status: 'string',
      status_code: 'integer',
      problems: 'string',
      margin_minutes: 'float',
      late_minutes: 'float',
      acks: 'integer',
      accepted: 'integer',
      rejected: 'integer',
      state: 'string',
    },
    writtenBy: 'src/edi/probe.ts (ediPoints)',
  },
  {
    name: 'contract_drift',
    tags: ['api', 'severity', 'env'],
    fields: { message: 'string' },
    writtenBy: 'contract drift monitor (not written yet: shape assumed, docs/dashboards.md)',
  },
  {
    name: 'contract_verification',
    tags: ['provider', 'env'],
    fields: { status: 'string', interactions: 'integer', failures: 'integer' },
    writtenBy: 'contract check (not written yet: shape assumed, docs/dashboards.md)',
  },
];

export function measurement(name: string): MeasurementSpec {
  const m = MEASUREMENTS.find((x) => x.name === name);
  if (!m) throw new Error(`measurement '${name}' is not in dashboards/src/measurements.ts`);
  return m;
}
