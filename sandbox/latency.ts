/**
 * Latency of every hop. A hop waits its delay before it happens; the delay is scheduled with one
 * timer per pending transition (never a polling loop), so thousands of transactions in flight cost
 * only their timers.
 */
export const HOPS = [
  'middleware.deliver',
  'erp.release',
  'wms.allocate',
  'wms.ship',
  'erp.confirmShipment',
  'notifications.send',
  'storefront.status',
  'inventory.publish',
  'erp.onHand',
  'storefront.availability',
  'edi.ack',
  'edi.poAck',
  'edi.asn',
  'edi.invoice',
] as const;
export type Hop = (typeof HOPS)[number];

export interface LatencyConfig {
  /** Delay of every hop without an override, in ms. */
  defaultMs: number;
  hops: Partial<Record<Hop, number>>;
  /** 0..1: each delay is drawn uniformly from [d*(1-jitter), d*(1+jitter)]. */
  jitter: number;
}

export function validateLatency(input: unknown, base: LatencyConfig): LatencyConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new Error('latency must be an object {defaultMs, hops, jitter}');
  const o = input as Record<string, unknown>;
  const out: LatencyConfig = { defaultMs: base.defaultMs, hops: { ...base.hops }, jitter: base.jitter };
  const ms = (v: unknown, where: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${where} must be a number of ms >= 0, got ${JSON.stringify(v)}`);
    return v;
  };
  if (o.defaultMs !== undefined) out.defaultMs = ms(o.defaultMs, 'latency.defaultMs');
  if (o.jitter !== undefined) {
    if (typeof o.jitter !== 'number' || o.jitter < 0 || o.jitter > 1) throw new Error(`latency.jitter must be between 0 and 1, got ${JSON.stringify(o.jitter)}`);
    out.jitter = o.jitter;
  }
  if (o.hops !== undefined) {
    if (o.hops === null || typeof o.hops !== 'object') throw new Error('latency.hops must be an object of hop -> ms');
    for (const [hop, v] of Object.entries(o.hops as Record<string, unknown>)) {
      if (!(HOPS as readonly string[]).includes(hop)) throw new Error(`latency.hops: unknown hop '${hop}'; hops are ${HOPS.join(', ')}`);
      out.hops[hop as Hop] = ms(v, `latency.hops.${hop}`);
    }
  }
  return out;
}

export class Latency {
  private config: LatencyConfig;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(config: Partial<LatencyConfig> = {}) {
    this.config = validateLatency(config, { defaultMs: 1000, hops: {}, jitter: 0 });
  }

  get(): LatencyConfig {
    return { ...this.config, hops: { ...this.config.hops } };
  }

  set(input: unknown): LatencyConfig {
    this.config = validateLatency(input, this.config);
    return this.get();
  }

  delayOf(hop: Hop, extraMs = 0): number {
    const d = this.config.hops[hop] ?? this.config.defaultMs;
    const j = this.config.jitter;
    return Math.max(0, Math.round(j > 0 ? d * (1 - j + 2 * j * Math.random()) : d) + extraMs);
  }

  /** Runs fn after the hop's delay. Errors are passed to onError, never thrown into the timer. */
  after(hop: Hop, fn: () => unknown, extraMs = 0): void {
    this.afterMs(this.delayOf(hop, extraMs), fn);
  }

  /**
   * Runs fn once at least `ms` have passed on the wall clock the ground truth is stamped with. A
   * Node timer counts from the event loop's cached time, which lags the wall clock by however long
   * the current turn of the loop has run, so it can fire early by that much: an early timer waits
   * out the rest.
   */
  afterMs(ms: number, fn: () => unknown, dueAt = Date.now() + ms): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      const early = dueAt - Date.now();
      if (early > 0) {
        this.afterMs(early, fn, dueAt);
        return;
      }
      try {
        const r = fn();
        if (r instanceof Promise) r.catch((err) => this.onError(err));
      } catch (err) {
        this.onError(err);
      }
    }, ms);
    this.timers.add(t);
  }

  onError: (err: unknown) => void = (err) => {
    process.stderr.write(`sandbox: ${(err as Error)?.message ?? String(err)}\n`);
  };

  /** Cancels every pending hop (stop, reset). */
  cancelAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  pending(): number {
    return this.timers.size;
  }
}
