/**
 * Spreads the starts of many concurrent scenarios evenly over a window (the first polling interval),
 * a few per turn of the event loop. Thousands of placements in one tick would block the loop for
 * seconds and put every transaction's polls in lockstep, so that each later interval begins with a
 * burst of thousands of requests. When the host is busy the starts stretch rather than bunch up.
 */
export class StartPacer {
  private readonly waiting: Array<() => void> = [];
  private next = 0;
  private released = 0;
  private readonly t0 = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private done = false;
  private readonly signal: AbortSignal | undefined;

  /**
   * @param count how many starts will be asked for (the number of workers)
   * @param windowMs the last start is due this long after the first
   * @param perTurn at most this many starts per turn of the event loop
   */
  constructor(
    private readonly count: number,
    private readonly windowMs: number,
    private readonly perTurn = 16,
    signal?: AbortSignal,
  ) {
    // Interrupted while starting: the remaining workers go at once and find the signal aborted.
    if (windowMs <= 0 || count <= 1 || signal?.aborted) {
      this.done = true;
      return;
    }
    this.signal = signal;
    signal?.addEventListener('abort', this.releaseAll, { once: true });
  }

  /** Resolves when it is this caller's turn to start (callers are served in the order they asked). */
  turn(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      if (!this.timer && !this.immediate) this.immediate = setImmediate(this.release);
    });
  }

  /** When start number k (0-based) is due, in ms after the first. */
  dueAt(k: number): number {
    return this.count <= 1 ? 0 : Math.floor((k * this.windowMs) / (this.count - 1));
  }

  private readonly release = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    const elapsed = Date.now() - this.t0;
    let n = 0;
    while (this.next < this.waiting.length && n < this.perTurn && this.dueAt(this.released) <= elapsed) {
      const resolve = this.waiting[this.next]!;
      this.waiting[this.next++] = noop;
      this.released++;
      n++;
      resolve();
    }
    if (this.released >= this.count) this.signal?.removeEventListener('abort', this.releaseAll);
    if (this.next >= this.waiting.length) return;
    const wait = this.dueAt(this.released) - (Date.now() - this.t0);
    // Behind schedule: the next batch after pending I/O, not in the same turn.
    if (wait <= 0) this.immediate = setImmediate(this.release);
    else this.timer = setTimeout(this.release, wait);
  };

  readonly releaseAll = (): void => {
    this.done = true;
    this.signal?.removeEventListener('abort', this.releaseAll);
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    while (this.next < this.waiting.length) {
      const resolve = this.waiting[this.next]!;
      this.waiting[this.next++] = noop;
      resolve();
    }
  };
}

function noop(): void {}
