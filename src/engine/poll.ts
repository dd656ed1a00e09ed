export interface PollingSettings {
  initialMs: number;
  factor: number;
  maxMs: number;
  graceFactor: number;
  graceMs: number;
  maxConsecutiveErrors: number;
}

export const DEFAULT_POLLING: PollingSettings = { initialMs: 250, factor: 1.5, maxMs: 15_000, graceFactor: 2, graceMs: 0, maxConsecutiveErrors: 5 };

/**
 * Delay before poll number `attempt` (0-based): fast at first, backing off, capped at maxMs and at a
 * tenth of the SLA so the measurement bounds stay within a tenth of what is being judged.
 */
export function pollingDelay(attempt: number, s: PollingSettings, slaMs: number): number {
  const raw = s.initialMs * Math.pow(s.factor, attempt);
  const slaCap = Math.max(s.initialMs, slaMs / 10);
  return Math.max(1, Math.round(Math.min(raw, s.maxMs, slaCap)));
}

/** How long a milestone is awaited after its SLA start before it is declared missing. */
export function awaitWindowMs(slaMs: number, s: PollingSettings): number {
  return Math.round(slaMs * s.graceFactor + s.graceMs);
}
