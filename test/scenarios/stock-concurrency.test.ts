import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { harness, describeRun, type Harness } from './support.ts';
import { SystemClient } from '../../src/http/client.ts';
import type { Reporter } from '../../src/core/outputs.ts';
import type { MilestoneResult } from '../../src/core/result.ts';
import type { LookupSpec } from '../../src/config/types.ts';

/**
 * A real warehouse moves stock while the probe runs: receipts and counts of the same item in the
 * same warehouse, posted through the sandbox WMS as ordinary (non-synthetic) adjustments, land in the
 * ERP and on the storefront between the probe's baseline and its checks. None of that is a finding.
 * The sandbox hop delays are set per adjustment at the moment it is posted, which orders the postings.
 */
const WH = 'WH-EAST';
const SCENARIO = `stock-adjustment/${WH}`;

let h: Harness;
let wms: SystemClient;
let erp: SystemClient;
let sf: SystemClient;
before(async () => {
  h = await harness();
  wms = new SystemClient({ name: 'wms', baseUrl: h.sandbox.services.wms, caPem: h.sandbox.caPem, lookups: {} });
  sf = new SystemClient({ name: 'storefront', baseUrl: h.sandbox.services.storefront, caPem: h.sandbox.caPem, lookups: {} });
  const probe = h.sandbox.clients.find((c) => c.clientId === 'syncprobe-probe')!;
  erp = new SystemClient({ name: 'erp', baseUrl: h.sandbox.services.erp, caPem: h.sandbox.caPem, lookups: {}, auth: { tokenUrl: h.sandbox.oauth.tokenEndpoint, clientId: probe.clientId, clientSecret: probe.clientSecret!, resource: h.sandbox.oauth.resource, scope: 'erp:read erp:write' } });
});
afterEach(async () => {
  h.sandbox.latency.set({ hops: { 'inventory.publish': 5, 'storefront.availability': 5 } });
  await quiet();
});
after(async () => {
  await wms.close();
  await erp.close();
  await sf.close();
  await h.stop();
});

let seq = 0;
/** An ordinary stock movement in the warehouse: a receipt or a cycle count, not marked synthetic. */
async function movement(quantity: number): Promise<string> {
  const cid = `movement-${process.pid}-${++seq}`;
  const res = await wms.request<{ adjustmentId: string }>({ method: 'POST', path: '/api/adjustments', correlationId: cid, body: { warehouse: WH, item: 'SKU-1001', quantity, reason: quantity > 0 ? 'receipt' : 'cycle_count', reference: `GR-${cid}` } });
  assert.equal(res.status, 201);
  return cid;
}

interface Posting {
  correlationId: string;
  quantity: number;
  type: string;
  onHandAfter: number;
}

async function ledgerSince(since: number): Promise<Posting[]> {
  const r = await erp.request<{ items: Posting[] }>({ path: '/api/inventory/transactions', query: { item: 'SKU-1001', warehouse: WH, since: new Date(since).toISOString() } });
  return r.body.items;
}

async function onHand(): Promise<number> {
  return (await erp.request<{ onHand: number }>({ path: '/api/inventory/on-hand', query: { item: 'SKU-1001', warehouse: WH } })).body.onHand;
}

async function available(): Promise<number> {
  const r = await sf.request<{ warehouses: { warehouse: string; available: number }[] }>({ path: '/api/availability', query: { sku: 'SKU-1001', warehouse: WH } });
  return r.body.warehouses.find((w) => w.warehouse === WH)!.available;
}

/** Every movement published: the storefront shows the ERP on-hand again. */
async function quiet(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await available()) === (await onHand())) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail('the storefront never caught up with the ERP on-hand');
}

/** Runs a hook when a milestone of the scenario is reported, and keeps its promise so the test can await it. */
function hooks(on: Record<string, () => Promise<unknown>>): Reporter & { done(): Promise<unknown> } {
  const running: Promise<unknown>[] = [];
  return {
    name: 'stock-movements',
    onMilestone: (_s, m: MilestoneResult) => {
      const fn = on[m.name];
      if (fn) running.push(fn());
    },
    done: () => Promise.all(running),
  };
}

function assertAllMet(r: Awaited<ReturnType<Harness['run']>>): void {
  assert.equal(r.status, 'ok', describeRun(r));
  for (const s of r.scenarios) {
    assert.deepEqual(s.milestones.map((m) => [m.name, m.status]), s.milestones.map((m) => [m.name, 'met']), describeRun(r));
    assert.ok(s.milestones.every((m) => !m.failure), describeRun(r));
    assert.equal(s.cleanup?.status, 'done');
  }
}

test('a receipt lands in the ERP between the baseline and our posting, a cycle count between our posting and our reversal: ok, no data mismatch', async () => {
  const started = Date.now();
  const before = await onHand();
  const moves: Record<string, string> = {};
  // Ours waits 400 ms in the WMS before it is published; each movement is published at once.
  h.sandbox.latency.set({ hops: { 'inventory.publish': 400 } });
  const hook = hooks({
    'wms.adjusted': async () => {
      h.sandbox.latency.set({ hops: { 'inventory.publish': 5 } });
      moves.receipt = await movement(7);
      h.sandbox.latency.set({ hops: { 'inventory.publish': 400 } });
    },
    'wms.reversed': async () => {
      h.sandbox.latency.set({ hops: { 'inventory.publish': 5 } });
      moves.count = await movement(-3);
    },
  });
  const r = await h.run([SCENARIO], { reporters: [hook] });
  await hook.done();
  assertAllMet(r);
  const ours = r.scenarios[0]!.correlationId;
  await quiet();
  const ledger = await ledgerSince(started);
  assert.deepEqual(
    ledger.map((p) => [p.correlationId, p.quantity]),
    [
      [moves.receipt, 7],
      [ours, 5],
      [moves.count, -3],
      [ours, -5],
    ],
  );
  // What an absolute check (baseline + 5, then baseline) would have called a mismatch twice.
  assert.equal(ledger[1]!.onHandAfter, before + 12);
  assert.equal(ledger[3]!.onHandAfter, before + 4);
  assert.equal(await onHand(), before + 4, 'the other movements stay; ours is reversed');
});

/**
 * Our publication to the storefront takes 400 ms; a movement posted once our posting is seen is
 * published at once, so the storefront shows the balance after the movement before it shows ours.
 */
async function movementPublishedFirst(): Promise<{ r: Awaited<ReturnType<Harness['run']>>; moved: string; lookups: { lookup?: string; url: string }[] }> {
  let moved = '';
  const lookups: { lookup?: string; url: string }[] = [];
  h.sandbox.latency.set({ hops: { 'storefront.availability': 400 } });
  const hook = hooks({
    'erp.onHandUpdated': async () => {
      h.sandbox.latency.set({ hops: { 'storefront.availability': 5 } });
      moved = await movement(11);
      // The reversal is published after our late (by then stale) figure has reached the storefront.
      h.sandbox.latency.set({ hops: { 'inventory.publish': 400 } });
    },
  });
  const r = await h.run([SCENARIO], { reporters: [hook], observers: [(x) => void (x.system === 'erp' && lookups.push({ lookup: x.lookup, url: x.url }))] });
  await hook.done();
  return { r, moved, lookups };
}

test("a movement posted after ours reaches the storefront first: the storefront figure is judged by the ERP's ledger, ok", async () => {
  const started = Date.now();
  const { r, moved, lookups } = await movementPublishedFirst();
  const ledgerReads = lookups.filter((x) => x.lookup === 'inventoryLedger').map((x) => x.url);
  assertAllMet(r);
  const ours = r.scenarios[0]!.correlationId;
  await quiet();
  const ledger = await ledgerSince(started);
  assert.deepEqual(
    ledger.map((p) => [p.correlationId, p.quantity]),
    [
      [ours, 5],
      [moved, 11],
      [ours, -5],
    ],
  );
  assert.ok(ledgerReads.length >= 1, 'the storefront showed a balance the scenario had to look up in the ERP ledger');
  assert.ok(ledgerReads.every((u) => u.includes('item=SKU-1001') && u.includes(`warehouse=${WH}`)), ledgerReads.join('\n'));
});

test('an ERP described without a balance per posting, without a stock ledger, or without typed postings: the same movements are no finding either', async () => {
  const erpSystem = h.loaded.config.environments.sandbox!.systems.erp!;
  const original = erpSystem.lookups!;
  const without = (field: string, l: LookupSpec): LookupSpec => ({ ...l, fields: Object.fromEntries(Object.entries(l.fields).filter(([k]) => k !== field)) });
  const variants: Array<[string, Record<string, LookupSpec>, string]> = [
    ['no balance per posting: rebuilt from the on-hand', { ...original, inventoryTransactions: without('balanceAfter', original.inventoryTransactions!), inventoryLedger: without('balanceAfter', original.inventoryLedger!) }, 'inventoryLedger'],
    ['no stock ledger: the current on-hand', Object.fromEntries(Object.entries(original).filter(([k]) => k !== 'inventoryLedger')), 'onHand'],
    ['postings not typed: the reversal is the posting not seen with the adjustment', { ...original, inventoryTransactions: without('kind', original.inventoryTransactions!), inventoryLedger: without('kind', original.inventoryLedger!) }, 'inventoryLedger'],
  ];
  try {
    for (const [name, lookups, used] of variants) {
      erpSystem.lookups = lookups;
      const { r, lookups: seen } = await movementPublishedFirst();
      h.sandbox.latency.set({ hops: { 'inventory.publish': 5, 'storefront.availability': 5 } });
      await quiet();
      assertAllMet(r);
      // Besides the baseline read, the storefront figure sent the scenario to the ERP.
      assert.ok(seen.filter((x) => x.lookup === used).length >= (used === 'onHand' ? 2 : 1), `${name}: ${seen.map((x) => x.lookup).join(', ')}`);
    }
  } finally {
    erpSystem.lookups = original;
  }
});

test('two stock scenarios of the same warehouse at once (repeat 2, concurrency 2): both ok', async () => {
  const started = Date.now();
  const before = await onHand();
  const r = await h.run([SCENARIO], { repeat: 2, concurrency: 2 });
  assert.equal(r.scenarios.length, 2);
  assertAllMet(r);
  const [a, b] = r.scenarios.map((s) => s.correlationId);
  await quiet();
  const ledger = (await ledgerSince(started)).map((p) => p.correlationId);
  assert.deepEqual([...ledger].sort(), [a, a, b, b].sort(), 'each posted its adjustment and its reversal once');
  // The runs overlapped in the ERP: one's posting lies between the other's adjustment and reversal.
  const inside = (x: string, y: string) => {
    const [first, last] = [ledger.indexOf(x), ledger.lastIndexOf(x)];
    return ledger.slice(first + 1, last).includes(y);
  };
  assert.ok(inside(a!, b!) || inside(b!, a!), `postings in ledger order: ${ledger.join(', ')}`);
  assert.equal(await onHand(), before, 'net stock change zero');
});

/** Our publication is held past the await window; meanwhile something else writes a figure the ERP never had. */
async function foreignFigure() {
  h.sandbox.latency.set({ hops: { 'storefront.availability': 2500 } });
  const hook = hooks({
    'erp.onHandUpdated': () => sf.request({ method: 'POST', path: '/api/internal/availability', body: { sku: 'SKU-1001', warehouse: WH, available: 99_999 } }),
  });
  const r = await h.run([SCENARIO], { reporters: [hook] });
  await hook.done();
  const s = r.scenarios[0]!;
  // Both held publications (the adjustment's and the cleanup reversal's) land before the next test.
  for (let i = 0; i < 400 && h.sandbox.truth.events({ correlationId: s.correlationId, event: 'storefront.availabilityUpdated' }).length < 2; i++) await new Promise((res) => setTimeout(res, 25));
  assert.equal(s.status, 'critical', describeRun(r));
  assert.equal(s.milestones.find((x) => x.name === 'erp.onHandUpdated')!.status, 'met', 'the ERP posting itself is right');
  assert.equal(s.cleanup?.status, 'done', 'the adjustment is reversed all the same');
  const m = s.milestones.find((x) => x.name === 'storefront.availabilityUpdated')!;
  assert.equal(m.status, 'missing', describeRun(r));
  assert.equal(m.failure?.scope?.warehouse, WH);
  assert.equal(m.failure?.scope?.system, 'storefront');
  return m.failure!;
}

test('a storefront figure that is no ERP balance at or after our posting: storefront.availabilityUpdated missing as data, naming the figure and the balances', async () => {
  const f = await foreignFigure();
  assert.equal(f.class, 'data');
  assert.match(f.reason, /storefront availability of SKU-1001 in WH-EAST is 99999 \(updated [^)]+\), which is no ERP on-hand at or after the adjustment \(transaction IT-\d+; the ERP has held \d+ since\)/);
});

test('the same without an ERP stock ledger: missing, but not called a data error, since a lagging storefront cannot be told from a wrong figure', async () => {
  const erpSystem = h.loaded.config.environments.sandbox!.systems.erp!;
  const original = erpSystem.lookups!;
  erpSystem.lookups = Object.fromEntries(Object.entries(original).filter(([k]) => k !== 'inventoryLedger'));
  try {
    const f = await foreignFigure();
    assert.equal(f.class, 'business');
    assert.match(f.reason, /is 99999 .*not an ERP on-hand seen at or after the adjustment \(transaction IT-\d+; seen: \d+(, \d+)*\); without an ERP stock ledger \(lookup inventoryLedger\)/);
  } finally {
    erpSystem.lookups = original;
  }
});
