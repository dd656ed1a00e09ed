import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, describeRun, type Harness } from './support.ts';
import { SystemClient } from '../../src/http/client.ts';
import type { Reporter } from '../../src/core/outputs.ts';

const API_SCENARIOS = ['order-to-notification/b2b', 'order-to-notification/marketplace', 'stock-adjustment/WH-EAST', 'stock-adjustment/WH-WEST', 'stock-adjustment/WH-CENTRAL'];
const OPENING: Record<string, number> = { 'WH-EAST': 500, 'WH-WEST': 510, 'WH-CENTRAL': 520 };

let h: Harness;
let admin: SystemClient;
let erp: SystemClient;
before(async () => {
  h = await harness();
  admin = new SystemClient({ name: 'admin', baseUrl: h.sandbox.admin, caPem: h.sandbox.caPem, lookups: {} });
  const probe = h.sandbox.clients.find((c) => c.clientId === 'syncprobe-probe')!;
  erp = new SystemClient({ name: 'erp', baseUrl: h.sandbox.services.erp, caPem: h.sandbox.caPem, lookups: {}, auth: { tokenUrl: h.sandbox.oauth.tokenEndpoint, clientId: probe.clientId, clientSecret: probe.clientSecret!, resource: h.sandbox.oauth.resource, scope: 'erp:read erp:write' } });
});
after(async () => {
  await admin.close();
  await erp.close();
  await h.stop();
});

async function synthetic(): Promise<number> {
  return ((await admin.request<{ count: number }>({ path: '/synthetic' })).body).count;
}

async function onHand(warehouse: string): Promise<number> {
  return (await erp.request<{ onHand: number }>({ path: '/api/inventory/on-hand', query: { item: 'SKU-1001', warehouse } })).body.onHand;
}

/** Waits for a condition; the deadline only bounds a real failure. */
async function eventually(fn: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`never: ${what}`);
}

test('repeated healthy runs: zero false failures, every record cleaned up, net stock change zero', async () => {
  const r = await h.run(API_SCENARIOS, { repeat: 4, concurrency: 5 });
  assert.equal(r.scenarios.length, 20);
  const bad = r.scenarios.filter((s) => s.status !== 'ok');
  assert.equal(bad.length, 0, describeRun({ ...r, scenarios: bad }));
  for (const s of r.scenarios) {
    assert.equal(s.cleanup?.status, 'done');
    assert.ok(s.milestones.every((m) => m.latencyLowerMs! <= m.latencyMs! && m.latencyMs! <= m.latencyUpperMs!));
    // The correlation id went with every call: the stack's own record of the transaction carries it.
    const events = h.sandbox.truth.events({ correlationId: s.correlationId }).map((e) => e.event);
    assert.ok(events.includes(s.tags.flow === 'order' ? 'erp.created' : 'erp.onHandUpdated'), `${s.name}: ${events.join(', ')}`);
  }
  assert.equal(new Set(r.scenarios.map((s) => s.correlationId)).size, 20, 'a fresh correlation id per transaction');
  await eventually(async () => (await synthetic()) === 0, 'no synthetic record left');
  for (const [wh, qty] of Object.entries(OPENING)) assert.equal(await onHand(wh), qty, `net stock change in ${wh}`);
});

test('interrupted mid-transaction: cleanup reverses the adjustment and cancels the order', async () => {
  for (const [scenario, at, undo] of [
    ['stock-adjustment/WH-EAST', 'erp.onHandUpdated', 'reverse adjustment'],
    ['order-to-notification/b2b', 'erp.created', 'cancel ERP orders'],
  ] as const) {
    const ac = new AbortController();
    const reporter: Reporter = {
      name: 'interrupt',
      onMilestone: (_s, m) => {
        if (m.name === at) ac.abort(new Error('SIGTERM'));
      },
    };
    const r = await h.run([scenario], { signal: ac.signal, reporters: [reporter] });
    const s = r.scenarios[0]!;
    assert.equal(s.status, 'unknown', describeRun(r));
    assert.ok(s.problems?.some((p) => p.code === 'interrupted'));
    assert.deepEqual(s.cleanup?.actions.map((a) => [a.name, a.ok]), [[undo, true]], JSON.stringify(s.cleanup));
  }
  await eventually(async () => (await synthetic()) === 0, 'cleanup left no synthetic record');
  await eventually(async () => (await onHand('WH-EAST')) === OPENING['WH-EAST'], 'WH-EAST back at its opening stock');
});

test('orphan sweep at start: synthetic records left by an earlier run are undone', async () => {
  const wms = new SystemClient({ name: 'wms', baseUrl: h.sandbox.services.wms, caPem: h.sandbox.caPem, lookups: {} });
  const mw = new SystemClient({ name: 'middleware', baseUrl: h.sandbox.services.middleware, caPem: h.sandbox.caPem, lookups: {} });
  try {
    await wms.request({ method: 'POST', path: '/api/adjustments', body: { warehouse: 'WH-WEST', item: 'SKU-1001', quantity: 7, reason: 'cycle_count', reference: 'SP-ORPHAN-1' } });
    await mw.request({ method: 'POST', path: '/channels/b2b/orders', body: { customer: 'SYNTHETIC-PROBE', poNumber: 'SP-ORPHAN-2', warehouse: 'EAST', lines: [{ sku: 'SKU-1001', quantity: 1, uom: 'EA' }] } });
    await eventually(async () => (await synthetic()) === 2, 'the orphans exist');
    const cfg = h.loaded.config;
    const saved = cfg.orphanSweep;
    cfg.orphanSweep = { olderThanMs: 0 };
    let r;
    try {
      r = await h.run(['stock-adjustment/WH-CENTRAL'], { sweep: true });
    } finally {
      cfg.orphanSweep = saved;
    }
    assert.deepEqual(r.sweeps?.map((s) => [s.key, s.found, s.cleaned, s.problems.length]), [['synthetic-records', 2, 2, 0]]);
    assert.equal(r.status, 'ok', describeRun(r));
    await eventually(async () => (await synthetic()) === 0, 'orphans swept');
    await eventually(async () => (await onHand('WH-WEST')) === OPENING['WH-WEST'], 'orphan adjustment reversed in the ERP');
  } finally {
    await wms.close();
    await mw.close();
  }
});
