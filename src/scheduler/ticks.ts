import { createTask, type ScheduledTask } from 'node-cron';
import type { ProbeDefinition } from './probe.ts';

/**
 * Where ticks come from. The daemon does not care: production uses cron (node-cron, seconds
 * granularity when the expression has six fields); tests and the demo may use fixed intervals in
 * milliseconds with real timers.
 */
export interface TickSource {
  start(probes: ProbeDefinition[], onTick: (probe: string, scheduledAt: Date) => void, onMissed?: (probe: string, at: Date) => void): void;
  stop(): void;
  nextRun?(probe: string): Date | null;
}

export class CronTicks implements TickSource {
  private readonly tasks = new Map<string, ScheduledTask>();

  start(probes: ProbeDefinition[], onTick: (probe: string, scheduledAt: Date) => void, onMissed?: (probe: string, at: Date) => void): void {
    for (const p of probes) {
      const task = createTask(p.cron, (ctx) => onTick(p.name, ctx.date), { name: `probe:${p.name}`, timezone: p.timezone ?? 'UTC', noOverlap: false });
      // The daemon decides about overlap itself (and counts it); node-cron only reports missed slots.
      task.on('execution:missed', (ctx) => onMissed?.(p.name, ctx.date));
      this.tasks.set(p.name, task);
      void task.start();
    }
  }

  nextRun(probe: string): Date | null {
    return this.tasks.get(probe)?.getNextRun() ?? null;
  }

  stop(): void {
    for (const t of this.tasks.values()) void t.destroy();
    this.tasks.clear();
  }
}

/** Fixed intervals with real timers; the scheduled time is the start plus a whole number of intervals. */
export class IntervalTicks implements TickSource {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly next = new Map<string, number>();

  constructor(private readonly intervalMs: number | ((p: ProbeDefinition) => number)) {}

  start(probes: ProbeDefinition[], onTick: (probe: string, scheduledAt: Date) => void): void {
    const t0 = Date.now();
    for (const p of probes) {
      const every = typeof this.intervalMs === 'number' ? this.intervalMs : this.intervalMs(p);
      let n = 0;
      this.next.set(p.name, t0 + every);
      this.timers.push(
        setInterval(() => {
          n++;
          this.next.set(p.name, t0 + (n + 1) * every);
          onTick(p.name, new Date(t0 + n * every));
        }, every),
      );
    }
  }

  nextRun(probe: string): Date | null {
    const n = this.next.get(probe);
    return n ? new Date(n) : null;
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }
}
