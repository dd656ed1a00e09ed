import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright';
import { chromiumPath, CHROMIUM_ARGS } from '../support/env.ts';
import { startStatusPage } from '../../src/status/server.ts';
import { renderMain } from '../../src/status/render.ts';
import type { DaemonSnapshot, ProbeState } from '../../src/scheduler/index.ts';
import type { ScenarioResult } from '../../src/core/result.ts';

const now = Date.parse('2026-12-03T12:00:00.000Z');
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();

function txn(name: string, channel: string, failing: boolean): ScenarioResult {
  return {
    name,
    status: failing ? 'critical' : 'ok',
    correlationId: `sp-${name}`,
    tags: { channel, environment: 'sandbox' },
    startedAt: iso(30_000),
    durationMs: 4200,
    milestones: [
      { name: 'channel accepted', system: 'storefront', status: 'met', latencyMs: 40, latencyLowerMs: 30, latencyUpperMs: 50, slaMs: 1000, observedBy: 'step' },
      failing
        ? { name: 'ERP order created', system: 'erp', status: 'missing', latencyMs: null, latencyLowerMs: 2000, latencyUpperMs: null, slaMs: 2000,
            failure: { class: 'business', reason: `ERP never created the order for channel ${channel}: middleware DLQ holds it with 'unknown UoM CS12X' <script>x</script>` } }
        : { name: 'ERP order created', system: 'erp', status: 'met', latencyMs: 300, latencyLowerMs: 250, latencyUpperMs: 350, slaMs: 2000, observedBy: 'webhook' },
    ],
    cleanup: { status: 'done', actions: [] },
  };
}

function probe(name: string, status: 'ok' | 'critical', transactions: ScenarioResult[], extra: Partial<ProbeState> = {}): ProbeState {
  return {
    name, kind: 'scenario', target: name, environment: 'sandbox', cron: '*/10 * * * * *', writes: true, running: false, queued: false,
    nextRunAt: iso(-5000), runs: 7, timeouts: 0, missed: 1,
    skipped: { overlap: 2, kill_switch: 0, maintenance: 0, duplicate: 0, stopping: 0 },
    lastRun: { runId: 'r1', scheduledAt: iso(31_000), startedAt: iso(30_000), finishedAt: iso(25_000), durationMs: 5000, status, timedOut: false, abandoned: false,
      results: status === 'ok' ? [] : [{ key: `${name}/erp/-`, milestone: 'ERP order created', scope: 'channel=marketplace', status, reason: 'ERP never created the order' }] },
    lastSkip: null, lastTransactions: transactions, ...extra,
  };
}

const snapshot: DaemonSnapshot = {
  startedAt: iso(600_000), stopping: false, source: 'schedule', running: 0, concurrency: 4, killSwitch: { on: false },
  probes: [
    probe('order-b2b', 'ok', [txn('order-b2b', 'b2b', false)]),
    probe('order-marketplace', 'critical', [txn('order-marketplace', 'marketplace', true)]),
  ],
  openAlerts: [
    { key: 'order-marketplace/ERP order created/channel=marketplace', incidentId: 'i1', probe: 'order-marketplace', milestone: 'ERP order created',
      scope: 'channel=marketplace', environment: 'sandbox', level: 'failed', severity: 'critical', openedAt: iso(120_000), reason: 'ERP never created the order', channels: ['webhook'] },
  ],
  sinks: [{ name: 'influxdb', pending: 3, spooled: 10, written: 500, deadLettered: 0, failures: 0 }],
  outbox: null, sweep: null, inboxes: [],
};

test('the rendered page escapes what systems said and shows every probe and transaction', () => {
  const html = renderMain(snapshot, now);
  assert.ok(!html.includes('<script>x</script>'), 'a reason from a system is escaped');
  assert.ok(html.includes('&lt;script&gt;x&lt;/script&gt;'));
  assert.equal(html.match(/data-testid="probe"/g)?.length, 2);
  assert.equal(html.match(/data-testid="transaction"/g)?.length, 2);
  assert.match(html, /sink backlog <strong>13<\/strong> points/);
  // How each milestone was seen: a webhook is named, polling and steps are the ordinary case.
  assert.equal(html.match(/data-observed-by="webhook"/g)?.length, 1);
  assert.match(html, /data-milestone="ERP order created" data-status="met" data-observed-by="webhook">\s*<span class="ms-name">ERP order created<small>erp · by webhook<\/small>/);
  assert.match(html, /<span class="ms-name">channel accepted<small>storefront<\/small>/);
});

test('an operator sees probe states, the failing milestone with its reason and the open alert in real Chromium', async (t) => {
  let current = snapshot;
  const page = await startStatusPage({ snapshot: () => current, refreshMs: 200 });
  t.after(() => page.stop());
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const tab = await browser.newPage();
  await tab.goto(page.url);

  assert.equal(await tab.getByTestId('overall-status').innerText(), 'Failing');
  assert.equal(await tab.getByTestId('probe-status-order-b2b').innerText(), 'OK');
  assert.equal(await tab.getByTestId('probe-status-order-marketplace').innerText(), 'Failing');
  const alert = tab.getByTestId('alert');
  assert.equal(await alert.count(), 1);
  assert.match(await alert.innerText(), /critical\s+channel=marketplace\s+order-marketplace\s+ERP order created/i);
  const reason = tab.locator('[data-scenario="order-marketplace"] [data-testid="milestone-reason"]');
  assert.match(await reason.innerText(), /business: ERP never created the order for channel marketplace: middleware DLQ holds it with 'unknown UoM CS12X' <script>x<\/script>/);
  const bar = tab.locator('[data-scenario="order-b2b"] [data-milestone="ERP order created"] .bar');
  assert.equal(await bar.isVisible(), false, 'a healthy transaction is folded to one line');
  assert.match(await tab.locator('[data-scenario="order-b2b"] summary').innerText(), /2\/2 milestones met/);
  await tab.locator('[data-scenario="order-b2b"] summary').click();
  assert.ok(await bar.isVisible(), 'unfolded, the latency bar of a met milestone is drawn');

  // The page refreshes itself: resolve the incident and the page follows without a reload.
  current = { ...snapshot, openAlerts: [], probes: snapshot.probes.map((p) => ({ ...p, lastRun: p.lastRun && { ...p.lastRun, status: 'ok' as const, results: [] } })) };
  await tab.getByTestId('no-alerts').waitFor({ timeout: 30_000 });
  assert.equal(await tab.getByTestId('overall-status').innerText(), 'OK');
});

test('the JSON snapshot endpoint answers and unknown paths are 404', async (t) => {
  const page = await startStatusPage({ snapshot: () => snapshot });
  t.after(() => page.stop());
  const json = await (await fetch(new URL('api/status', page.url))).json();
  assert.equal(json.probes.length, 2);
  assert.equal((await fetch(new URL('nope', page.url))).status, 404);
});

test('fault switches: only the offered presets can be switched on, and clearing turns them all off', async (t) => {
  const active: string[] = [];
  const page = await startStatusPage({
    snapshot: () => snapshot,
    faults: { presets: ['channel.drop=marketplace'], active: () => active, set: (spec) => void active.push(spec), clearAll: () => void active.splice(0) },
  });
  t.after(() => page.stop());
  const post = (path: string, body: string) =>
    fetch(new URL(path, page.url), { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
  assert.equal((await post('faults', 'spec=http.errors%3Derp%3A1')).status, 400);
  assert.deepEqual(active, []);
  assert.equal((await post('faults', 'spec=channel.drop%3Dmarketplace')).status, 303);
  assert.deepEqual(active, ['channel.drop=marketplace']);
  assert.match(await (await fetch(page.url)).text(), /active: <code>channel\.drop=marketplace<\/code>/);
  assert.equal((await post('faults/clear', '')).status, 303);
  assert.deepEqual(active, []);
});

test('the KPI table appears on the page when KPIs are computed, and not otherwise', () => {
  assert.ok(!renderMain(snapshot, now).includes('data-testid="kpis"'));
  const html = renderMain(snapshot, now, undefined, '<table class="kpis" data-status="ok"></table>');
  assert.match(html, /<h2>KPIs<\/h2><div class="kpi-wrap" data-testid="kpis"><table class="kpis" data-status="ok"><\/table><\/div>/);
});
