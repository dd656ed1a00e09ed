import { appendFileSync } from 'node:fs';
import type { Point, Sink, SinkStats } from '../../src/core/outputs.ts';
import type { ProbeDefinition } from '../../src/scheduler/probe.ts';
import type { ProbeOutcome } from '../../src/scheduler/outcome.ts';

/** A sink that keeps points in memory until flushed, then appends them as JSON lines (when given a file). */
export class JsonLinesSink implements Sink {
  readonly name = 'jsonl';
  readonly buffered: Point[] = [];
  readonly flushed: Point[] = [];
  started = false;
  stopped = false;
  constructor(private readonly file?: string) {}
  async start() {
    this.started = true;
  }
  add(points: Point[]) {
    this.buffered.push(...points);
  }
  async flush() {
    const batch = this.buffered.splice(0);
    if (this.file && batch.length) appendFileSync(this.file, batch.map((p) => JSON.stringify(p)).join('\n') + '\n');
    this.flushed.push(...batch);
  }
  async stop() {
    await this.flush();
    this.stopped = true;
  }
  stats(): SinkStats {
    return { written: this.flushed.length, pending: this.buffered.length, spooled: 0, deadLettered: 0, failures: 0 };
  }
  all(): Point[] {
    return [...this.flushed, ...this.buffered];
  }
}

export function probe(over: Partial<ProbeDefinition> & { name: string }): ProbeDefinition {
  return { environment: 'test', cron: '* * * * * *', scenario: 'order-to-erp', timeoutMs: 5000, ...over };
}

export function ok(): ProbeOutcome {
  return { status: 'ok', results: [], points: [] };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when the signal aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
