import { setTimeout as sleep } from 'node:timers/promises';

/** Retry-After in ms from either delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/**
 * A per-system request budget: token bucket for the rate, a counter for requests in flight.
 * With no limits configured, acquire() costs nothing.
 */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly ratePerSecond?: number,
    private readonly burst?: number,
    private readonly maxConcurrent?: number,
  ) {
    this.tokens = burst ?? ratePerSecond ?? 0;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.ratePerSecond && this.ratePerSecond > 0) {
      for (;;) {
        const now = Date.now();
        const cap = this.burst ?? this.ratePerSecond;
        this.tokens = Math.min(cap, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
        this.last = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          break;
        }
        await sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000), undefined, { signal });
      }
    }
    if (this.maxConcurrent && this.maxConcurrent > 0) {
      while (this.inFlight >= this.maxConcurrent) {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(signal!.reason);
          signal?.addEventListener('abort', onAbort, { once: true });
          this.waiters.push(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          });
        });
      }
      this.inFlight++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.waiters.shift()?.();
      };
    }
    return () => {};
  }
}
