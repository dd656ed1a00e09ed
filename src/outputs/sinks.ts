import type { Point, Sink, SinkStats } from '../core/outputs.ts';
import { OutputErrorLog, guarded } from './report-error.ts';

/**
 * All sinks behind one Sink. Every call to every sink is isolated: a sink that throws, rejects
 * or hangs (past stopTimeoutMs, default a minute) is reported once and the run goes on; a sink whose start()
 * failed is left out afterwards, the others keep getting every point.
 */
export class SinkMultiplexer implements Sink {
  readonly name = 'sinks';
  private readonly active = new Set<Sink>();

  constructor(
    readonly sinks: Sink[],
    private readonly options: { log?: OutputErrorLog; stopTimeoutMs?: number } = {},
  ) {}

  private get log(): OutputErrorLog {
    return (this.options.log ??= new OutputErrorLog());
  }

  private get timeoutMs(): number {
    return this.options.stopTimeoutMs ?? 60_000;
  }

  async start(): Promise<void> {
    await Promise.all(
      this.sinks.map(async (s) => {
        if (await guarded(this.log, s.name, 'start', () => s.start(), this.timeoutMs)) this.active.add(s);
      }),
    );
  }

  add(points: Point[]): void {
    for (const s of this.active) {
      try {
        s.add(points);
      } catch (err) {
        this.log.report(s.name, 'add', err);
      }
    }
  }

  async flush(): Promise<void> {
    await Promise.all([...this.active].map((s) => guarded(this.log, s.name, 'flush', () => s.flush(), this.timeoutMs)));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.active].map((s) => guarded(this.log, s.name, 'stop', () => s.stop(), this.timeoutMs)));
    this.active.clear();
    this.log.summarize();
  }

  /** Summed over all sinks; a sink whose stats() throws counts as one failure. */
  stats(): SinkStats {
    const total: SinkStats = { written: 0, pending: 0, spooled: 0, deadLettered: 0, failures: 0 };
    for (const s of this.sinks) {
      try {
        const st = s.stats();
        for (const k of Object.keys(total) as Array<keyof SinkStats>) total[k] += Number(st[k]) || 0;
      } catch (err) {
        this.log.report(s.name, 'stats', err);
        total.failures++;
      }
    }
    return total;
  }
}
