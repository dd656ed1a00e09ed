import type { Problem, Status } from '../core/status.ts';
import { worst } from '../core/status.ts';

/** A problem with the severity it contributes; the document's status is the worst of them. */
export interface CheckProblem extends Problem {
  severity: Exclude<Status, 'ok'>;
}

/** Something worth knowing that is not a problem (a key rotation with the old key still served). */
export type Notice = Problem;

export interface ExpiryThresholds {
  /** Warning when less than this many days are left. */
  warnDays: number;
  /** Critical when less than this many days are left. */
  critDays: number;
}

export const DEFAULT_THRESHOLDS: ExpiryThresholds = { warnDays: 30, critDays: 7 };

export const DAY_MS = 86_400_000;

export function statusOf(problems: CheckProblem[]): Status {
  return worst(...problems.map((p) => p.severity));
}

/** Whole days left, rounded down (negative once past). */
export function daysLeft(notAfterMs: number, nowMs: number): number {
  return Math.floor((notAfterMs - nowMs) / DAY_MS);
}

/** Severity of an expiry date against thresholds, or null when it is far enough away. */
export function expirySeverity(notAfterMs: number, nowMs: number, t: ExpiryThresholds): 'warning' | 'critical' | null {
  const left = notAfterMs - nowMs;
  if (left < t.critDays * DAY_MS) return 'critical';
  if (left < t.warnDays * DAY_MS) return 'warning';
  return null;
}
