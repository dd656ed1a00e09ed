interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  done: boolean;
}

/**
 * The waits between polls of every transaction in the process, on one timer. Sleepers due at the
 * same time are woken a batch per turn of the event loop, and the rest after pending I/O: with
 * thousands of transactions in flight, a busy moment would otherwise leave hundreds of poll timers
 * overdue, all run in one turn, and the loop blocked for as long as their requests take to issue.
 */
export class WakeQueue {
  private readonly heap: Sleeper[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private immediate: NodeJS.Immediate | undefined;
  private live = 0;

  constructor(
    private readonly perTurn = 32,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sleepers neither woken nor cancelled. */
  get size(): number {
    return this.live;
  }

  /** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const s: Sleeper = { at: this.now() + Math.max(0, ms), seq: this.seq++, resolve, reject, signal, onAbort: undefined, done: false };
      if (signal) {
        s.onAbort = () => {
          if (s.done) return;
          s.done = true;
          // Nothing left to wait for: no timer keeps the process alive after an interruption.
          if (--this.live === 0) this.disarm();
          reject(signal.reason);
        };
        signal.addEventListener('abort', s.onAbort, { once: true });
      }
      this.live++;
      this.push(s);
      this.arm();
    });
  }

  private readonly wake = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.immediate = undefined;
    const now = this.now();
    let n = 0;
    while (this.heap.length && this.heap[0]!.at <= now && n < this.perTurn) {
      const s = this.pop();
      if (s.done) continue;
      s.done = true;
      this.live--;
      if (s.onAbort) s.signal!.removeEventListener('abort', s.onAbort);
      n++;
      s.resolve();
    }
    // Cancelled sleepers are dropped as they come up; the next live one decides the timer.
    while (this.heap.length && this.heap[0]!.done) this.pop();
    if (this.live === 0) return;
    if (this.heap[0]!.at <= now) this.immediate = setImmediate(this.wake);
    else this.arm();
  };

  private arm(): void {
    if (this.immediate || this.live === 0) return;
    const at = this.heap[0]!.at;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.wake, Math.max(0, at - this.now()));
  }

  private disarm(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.timerAt = Infinity;
    this.heap.length = 0;
  }

  private less(a: Sleeper, b: Sleeper): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(s: Sleeper): void {
    const h = this.heap;
    h.push(s);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Sleeper {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** The process's wake queue for poll intervals. */
export const pollWaits = new WakeQueue();
