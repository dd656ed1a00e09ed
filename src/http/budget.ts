/** Retry-After in ms from either delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/**
 * A per-system request budget: a token bucket for the rate and a counter for requests in flight,
 * each with one FIFO queue of waiters drained by a single timer, so thousands of pending polls cost
 * one timer rather than one wake-up each. With no limits configured, acquire() costs nothing.
 */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private inFlight = 0;
  private readonly rateWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort?: () => void }> = [];
  private readonly slotWaiters: Array<{ wake: () => void; signal?: AbortSignal }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ratePerSecond?: number,
    private readonly burst?: number,
    private readonly maxConcurrent?: number,
  ) {
    this.tokens = burst ?? ratePerSecond ?? 0;
  }

  private refill(): void {
    const now = Date.now();
    const cap = this.burst ?? this.ratePerSecond!;
    this.tokens = Math.min(cap, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond!);
    this.last = now;
  }

  private drain = (): void => {
    this.timer = undefined;
    this.refill();
    while (this.rateWaiters.length && this.tokens >= 1) {
      const w = this.rateWaiters.shift()!;
      if (w.signal?.aborted) continue;
      this.tokens -= 1;
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
    if (this.rateWaiters.length) this.timer = setTimeout(this.drain, Math.max(1, Math.ceil(((1 - this.tokens) / this.ratePerSecond!) * 1000)));
  };

  private async takeToken(signal?: AbortSignal): Promise<void> {
    this.refill();
    if (this.rateWaiters.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return;
    }
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const w: (typeof this.rateWaiters)[number] = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.rateWaiters.push(w);
      if (!this.timer) this.timer = setTimeout(this.drain, Math.max(1, Math.ceil(((1 - this.tokens) / this.ratePerSecond!) * 1000)));
    });
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.ratePerSecond && this.ratePerSecond > 0) await this.takeToken(signal);
    if (this.maxConcurrent && this.maxConcurrent > 0) {
      while (this.inFlight >= this.maxConcurrent) {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(signal!.reason);
          signal?.addEventListener('abort', onAbort, { once: true });
          this.slotWaiters.push({
            signal,
            wake: () => {
              signal?.removeEventListener('abort', onAbort);
              resolve();
            },
          });
        });
      }
      this.inFlight++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.inFlight--;
        for (let w = this.slotWaiters.shift(); w; w = this.slotWaiters.shift()) {
          if (w.signal?.aborted) continue;
          w.wake();
          break;
        }
      };
    }
    return () => {};
  }
}
