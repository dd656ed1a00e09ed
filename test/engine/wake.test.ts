import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WakeQueue } from '../../src/engine/wake.ts';

test('wake queue: sleepers wake in the order they are due, those due together in the order they slept, at most perTurn per turn', async () => {
  // A clock that stands still while they fall asleep, then jumps past them all: the order is the queue's.
  let clock = 0;
  const q = new WakeQueue(4, () => clock);
  const woken: number[] = [];
  const batches: number[] = [];
  let inTurn = 0;
  const delays = [6, 0, 3, 0, 6, 3, 0, 0, 0, 0, 0, 3];
  const sleeping = delays.map((ms, k) =>
    q.sleep(ms).then(() => {
      woken.push(k);
      // Reactions of one batch are queued together; a microtask queued by the first runs after all of them.
      if (inTurn++ === 0)
        queueMicrotask(() => {
          batches.push(inTurn);
          inTurn = 0;
        });
    }),
  );
  clock = 1000;
  await Promise.all(sleeping);
  const expected = delays.map((ms, k) => ({ ms, k })).sort((a, b) => a.ms - b.ms || a.k - b.k).map((x) => x.k);
  assert.deepEqual(woken, expected);
  assert.deepEqual(batches, [4, 4, 4], 'twelve due at once: three turns of four');
  assert.equal(q.size, 0);
});

test('wake queue: an aborted sleeper rejects with the reason at once, the others still wake, and nothing is left armed', async () => {
  const q = new WakeQueue();
  const ac = new AbortController();
  // An hour: if the abort did not end it, or its timer stayed armed, this test would hold the process.
  const long = q.sleep(3_600_000, ac.signal);
  const short = q.sleep(1);
  ac.abort(new Error('interrupted'));
  await assert.rejects(long, /interrupted/);
  await short;
  assert.equal(q.size, 0);
  await assert.rejects(q.sleep(5, ac.signal), /interrupted/, 'an already aborted signal rejects at once');
});

test('wake queue: a sleeper added while others wait, due earlier, wakes first', async () => {
  const q = new WakeQueue();
  const order: string[] = [];
  const later = q.sleep(40).then(() => order.push('later'));
  await new Promise((r) => setImmediate(r));
  const sooner = q.sleep(0).then(() => order.push('sooner'));
  await Promise.all([later, sooner]);
  assert.deepEqual(order, ['sooner', 'later']);
});
