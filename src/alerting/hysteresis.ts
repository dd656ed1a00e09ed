import type { Status } from '../core/status.ts';
import type { AlertPolicy, AlertState, NotificationKind, Observation, RunSource, Severity } from './types.ts';

/**
 * Gatus-style hysteresis per alert key, pure: a state and one observation in, the next state and the
 * notifications to send out. No I/O, no clock: `now` comes in with the observation.
 *
 * - An incident opens after `failureThreshold` consecutive bad (degraded or failed) observations; its
 *   level is `failed` when that many were failed, otherwise `degraded`.
 * - An open degraded incident escalates once `failureThreshold` consecutive failed observations are
 *   seen; an open failed incident de-escalates after `successThreshold` consecutive degraded ones.
 * - It resolves after `successThreshold` consecutive ok observations; anything bad resets that count,
 *   so alternating pass/fail keeps one incident open instead of opening many.
 * - Reminders repeat every `reminderIntervalMs` while the incident stays open.
 * - CI runs never change production state and never notify.
 */
export function observationOf(status: Status): Observation {
  if (status === 'ok') return 'ok';
  if (status === 'critical') return 'failed';
  return 'degraded';
}

export interface StepInput {
  observation: Observation;
  /** Severity of this observation by business impact (src/alerting/impact.ts). */
  severity: Severity;
  reason?: string;
  now: number;
  source: RunSource;
  /** Used as the incident id when an incident opens. */
  newIncidentId: () => string;
}

export interface StepEvent {
  kind: NotificationKind;
  level: 'degraded' | 'failed' | 'ok';
  severity: Severity;
}

export interface StepResult {
  state: AlertState;
  events: StepEvent[];
}

export function initialState(key: string): AlertState {
  return { key, consecutiveFailed: 0, consecutiveBad: 0, consecutiveDegraded: 0, consecutiveOk: 0, incident: null };
}

export function step(prev: AlertState, input: StepInput, policy: AlertPolicy): StepResult {
  if (input.source === 'ci') return { state: prev, events: [] };
  const { observation: obs, now } = input;
  const s: AlertState = {
    ...prev,
    incident: prev.incident ? { ...prev.incident, channels: [...prev.incident.channels] } : null,
    consecutiveFailed: obs === 'failed' ? prev.consecutiveFailed + 1 : 0,
    consecutiveDegraded: obs === 'degraded' ? prev.consecutiveDegraded + 1 : 0,
    consecutiveBad: obs === 'ok' ? 0 : prev.consecutiveBad + 1,
    consecutiveOk: obs === 'ok' ? prev.consecutiveOk + 1 : 0,
    lastObservedAt: now,
    lastObservation: obs,
  };
  const events: StepEvent[] = [];
  const inc = s.incident;

  if (!inc) {
    if (s.consecutiveBad >= policy.failureThreshold) {
      const level = s.consecutiveFailed >= policy.failureThreshold ? 'failed' : 'degraded';
      s.incident = { id: input.newIncidentId(), level, severity: input.severity, openedAt: now, lastNotifiedAt: now, reason: input.reason, channels: [] };
      events.push({ kind: 'trigger', level, severity: input.severity });
    }
    return { state: s, events };
  }

  if (obs === 'ok') {
    if (s.consecutiveOk >= policy.successThreshold) {
      if (policy.sendOnResolved) events.push({ kind: 'resolve', level: 'ok', severity: inc.severity });
      s.incident = null;
    }
    return { state: s, events };
  }

  if (input.reason) inc.reason = input.reason;
  if (inc.level === 'degraded' && s.consecutiveFailed >= policy.failureThreshold) {
    inc.level = 'failed';
    inc.severity = input.severity;
    inc.lastNotifiedAt = now;
    events.push({ kind: 'escalate', level: 'failed', severity: input.severity });
  } else if (inc.level === 'failed' && s.consecutiveDegraded >= policy.successThreshold) {
    inc.level = 'degraded';
    inc.severity = input.severity;
    inc.lastNotifiedAt = now;
    events.push({ kind: 'deescalate', level: 'degraded', severity: input.severity });
  } else if (policy.reminderIntervalMs > 0 && now - inc.lastNotifiedAt >= policy.reminderIntervalMs) {
    inc.lastNotifiedAt = now;
    events.push({ kind: 'reminder', level: inc.level, severity: inc.severity });
  }
  return { state: s, events };
}
