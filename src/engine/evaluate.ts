import type { FailureClass } from '../core/errors.ts';
import type { Failure, MilestoneResult, MilestoneStatus, ScenarioResult } from '../core/result.ts';
import { worst, type Problem, type Status } from '../core/status.ts';
import type { ResponseProblem } from '../http/client.ts';
import type { DataMismatch, Diagnosis } from './types.ts';

/**
 * Everything the runtime saw of one milestone, in absolute harness-clock epoch ms. Turning it into a
 * verdict is pure: no I/O, no clock, table-tested.
 */
export interface MilestoneObservation {
  name: string;
  /** Readable name for reasons ("ERP order created"). */
  title?: string;
  system: string;
  slaMs: number;
  /** Name of the milestone the SLA clock starts from (absent: this milestone is the start). */
  from?: string;
  /** Interval of the SLA start event: it had not happened at `lower`, it had by `upper`; its system time. */
  start?: { lower: number; upper: number; systemAt?: number | null } | null;
  found: boolean;
  /** Last time the milestone was known not to have happened (a negative poll sent, or a causal predecessor). */
  lastNegativeAt?: number | null;
  /** First time it was known to have happened (the positive answer received). */
  firstPositiveAt?: number | null;
  /** The system's own timestamp of the milestone. */
  systemAt?: number | null;
  requests: number;
  /** Persistent failure while observing (transport, HTTP errors, rate limit) or of the step that should have produced it. */
  error?: { class: FailureClass; reason: string } | null;
  mismatches?: DataMismatch[];
  responseProblems?: ResponseProblem[];
  /** What upstream systems say about why it is missing or late. */
  diagnosis?: Diagnosis | null;
  /** Set when an earlier milestone failed so this one was never awaited. */
  notReached?: { because: string; class: FailureClass } | null;
  /**
   * How it was observed. By a webhook the harness learned of it when the system told it, so the
   * estimate is that moment rather than the middle of the bounds.
   */
  observedBy?: MilestoneResult['observedBy'];
  /** How long it was awaited before being called missing. */
  waitedMs?: number;
  /**
   * The fastest answer while polling. When even that took over half the SLA, every answer was slow:
   * a slow API rather than a slow business process. (One slow answer on a busy host proves nothing.)
   */
  fastestRequestMs?: number;
  scope: NonNullable<Failure['scope']>;
  skewToleranceMs: number;
}

const fmt = (ms: number): string => (Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`);

function label(o: MilestoneObservation): string {
  return o.title ?? `${o.name} in ${o.system}`;
}

function scopeText(scope: MilestoneObservation['scope']): string {
  const parts = [scope.channel && `channel ${scope.channel}`, scope.warehouse && `warehouse ${scope.warehouse}`].filter(Boolean);
  return parts.length ? ` for ${parts.join(', ')}` : '';
}

export function evaluateMilestone(o: MilestoneObservation): MilestoneResult {
  const base: MilestoneResult = {
    name: o.name,
    system: o.system,
    status: 'missing',
    latencyMs: null,
    latencyLowerMs: null,
    latencyUpperMs: null,
    systemLatencyMs: null,
    slaMs: o.slaMs,
    requests: o.requests,
  };
  if (o.from) base.from = o.from;
  if (o.observedBy) base.observedBy = o.observedBy;
  const scope = o.scope;

  if (o.notReached) {
    return { ...base, status: 'missing', failure: { class: o.notReached.class, reason: `not reached: ${o.notReached.because}`, scope } };
  }
  if (!o.found) {
    if (o.error) {
      const reason = o.diagnosis ? `${o.error.reason}; ${o.diagnosis.reason}` : o.error.reason;
      return { ...base, status: 'error', failure: { class: o.error.class, reason, scope: { ...scope, ...o.diagnosis?.scope } } };
    }
    const waited = o.waitedMs !== undefined ? ` within ${fmt(o.waitedMs)}` : '';
    const slowApi = o.fastestRequestMs !== undefined && o.fastestRequestMs > o.slaMs / 2;
    const slow = slowApi ? `; ${o.system} took at least ${fmt(o.fastestRequestMs!)} to answer every request` : '';
    const failure: Failure = o.diagnosis
      ? { class: slowApi ? 'transport' : o.diagnosis.class, reason: o.diagnosis.reason + slow, scope: { ...scope, ...o.diagnosis.scope } }
      : { class: slowApi ? 'transport' : 'business', reason: `${label(o)} never observed${scopeText(scope)}${waited} (SLA ${fmt(o.slaMs)}${o.from ? ` from ${o.from}` : ''})${slow}`, scope };
    return { ...base, status: 'missing', failure };
  }

  // Bounds: the event lies after the last negative and before the first positive observation; the
  // start event lies within its own interval, so the latency lies within the widest difference.
  const start = o.start ?? null;
  let lower: number | null = null;
  let upper: number | null = null;
  if (!o.from) {
    lower = 0;
    upper = 0;
  } else if (start && o.firstPositiveAt != null) {
    upper = Math.max(0, Math.ceil(o.firstPositiveAt - start.lower));
    lower = o.lastNegativeAt != null ? Math.max(0, Math.floor(o.lastNegativeAt - start.upper)) : 0;
    if (lower > upper) lower = upper;
  }
  let latency = lower !== null && upper !== null ? Math.round((lower + upper) / 2) : null;
  if (o.observedBy === 'webhook' && start && o.firstPositiveAt != null && lower !== null && upper !== null)
    latency = Math.min(upper, Math.max(lower, Math.round(o.firstPositiveAt - (start.lower + start.upper) / 2)));
  const result: MilestoneResult = { ...base, latencyMs: latency, latencyLowerMs: lower, latencyUpperMs: upper };
  if (o.firstPositiveAt != null) result.observedAt = new Date(o.firstPositiveAt).toISOString();

  const warnings: Problem[] = [];
  if (o.from && start?.systemAt != null && o.systemAt != null) {
    const sys = o.systemAt - start.systemAt;
    result.systemLatencyMs = sys;
    if (lower !== null && upper !== null && (sys < lower - o.skewToleranceMs || sys > upper + o.skewToleranceMs)) {
      result.clockSkewSuspected = true;
      warnings.push({
        code: 'clock_skew_suspected',
        message: `${o.system} reports ${fmt(sys)} for ${o.name} but the harness observed it between ${fmt(lower)} and ${fmt(upper)}: the clocks of ${o.system} and the SLA start system disagree`,
      });
    }
  }
  for (const p of o.responseProblems ?? []) if (!p.breaking) warnings.push({ code: p.code, message: p.message });
  if (warnings.length) result.warnings = warnings;

  const breaking = (o.responseProblems ?? []).filter((p) => p.breaking);
  const mismatches = o.mismatches ?? [];
  if (mismatches.length || breaking.length) {
    const cls: FailureClass = mismatches.find((m) => m.class)?.class ?? 'data';
    const parts = [...mismatches.map((m) => m.message), ...breaking.map((p) => (p.pointer ? `${p.pointer}: ${p.message}` : p.message))];
    return { ...result, status: 'error', failure: { class: cls, reason: `${label(o)}${scopeText(scope)} does not match what was placed: ${parts.join('; ')}`, scope } };
  }

  let status: MilestoneStatus = 'met';
  if (o.from && lower !== null && upper !== null) {
    if (upper <= o.slaMs) status = 'met';
    else if (lower > o.slaMs) status = 'late';
    else {
      // The bounds straddle the SLA: the system's own timestamps decide when they agree with the bounds.
      const sys = result.systemLatencyMs;
      const decider = typeof sys === 'number' && !result.clockSkewSuspected ? sys : (latency ?? upper);
      status = decider <= o.slaMs ? 'met' : 'late';
    }
  }
  if (status === 'late') {
    const slowApi = o.fastestRequestMs !== undefined && o.fastestRequestMs > o.slaMs / 2;
    const why = (o.diagnosis ? `; ${o.diagnosis.reason}` : '') + (slowApi ? `; ${o.system} took at least ${fmt(o.fastestRequestMs!)} to answer every request` : '');
    return {
      ...result,
      status,
      failure: {
        class: slowApi ? 'transport' : (o.diagnosis?.class ?? 'business'),
        reason: `${label(o)}${scopeText(scope)} took ${fmt(latency!)} (between ${fmt(lower!)} and ${fmt(upper!)}) from ${o.from}, SLA ${fmt(o.slaMs)}${why}`,
        scope: { ...scope, ...o.diagnosis?.scope },
      },
    };
  }
  return { ...result, status };
}

/** late: degraded (warning); missing, error: failed (critical); warnings or a failed cleanup: warning. */
export function scenarioStatus(r: Pick<ScenarioResult, 'milestones' | 'cleanup' | 'problems'>, interrupted = false): Status {
  const statuses: Status[] = r.milestones.map((m) =>
    m.status === 'met' ? (m.warnings?.length ? 'warning' : 'ok') : m.status === 'late' ? 'warning' : 'critical',
  );
  if (r.cleanup?.status === 'failed') statuses.push('warning');
  const s = worst(...statuses);
  if (interrupted && s !== 'critical') return 'unknown';
  return s;
}

export function runStatus(scenarios: Pick<ScenarioResult, 'status'>[]): Status {
  return worst(...scenarios.map((s) => s.status));
}
