import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StartPacer } from '../../src/engine/pace.ts';

/** Releases `count` callers and reports the order and the size of every batch released in one turn. */
async function drain(pacer: StartPacer, count: number): Promise<{ order: number[]; batches: number[] }> {
  const order: number[] = [];
  const batches: number[] = [];
  let inTurn = 0;
  await Promise.all(
    Array.from({ length: count }, (_, k) =>
      pacer.turn().then(() => {
        order.push(k);
        // Reactions of one batch are queued together; a microtask queued by the first runs after all of them.
        if (inTurn++ === 0)
          queueMicrotask(() => {
            batches.push(inTurn);
            inTurn = 0;
          });
      }),
    ),
  );
  return { order, batches };
}

test('start pacer: every caller starts, in the order it asked, at most perTurn per turn of the event loop', async () => {
  const { order, batches } = await drain(new StartPacer(200, 10, 8), 200);
  assert.deepEqual(order, Array.from({ length: 200 }, (_, k) => k));
  assert.equal(batches.reduce((a, b) => a + b, 0), 200);
  assert.ok(Math.max(...batches) <= 8, `largest batch ${Math.max(...batches)}`);
  assert.ok(batches.length >= 200 / 8);
});

test('start pacer: the starts are due evenly over the window, the first at once and the last at its end', () => {
  const p = new StartPacer(5, 1000);
  assert.deepEqual([0, 1, 2, 3, 4].map((k) => p.dueAt(k)), [0, 250, 500, 750, 1000]);
  assert.equal(new StartPacer(1, 1000).dueAt(0), 0);
});

test('start pacer: no window, a single worker or an interrupted run starts at once', async () => {
  const ac = new AbortController();
  ac.abort();
  for (const pacer of [new StartPacer(10, 0), new StartPacer(1, 3_600_000), new StartPacer(10, 3_600_000, 4, ac.signal)]) {
    const { order, batches } = await drain(pacer, 10);
    assert.equal(order.length, 10);
    assert.deepEqual(batches, [10]);
  }
});

test('start pacer: an interruption lets every waiting worker go at once', async () => {
  const ac = new AbortController();
  // A window of an hour: without the abort the last callers would wait that long.
  const pacer = new StartPacer(50, 3_600_000, 4, ac.signal);
  const released: number[] = [];
  const all = Promise.all(Array.from({ length: 50 }, (_, k) => pacer.turn().then(() => released.push(k))));
  await new Promise((r) => setImmediate(r));
  assert.equal(released.length, 1, 'only the first start is due at once');
  ac.abort();
  await all;
  assert.equal(released.length, 50);
});
