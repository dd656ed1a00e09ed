import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { Agent } from 'undici';
import { correlationIdForKey, loadConfig, referenceFor, type LoadedConfig } from '../../src/engine/index.ts';
import { prepareEnvironment, type PreparedEnvironment } from '../../src/cli/environments.ts';
import { Daemon } from '../../src/scheduler/daemon.ts';
import { IntervalTicks } from '../../src/scheduler/ticks.ts';
import { jobFactory, sweepOrphans } from '../../src/scheduler/jobs.ts';
import { Alerter } from '../../src/alerting/alerter.ts';
import { getJson } from '../../src/scheduler/checks/http.ts';
import type { ProbeDefinition } from '../../src/scheduler/probe.ts';
import { until } from '../alerting/receiver.ts';
import { JsonLinesSink, probe } from './support.ts';

// The real engine against the real embedded sandbox (in this process, so a stall of the loaded
// machine lands inside the milestones' latencies). Runs that must pass get SLAs that outlast such a
// stall; runs made to fail get short ones, so their missing milestones are called soon.
let loaded: LoadedConfig;
let env: PreparedEnvironment;
const SLA = 10_000;
const FAULT_SLA = 600;
const quiet = () => {};

before(async () => {
  loaded = await loadConfig();
  env = await prepareEnvironment(loaded, 'sandbox', { latencyMs: 20 });
});
after(async () => {
  await env?.stop();
});

function sla(ms: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of loaded.scenarios) for (const m of s.definition.milestones) out[m.name] = ms;
  return out;
}

function deps(slaMs = SLA) {
  return { config: loaded, overrides: { sandbox: env.systemsOverride }, runOverrides: { sla: sla(slaMs), polling: { initialMs: 20, maxMs: 100 } } };
}

function admin<T>(path: string): Promise<T> {
  return getJson<T>({ baseUrl: env.sandbox!.admin, caPem: env.sandbox!.caPem }, path);
}

async function post(url: string, body: unknown): Promise<any> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), dispatcher: new Agent({ connect: { ca: env.sandbox!.caPem } }) });
  return res.body.json();
}

test('stop in the middle of a transaction: the run is aborted, cleanup leaves no synthetic order, every point is flushed', async () => {
  const sb = env.sandbox!;
  sb.latency.set({ defaultMs: 150 }); // slow hops: the order is still on its way when the daemon stops
  try {
    const sink = new JsonLinesSink();
    const p = probe({ name: 'orders-b2b', scenario: 'order-to-notification/b2b', environment: 'sandbox', timeoutMs: 60_000 });
    const daemon = new Daemon({ probes: [p], jobFor: jobFactory(deps()), ticks: new IntervalTicks(3_600_000), sinks: [sink], log: quiet, healthIntervalMs: 0 });
    await daemon.start();
    void daemon.trigger('orders-b2b');
    await until(() => sb.truth.events({ event: 'erp.created' }).length > 0, 20_000, 'the ERP order to exist');
    const report = await daemon.stop(30_000);
    assert.deepEqual(report, { interrupted: 1, abandoned: 0 });
    const last = daemon.snapshot().probes[0]!.lastRun!;
    assert.equal(last.cleanup, 'done');
    const synthetic = await admin<{ count: number }>('/synthetic');
    assert.equal(synthetic.count, 0, 'no synthetic order left behind');
    const m = sink.flushed.map((x) => x.measurement);
    assert.ok(m.includes('probe_run') && m.includes('scenario_run') && m.includes('milestone'), `flushed: ${[...new Set(m)].join(', ')}`);
    assert.equal(sink.stats().pending, 0);
  } finally {
    sb.latency.set({ defaultMs: 20 });
  }
});

test('a warehouse token expires: a critical alert scoped to that warehouse after threshold runs, resolved after the fault is cleared', async () => {
  const sb = env.sandbox!;
  const alerter = new Alerter();
  const p: ProbeDefinition = probe({ name: 'stock-east', scenario: 'stock-adjustment/WH-EAST', environment: 'sandbox', thresholds: { failureThreshold: 2, successThreshold: 2 }, timeoutMs: 60_000 });
  // Short SLAs while the fault is on (the milestone it stops is called missing soon), the ordinary ones once it is cleared.
  const faulted = jobFactory(deps(FAULT_SLA));
  const healthy = jobFactory(deps());
  let jobs = faulted;
  const daemon = new Daemon({ probes: [p], jobFor: (x) => jobs(x), ticks: new IntervalTicks(3_600_000), alerter, log: quiet, healthIntervalMs: 0 });
  await daemon.start();
  try {
    sb.faults.set('wms.tokenExpired', 'WH-EAST');
    await daemon.trigger('stock-east', new Date(1_000));
    assert.deepEqual(alerter.openAlerts(), [], 'one failed run does not page');
    await daemon.trigger('stock-east', new Date(2_000));
    const open = alerter.openAlerts();
    const onHand = open.find((a) => a.milestone === 'erp.onHandUpdated');
    assert.ok(onHand, `open: ${JSON.stringify(open.map((a) => a.key))}`);
    assert.equal(onHand.severity, 'critical');
    assert.equal(onHand.scope, 'warehouse=WH-EAST');
    assert.match(onHand.reason ?? '', /WH-EAST|token|401/i);

    // The faulted runs' reversals are published a hop after their cleanup; let them meet the fault
    // they were made under, or the ERP gets a reversal of an adjustment it never received.
    await until(() => sb.latency.pending() === 0, 30_000, 'the last reversal to be published');
    sb.faults.clear('wms.tokenExpired');
    jobs = healthy;
    await daemon.trigger('stock-east', new Date(3_000));
    await daemon.trigger('stock-east', new Date(4_000));
    assert.deepEqual(alerter.openAlerts(), []);
    assert.equal((await admin<{ count: number }>('/synthetic')).count, 0);
  } finally {
    sb.faults.clear('wms.tokenExpired');
    await daemon.stop(30_000);
  }
});

test('reconciliation and backlog read the real middleware: dead-lettered orders are listed, the DLQ depth is a finding', async () => {
  const sb = env.sandbox!;
  const recon = probe({ name: 'recon', scenario: undefined, check: { type: 'reconciliation', options: { thresholdPct: 0.5 } }, environment: 'sandbox' });
  const backlog = probe({ name: 'backlog', scenario: undefined, check: { type: 'backlog' }, environment: 'sandbox' });
  const make = jobFactory(deps());
  const reconJob = make(recon);
  const backlogJob = make(backlog);
  const ctx = (p: ProbeDefinition) => ({ signal: new AbortController().signal, probe: p, runId: 'r', idempotencyKey: 'k', scheduledAt: new Date(), source: 'schedule' as const, sinks: [] });
  await reconJob(ctx(recon)); // baseline of the counters
  sb.faults.set('middleware.badUom');
  try {
    const placed: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await post(`${sb.services.middleware}/channels/b2b/orders`, { customer: 'SYNTHETIC-PROBE', poNumber: `SP-RECON-${i}`, warehouse: 'EAST', lines: [{ sku: 'SKU-1002', quantity: 1, uom: 'CS12' }] });
      placed.push(r.messageId);
    }
    for (let i = 0; ; i++) {
      const dlq = await getJson<{ messages: Array<{ messageId: string }> }>({ baseUrl: sb.services.middleware, caPem: sb.caPem }, '/dlq');
      if (placed.every((id) => dlq.messages.some((m) => m.messageId === id))) break;
      assert.ok(i < 200, 'orders reached the dead-letter queue');
      await new Promise((r) => setTimeout(r, 25));
    }
    const o = await reconJob(ctx(recon));
    const b2b = o.results.find((r) => r.scope === 'channel=b2b')!;
    assert.equal(b2b.status, 'critical');
    for (const id of placed) assert.ok(b2b.reason!.includes(id), `${id} listed in: ${b2b.reason}`);
    assert.ok(o.points.some((p) => p.measurement === 'reconciliation' && p.tags.channel === 'b2b' && p.fields.variance_pct === 100));

    const bo = await backlogJob(ctx(backlog));
    const order = bo.results.find((r) => r.scope === 'flow=order')!;
    assert.notEqual(order.status, 'ok');
    assert.match(order.reason!, /dead-letter queue depth is [1-9]/);
  } finally {
    sb.faults.clear('middleware.badUom');
  }
});

test('orphan sweep at start: synthetic orders left by an earlier process are cancelled through the scenarios\' own sweep', async () => {
  const sb = env.sandbox!;
  await post(`${sb.services.middleware}/channels/b2b/orders`, { customer: 'SYNTHETIC-PROBE', poNumber: 'SP-ORPHAN-1', warehouse: 'EAST', lines: [{ sku: 'SKU-1002', quantity: 1, uom: 'CS12' }] });
  for (let i = 0; (await admin<{ count: number }>('/synthetic')).count === 0; i++) {
    assert.ok(i < 200, 'the orphan reached the ERP');
    await new Promise((r) => setTimeout(r, 25));
  }
  // an earlier process's leftovers: everything synthetic counts as old enough here
  const config = { ...loaded, config: { ...loaded.config, orphanSweep: { olderThanMs: 0 } } };
  const p = probe({ name: 'orders-b2b', scenario: 'order-to-notification/b2b', environment: 'sandbox' });
  const report = await sweepOrphans({ config, overrides: { sandbox: env.systemsOverride } }, [p], new AbortController().signal);
  assert.ok(report.found >= 1, JSON.stringify(report));
  assert.equal(report.cleaned, report.found, JSON.stringify(report));
  assert.equal((await admin<{ count: number }>('/synthetic')).count, 0);
});

test('a scheduled run names its transaction by its slot; after a crash the sweep undoes that slot\'s order at once and leaves a young order of another run alone', async () => {
  const sb = env.sandbox!;
  const p = probe({ name: 'orders-b2b', scenario: 'order-to-notification/b2b', environment: 'sandbox' });
  const ran = 'orders-b2b@2026-12-03T04:00:00.000Z';
  const outcome = await jobFactory(deps())(p)({ signal: new AbortController().signal, probe: p, runId: 'r1', idempotencyKey: ran, scheduledAt: new Date(), source: 'schedule', sinks: [] });
  assert.equal(outcome.status, 'ok', JSON.stringify(outcome.results));
  const events = sb.truth.events({ correlationId: correlationIdForKey(ran) }).map((e) => e.event);
  assert.ok(events.includes('erp.created') && events.includes('erp.cancelled'), events.join(', '));

  // What a run that died mid-transaction left (its slot is in the ledger as unfinished), and an order
  // of a run still in progress elsewhere: both synthetic, both only seconds old.
  const place = async (key: string) => {
    const id = correlationIdForKey(key);
    const res = await request(`${sb.services.middleware}/channels/b2b/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': id },
      body: JSON.stringify({ customer: loaded.marker.customer, poNumber: referenceFor(loaded.marker.referencePrefix, id), warehouse: 'EAST', lines: [{ sku: 'SKU-1002', quantity: 1, uom: 'CS12' }] }),
      dispatcher: new Agent({ connect: { ca: sb.caPem } }),
    });
    assert.equal(res.statusCode < 300, true, `placing ${key}: ${res.statusCode}`);
    await res.body.dump();
    return id;
  };
  const interrupted = await place('orders-b2b@2026-12-03T04:05:00.000Z');
  const inProgress = await place('orders-b2b@2026-12-03T04:06:00.000Z');
  type Synthetic = { count: number; orders: Array<{ correlationId: string }> };
  for (let i = 0; (await admin<Synthetic>('/synthetic')).count < 2; i++) {
    assert.ok(i < 400, 'both orders reached the ERP');
    await new Promise((r) => setTimeout(r, 25));
  }

  const report = await sweepOrphans({ config: loaded, overrides: { sandbox: env.systemsOverride } }, [p], new AbortController().signal, ['orders-b2b@2026-12-03T04:05:00.000Z']);
  assert.deepEqual({ found: report.found, cleaned: report.cleaned }, { found: 1, cleaned: 1 }, JSON.stringify(report));
  const left = await admin<Synthetic>('/synthetic');
  assert.deepEqual(left.orders.map((o) => o.correlationId), [inProgress]);
  assert.ok(sb.truth.events({ correlationId: interrupted }).some((e) => e.event === 'erp.cancelled'));

  const config = { ...loaded, config: { ...loaded.config, orphanSweep: { olderThanMs: 0 } } };
  await sweepOrphans({ config, overrides: { sandbox: env.systemsOverride } }, [p], new AbortController().signal);
  assert.equal((await admin<Synthetic>('/synthetic')).count, 0);
});

test('tls and oauth probes on the sandbox: healthy ERP client ok; an expired client secret of a warehouse connector is critical for that warehouse', async () => {
  const sb = env.sandbox!;
  const make = jobFactory(deps());
  const ctx = (p: ProbeDefinition) => ({ signal: new AbortController().signal, probe: p, runId: 'r', idempotencyKey: 'k', scheduledAt: new Date(), source: 'schedule' as const, sinks: [] });
  const tls = probe({ name: 'erp-tls', scenario: undefined, check: { type: 'tls', options: { system: 'erp' } }, environment: 'sandbox' });
  const t = await make(tls)(ctx(tls));
  assert.equal(t.status, 'ok', t.results[0]?.reason);
  assert.ok(t.points.some((x) => x.measurement === 'tls_cert'));

  const erp = probe({ name: 'erp-oauth', scenario: undefined, check: { type: 'oauth', options: { system: 'erp' } }, environment: 'sandbox' });
  const o = await make(erp)(ctx(erp));
  assert.equal(o.status, 'ok', o.results[0]?.reason);
  assert.ok(o.points.some((x) => x.measurement === 'oauth_client'));

  const expired = sb.clients.find((c) => c.clientId === 'syncprobe-expired')!;
  process.env.SP_TEST_EXPIRED_SECRET = expired.clientSecret;
  const wh = probe({
    name: 'east-connector',
    scenario: undefined,
    check: { type: 'oauth', options: { tokenUrl: sb.oauth.tokenEndpoint, clientId: 'syncprobe-expired', clientSecretEnv: 'SP_TEST_EXPIRED_SECRET', resource: sb.oauth.resource, warehouse: 'WH-EAST' } },
    environment: 'sandbox',
  });
  const w = await make(wh)(ctx(wh));
  assert.equal(w.status, 'critical');
  assert.deepEqual([w.results[0]!.key, w.results[0]!.impact.scope], ['east-connector/oauth/warehouse=WH-EAST', 'warehouse']);
  assert.ok(!JSON.stringify(w).includes(expired.clientSecret!), 'the secret appears nowhere in the outcome');
});

test('a schedule keeps its webhook inbox between runs: its counts are in the snapshot, on /healthz and in webhook_inbox points; closeInboxes unsubscribes', async () => {
  const { closeInboxes } = await import('../../src/engine/index.ts');
  const { openInboxes } = await import('../../src/engine/inbox.ts');
  const { summarize } = await import('../../src/scheduler/health.ts');
  await closeInboxes();
  const p = probe({ name: 'orders-b2b', scenario: 'order-to-notification/b2b', environment: 'sandbox', timeoutMs: 60_000 });
  const daemon = new Daemon({ probes: [p], jobFor: jobFactory(deps()), ticks: new IntervalTicks(3_600_000), log: quiet, healthIntervalMs: 0 });
  await daemon.start();
  try {
    for (let i = 0; i < 2; i++) {
      await daemon.trigger('orders-b2b');
      const last = daemon.snapshot().probes[0]!.lastRun!;
      assert.equal(last.status, 'ok', JSON.stringify(last.results));
    }
    const snap = daemon.snapshot();
    assert.equal(snap.inboxes.length, 1, 'one inbox for both runs');
    const ib = snap.inboxes[0]!;
    assert.equal(ib.environment, 'sandbox');
    assert.equal(ib.holders, 0, 'lingering between runs');
    assert.ok(ib.stats.kept >= 2 && ib.stats.refused === 0, JSON.stringify(ib.stats));
    assert.deepEqual(summarize(snap).inboxes, [{ environment: 'sandbox', url: ib.url, received: ib.stats.received, refused: 0, unavailable: [] }]);
    const point = daemon.healthPoints().find((x) => x.measurement === 'webhook_inbox')!;
    assert.deepEqual(point.tags, { env: 'sandbox' });
    assert.equal(point.fields.kept_total, ib.stats.kept);
    const subs = await getJson<{ items: Array<{ url: string }> }>({ baseUrl: env.sandbox!.services.notifications, caPem: env.sandbox!.caPem }, '/api/webhooks');
    assert.deepEqual(subs.items.map((s) => s.url), [`${ib.url}/hooks/notifications`], 'one subscription for the two runs');
  } finally {
    await daemon.stop(30_000);
    await closeInboxes();
  }
  assert.deepEqual(openInboxes(), []);
  const after = await getJson<{ items: unknown[] }>({ baseUrl: env.sandbox!.services.notifications, caPem: env.sandbox!.caPem }, '/api/webhooks');
  assert.deepEqual(after.items, []);
});
