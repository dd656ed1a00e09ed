import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateBacklog, backlogOutcome, BacklogHistory, DEFAULT_BACKLOG_THRESHOLDS, type BacklogSample } from '../../src/scheduler/checks/backlog.ts';
import { reconcile, matchDocuments, reconciliationOutcome } from '../../src/scheduler/checks/reconciliation.ts';

const s = (at: number, q: number, d = 0, u = 0, flow = 'order'): BacklogSample => ({ at: at * 60_000, flow, queueDepth: q, dlqDepth: d, unacknowledgedOutbound: u });

const backlogRows: Array<[string, BacklogSample[], string, string[]]> = [
  ['empty queues', [s(0, 0)], 'ok', []],
  ['queue at the warning level', [s(0, 100)], 'warning', ['backlog_queue_depth']],
  ['queue at the critical level', [s(0, 1000)], 'critical', ['backlog_queue_depth']],
  ['one dead letter', [s(0, 0, 1)], 'warning', ['backlog_dlq_depth']],
  ['unacknowledged outbound piling up', [s(0, 0, 0, 150)], 'critical', ['backlog_unacknowledged']],
  ['steady level below thresholds: no growth', [s(0, 50), s(5, 50)], 'ok', []],
  ['growth of 30/min while still low', [s(0, 0), s(2, 60)], 'warning', ['backlog_growth']],
  ['fast growth beats a low level', [s(0, 0), s(1, 99)], 'warning', ['backlog_growth']],
  ['draining is not growth', [s(0, 900), s(5, 10)], 'ok', []],
];

for (const [name, samples, status, codes] of backlogRows) {
  test(`backlog: ${name} -> ${status}`, () => {
    const [v] = evaluateBacklog(samples);
    assert.equal(v!.status, status);
    assert.deepEqual(v!.problems.map((p) => p.code), codes);
  });
}

test('backlog: per flow, with points and one alert key per flow', () => {
  const v = evaluateBacklog([s(0, 0, 0, 0, 'inventory'), s(0, 5, 30, 2, 'order')], DEFAULT_BACKLOG_THRESHOLDS);
  const o = backlogOutcome('backlog', 'prod', v, 1000);
  assert.equal(o.status, 'critical');
  assert.deepEqual(o.results.map((r) => [r.key, r.status]), [['backlog/backlog/flow=inventory', 'ok'], ['backlog/backlog/flow=order', 'critical']]);
  assert.deepEqual(o.points[1], { measurement: 'backlog', tags: { flow: 'order', env: 'prod' }, fields: { queue_depth: 5, dlq_depth: 30, unacknowledged_outbound: 2, status: 'critical' }, timestamp: 1000 });
  assert.match(o.results[1]!.reason!, /dead-letter queue depth is 30 \(warning at 1, critical at 25\)/);
});

test('backlog: replays since the previous sample become replays/replays_succeeded fields; the first sample is the baseline', () => {
  const r = (at: number, count: number, ok: number): BacklogSample => ({ ...s(at, 0), replayCount: count, replaySuccesses: ok });
  const table: Array<[string, BacklogSample[], { replays: number; replays_succeeded: number } | undefined]> = [
    ['first sample: counters since the middleware started are not this run\'s', [r(0, 7, 6)], undefined],
    ['two replays since, one went through', [r(0, 7, 6), r(1, 9, 7)], { replays: 2, replays_succeeded: 1 }],
    ['nothing replayed', [r(0, 7, 6), r(1, 7, 6)], { replays: 0, replays_succeeded: 0 }],
    ['counters went back (middleware restarted): no figure rather than a negative one', [r(0, 7, 6), r(1, 1, 1)], undefined],
    ['a middleware without counters', [s(0, 0), s(1, 0)], undefined],
  ];
  for (const [name, samples, expected] of table) {
    const { fields } = backlogOutcome('backlog', 'prod', evaluateBacklog(samples), 1000).points[0]!;
    assert.deepEqual(fields.replays === undefined ? undefined : { replays: fields.replays, replays_succeeded: fields.replays_succeeded }, expected, name);
  }
});

test('backlog history keeps only the window', () => {
  const h = new BacklogHistory(10 * 60_000);
  h.add([s(0, 1)]);
  h.add([s(5, 2)]);
  assert.deepEqual(h.add([s(12, 3)]).map((x) => x.queueDepth), [2, 3]);
});

const reconRows: Array<[string, Parameters<typeof reconcile>[0][0], string, number]> = [
  ['everything posted', { channel: 'b2b', expected: 400, posted: 400, missing: [] }, 'ok', 0],
  ['one of 400 missing: 0.25% within 0.5% -> warning, listed', { channel: 'b2b', expected: 400, posted: 399, missing: ['PO-7'] }, 'warning', 0.25],
  ['three of 400 missing: 0.75% -> critical', { channel: 'b2b', expected: 400, posted: 397, missing: ['PO-1', 'PO-2', 'PO-3'] }, 'critical', 0.75],
  ['a whole channel dropped', { channel: 'marketplace', expected: 20, posted: 0, missing: [] }, 'critical', 100],
  ['nothing expected', { channel: 'edi', expected: 0, posted: 0, missing: [] }, 'ok', 0],
  ['duplicates are a warning', { channel: 'b2b', expected: 10, posted: 10, missing: [], duplicates: ['PO-9'] }, 'warning', 0],
];

for (const [name, counts, status, variance] of reconRows) {
  test(`reconciliation: ${name}`, () => {
    const [v] = reconcile([counts]);
    assert.equal(v!.status, status);
    assert.equal(v!.variancePct, variance);
  });
}

test('reconciliation: the message lists the missing document numbers', () => {
  const [v] = reconcile([{ channel: 'b2b', expected: 400, posted: 397, missing: ['PO-1', 'PO-2', 'PO-3'] }], { listLimit: 2 });
  assert.equal(v!.problems[0]!.message, 'b2b: 3 of 400 documents missing downstream (0.75% vs threshold 0.5%): PO-1, PO-2 and 1 more');
});

test('reconciliation: documents matched per channel within the window, recent ones not yet expected', () => {
  const accepted = [
    { channel: 'b2b', documentNumber: 'A', acceptedAt: 100 },
    { channel: 'b2b', documentNumber: 'B', acceptedAt: 200 },
    { channel: 'b2b', documentNumber: 'C', acceptedAt: 950 }, // younger than settle: in flight
    { channel: 'marketplace', documentNumber: 'M1', acceptedAt: 300 },
    { channel: 'marketplace', documentNumber: 'M0', acceptedAt: 10 }, // before the window
  ];
  const posted = [{ documentNumber: 'A' }, { documentNumber: 'M1' }, { documentNumber: 'M1' }];
  const counts = matchDocuments(accepted, posted, { from: 50, to: 1000, settleMs: 100 });
  assert.deepEqual(counts, [
    { channel: 'b2b', expected: 2, posted: 1, missing: ['B'], duplicates: [] },
    { channel: 'marketplace', expected: 1, posted: 1, missing: [], duplicates: ['M1'] },
  ]);
  const o = reconciliationOutcome('recon', 'prod', reconcile(counts), 'order', 5);
  assert.deepEqual(o.results.map((r) => [r.key, r.status, r.impact.scope]), [['recon/reconciliation/channel=b2b', 'critical', 'channel'], ['recon/reconciliation/channel=marketplace', 'warning', 'order']]);
  assert.deepEqual(o.points[0], { measurement: 'reconciliation', tags: { channel: 'b2b', env: 'prod', flow: 'order' }, fields: { expected: 2, posted: 1, missing: 1, variance_pct: 50, status: 'critical' }, timestamp: 5 });
});
