import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { harness, describeRun, FAULT_SLA_MS, TEST_SLA, type Harness } from './support.ts';
import { SystemClient } from '../../src/http/client.ts';
import type { Reporter } from '../../src/core/outputs.ts';
import type { MilestoneResult } from '../../src/core/result.ts';
import type { LookupSpec } from '../../src/config/types.ts';
import type { Hop, Latency } from '../../sandbox/latency.ts';

/**
 * A real warehouse moves stock while the probe runs: receipts and counts of the same item in the
 * same warehouse, posted through the sandbox WMS as ordinary (non-synthetic) adjustments, land in the
 * ERP and on the storefront between the probe's baseline and its checks. None of that is a finding.
 * The order of the postings is set by holding the probe's own hops until the movements have landed
 * (a Gate), not by delays: a stalled machine fires overdue timers in a bunch, whatever their delays.
 */
const WH = 'WH-EAST';
const SCENARIO = `stock-adjustment/${WH}`;

/**
 * Holds the next hops of a kind (the WMS publishing an adjustment, the middleware publishing an
 * availability figure) until the test lets them go; they then happen as the sandbox would have
 * done them. Everything else goes through with the sandbox's own delays.
 */
class Gate {
  private readonly armed = new Map<Hop, number>();
  private readonly held = new Map<Hop, Array<() => unknown>>();

  constructor(private readonly latency: Latency) {
    const own = latency.after.bind(latency);
    latency.after = (hop: Hop, fn: () => unknown, extraMs = 0) => {
      const n = this.armed.get(hop) ?? 0;
      if (n === 0) return own(hop, fn, extraMs);
      this.armed.set(hop, n - 1);
      this.held.set(hop, [...(this.held.get(hop) ?? []), fn]);
    };
  }

  /** Holds the next `count` hops of this kind. */
  hold(hop: Hop, count = 1): void {
    this.armed.set(hop, (this.armed.get(hop) ?? 0) + count);
  }

  heldCount(hop: Hop): number {
    return this.held.get(hop)?.length ?? 0;
  }

  /** Lets what is held of this kind happen now, and stops holding the next ones. */
  release(hop: Hop): void {
    this.armed.delete(hop);
    for (const fn of this.held.get(hop) ?? []) this.latency.afterMs(0, fn);
    this.held.delete(hop);
  }

  /** Drops what is held of this kind: a publication that is lost, never delivered. */
  drop(hop: Hop): void {
    this.armed.delete(hop);
    this.held.delete(hop);
  }

  /** Lets everything held go, and the sandbox its own way again. */
  open(): void {
    for (const hop of [...this.held.keys()]) this.release(hop);
    this.armed.clear();
    delete (this.latency as { after?: unknown }).after;
  }
}

let h: Harness;
let gate: Gate;
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
beforeEach(() => {
  gate = new Gate(h.sandbox.latency);
});
afterEach(async () => {
  gate.open();
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

/** Waits for a condition; the deadline only bounds a real failure. */
async function until(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`never: ${what}`);
}

/** Every movement published: the storefront shows the ERP on-hand again. */
function quiet(): Promise<void> {
  return until('the storefront caught up with the ERP on-hand', async () => (await available()) === (await onHand()));
}

const happened = (correlationId: string, event: string) => h.sandbox.truth.events({ correlationId, event }).length > 0;
/** The ERP has posted the adjustment of that transaction. */
const postedInErp = (correlationId: string) => until(`the ERP posting of ${correlationId}`, () => happened(correlationId, 'erp.onHandUpdated'));

/** Runs a hook when a milestone of the scenario is reported, and keeps its promise so the test can await it. */
function hooks(on: Record<string, (correlationId: string) => Promise<unknown>>): Reporter & { done(): Promise<unknown> } {
  const running: Promise<unknown>[] = [];
  return {
    name: 'stock-movements',
    onMilestone: (s, m: MilestoneResult) => {
      const fn = on[m.name];
      if (fn) running.push(fn(s.correlationId));
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
  // Ours is held in the WMS until the receipt is in the ERP, our reversal until the count is.
  gate.hold('inventory.publish');
  const hook = hooks({
    'wms.adjusted': async () => {
      await until('our adjustment held in the WMS', () => gate.heldCount('inventory.publish') === 1);
      moves.receipt = await movement(7);
      await postedInErp(moves.receipt);
      gate.release('inventory.publish');
      gate.hold('inventory.publish');
    },
    'wms.reversed': async () => {
      await until('our reversal held in the WMS', () => gate.heldCount('inventory.publish') === 1);
      moves.count = await movement(-3);
      await postedInErp(moves.count);
      gate.release('inventory.publish');
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
 * Our publication to the storefront is held; a movement posted once our posting is seen is
 * published at once, so the storefront shows the balance after the movement before it shows ours.
 */
async function movementPublishedFirst(consulted = 'inventoryLedger'): Promise<{ r: Awaited<ReturnType<Harness['run']>>; moved: string; lookups: { lookup?: string; url: string }[] }> {
  let moved = '';
  const lookups: { lookup?: string; url: string }[] = [];
  const reads = () => lookups.filter((x) => x.lookup === consulted).length;
  gate.hold('storefront.availability');
  const hook = hooks({
    'erp.onHandUpdated': async (ours) => {
      const readsBefore = reads();
      await until('our storefront figure held', () => gate.heldCount('storefront.availability') === 1);
      moved = await movement(11);
      await until(`the storefront figure after ${moved}`, () => happened(moved, 'storefront.availabilityUpdated'));
      // The scenario has seen that figure and looked it up in the ERP before ours comes.
      await until(`an ERP ${consulted} read for the storefront figure after ${moved}`, () => reads() > readsBefore);
      // The reversal is published after our late (by then stale) figure has reached the storefront.
      gate.hold('inventory.publish');
      gate.release('storefront.availability');
      await until(`our own storefront figure`, () => happened(ours, 'storefront.availabilityUpdated'));
      gate.release('inventory.publish');
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
      const { r, lookups: seen } = await movementPublishedFirst(used);
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

/**
 * Our publication never reaches the storefront (held, then dropped as lost); meanwhile something
 * else writes a figure the ERP never had. The storefront milestones are awaited for the short fault
 * SLA; the ones before them keep the ordinary ones.
 */
async function foreignFigure() {
  gate.hold('storefront.availability');
  const hook = hooks({
    'erp.onHandUpdated': () => sf.request({ method: 'POST', path: '/api/internal/availability', body: { sku: 'SKU-1001', warehouse: WH, available: 99_999 } }),
  });
  const short = ['storefront.availabilityUpdated', 'erp.onHandReversed', 'storefront.availabilityReversed'];
  const r = await h.run([SCENARIO], { reporters: [hook], sla: { ...TEST_SLA, ...Object.fromEntries(short.map((m) => [m, FAULT_SLA_MS])) } });
  await hook.done();
  const s = r.scenarios[0]!;
  // The cleanup reversal's publication lands (the ERP on-hand again) before the next test; ours is lost.
  await until('the publication of the reversal', () => happened(s.correlationId, 'storefront.availabilityUpdated'));
  assert.equal(gate.heldCount('storefront.availability'), 1, 'our own publication was held all along');
  gate.drop('storefront.availability');
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
