import type { AlertRoute } from '../alerting/alerter.ts';
import type { ImpactWeights } from '../alerting/impact.ts';
import type { AlertPolicy } from '../alerting/types.ts';

/**
 * A probe binds a scenario or a check to an environment, a schedule, thresholds and alert routing.
 * Probes are typed data in probes/*.ts; defineProbe() returns its argument and exists for types.
 */
export interface ProbeDefinition {
  /** Unique, stable: alert keys and points are named after it. */
  name: string;
  /** A scenario name from the config (a synthetic transaction) ... */
  scenario?: string;
  /** ... or a check (TLS, OAuth, contract, backlog, reconciliation). */
  check?: CheckSpec;
  environment: string;
  /** node-cron expression; a leading sixth field is seconds (`*\/30 * * * * *`). */
  cron: string;
  /** IANA zone the cron expression is read in; default UTC. */
  timezone?: string;
  /** Random delay 0..jitterMs before each run, so probes on the same minute do not stampede. */
  jitterMs?: number;
  /** A run still going after this is aborted (its cleanup still runs). Default 5 min. */
  timeoutMs?: number;
  /**
   * Whether the probe writes to production systems (places orders, posts stock adjustments).
   * Write probes stop when the kill switch is on. Default: true for scenarios, false for checks.
   */
  writes?: boolean;
  /** Systems the probe touches, for maintenance windows (e.g. ['erp', 'wms']). */
  systems?: string[];
  /** Hysteresis of this probe's alert keys. */
  thresholds?: Partial<AlertPolicy>;
  /** Where its notifications go. */
  alerts?: AlertRoute[];
  /** Business weights for severity. */
  impact?: ImpactWeights;
  /** Extra tags on its points (bounded values only). */
  tags?: Record<string, string>;
  /** false = defined but not scheduled. */
  enabled?: boolean;
}

export interface CheckSpec {
  /** A registered check type, e.g. 'tls', 'oauth', 'backlog', 'reconciliation'. */
  type: string;
  /** Options the check reads; validated by the check itself. */
  options?: Record<string, unknown>;
}

export function defineProbe(probe: ProbeDefinition): ProbeDefinition {
  return probe;
}

export const DEFAULT_TIMEOUT_MS = 5 * 60_000;

export function isWriteProbe(p: ProbeDefinition): boolean {
  return p.writes ?? !!p.scenario;
}

export function probeKind(p: ProbeDefinition): 'scenario' | 'check' {
  return p.scenario ? 'scenario' : 'check';
}
