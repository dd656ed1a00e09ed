import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SinkMultiplexer } from '../../src/outputs/sinks.ts';
import { OutputErrorLog } from '../../src/outputs/report-error.ts';
import { registerSecret } from '../../src/core/redact.ts';
import type { Point, Sink, SinkStats } from '../../src/core/outputs.ts';

class MemorySink implements Sink {
  readonly points: Point[] = [];
  stopped = false;
  constructor(readonly name: string) {}
  async start() {}
  add(points: Point[]) {
    this.points.push(...points);
  }
  async flush() {}
  async stop() {
    this.stopped = true;
  }
  stats(): SinkStats {
    return { written: this.points.length, pending: 0, spooled: 0, deadLettered: 0, failures: 0 };
  }
}

const point = (i: number): Point => ({ measurement: 'm', tags: {}, fields: { i }, timestamp: i });

test('one broken sink (throws, rejects, hangs) neither stops the run nor costs the others a point; told once, redacted', async () => {
  registerSecret('influx-pass-123');
  const lines: string[] = [];
  const log = new OutputErrorLog((l) => lines.push(l));
  const good = new MemorySink('memory');
  const broken: Sink = {
    name: 'broken',
    async start() {},
    add() {
      throw new Error('write to http://u:influx-pass-123@db failed');
    },
    flush: () => Promise.reject(new Error('flush failed')),
    stop: () => new Promise(() => {}),
    stats: () => {
      throw new Error('no stats');
    },
  };
  const neverStarts: Sink = { ...new MemorySink('never'), name: 'never', start: () => Promise.reject(new Error('spool dir not writable')), add: () => assert.fail('a sink that failed to start gets no points'), flush: async () => {}, stop: async () => {}, stats: () => ({ written: 0, pending: 0, spooled: 0, deadLettered: 0, failures: 0 }) };
  const mux = new SinkMultiplexer([broken, good, neverStarts], { log, stopTimeoutMs: 50 });

  await mux.start();
  for (let i = 0; i < 5; i++) mux.add([point(i)]);
  await mux.flush();
  assert.equal(mux.stats().written, 5);
  await mux.stop();

  assert.deepEqual(good.points.map((p) => p.fields.i), [0, 1, 2, 3, 4]);
  assert.equal(good.stopped, true);
  const brokenLines = lines.filter((l) => l.includes("'broken' failed in"));
  assert.equal(brokenLines.length, 1, lines.join('\n'));
  assert.match(brokenLines[0]!, /failed in add/);
  assert.ok(lines.some((l) => /'never' failed in start: spool dir not writable/.test(l)));
  assert.ok(lines.some((l) => /'broken' failed \d+ times in this run/.test(l)), 'the later failures are counted in one summary line');
  assert.ok(!lines.join('\n').includes('influx-pass-123'));
  assert.equal(log.failures('broken'), 5 + 1 + 1 + 1);
});
