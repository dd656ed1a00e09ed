import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateKpis, judgeLower, judgeUpper, DEFAULT_TARGETS, applyTargetOverrides, renderKpiTable, type KpiFigures, type KpiReport } from '../../src/kpi/index.ts';
import { UsageError } from '../../src/core/errors.ts';

const empty: KpiFigures = { orderCreated: [], releaseToAllocation: [], shipmentToNotification: [], milestoneLatency: [], completeness: [], payloads: null, replay: null };
const fig = (over: Partial<KpiFigures>): KpiFigures => ({ ...empty, ...over });
const T = DEFAULT_TARGETS;

test('threshold judgements: boundaries of the target and of the warning margin', () => {
  const lower: Array<[number, boolean, string]> = [
    [100, false, 'ok'], [97, false, 'ok'], [96.999, false, 'warning'], [95, false, 'warning'], [94.999, false, 'critical'],
    // "more than 98%": exactly 98 misses
    [98, true, 'critical'], [98.001, true, 'warning'],
  ];
  for (const [v, strict, want] of lower) assert.equal(judgeLower(v, { min: strict ? 98 : 95, warnBelow: strict ? 99 : 97 }, strict), want, `${v} strict=${strict}`);
  const upper: Array<[number, string]> = [[0, 'ok'], [239_999, 'ok'], [240_000, 'warning'], [299_999, 'warning'], [300_000, 'critical'], [900_000, 'critical']];
  for (const [v, want] of upper) assert.equal(judgeUpper(v, T.releaseToAllocation), want, String(v));
});

const cases: Array<{ name: string; figures: KpiFigures; kpi: string; scope: string; status: string; value: number | null; reason?: RegExp }> = [
  { name: 'all orders within 2 min', figures: fig({ orderCreated: [{ channel: 'b2b', total: 40, within: 40 }] }), kpi: 'order-created', scope: 'channel=b2b', status: 'ok', value: 100 },
  { name: '96% within: warning margin', figures: fig({ orderCreated: [{ channel: 'edi', total: 100, within: 96 }] }), kpi: 'order-created', scope: 'channel=edi', status: 'warning', value: 96, reason: /96 of 100 orders/ },
  { name: '90% within: target missed', figures: fig({ orderCreated: [{ channel: 'marketplace', total: 20, within: 18 }] }), kpi: 'order-created', scope: 'channel=marketplace', status: 'critical', value: 90, reason: /target 95%/ },
  { name: 'allocation p95 under 4 min', figures: fig({ releaseToAllocation: [{ warehouse: 'WH-EAST', total: 10, observed: 10, p95Ms: 60_000 }] }), kpi: 'release-to-allocation', scope: 'warehouse=WH-EAST', status: 'ok', value: 60_000 },
  { name: 'allocation p95 4.5 min: warning', figures: fig({ releaseToAllocation: [{ warehouse: 'WH-WEST', total: 10, observed: 10, p95Ms: 270_000 }] }), kpi: 'release-to-allocation', scope: 'warehouse=WH-WEST', status: 'warning', value: 270_000 },
  { name: 'allocations never observed: p95 lies beyond the measured ones', figures: fig({ releaseToAllocation: [{ warehouse: 'WH-WEST', total: 10, observed: 8, p95Ms: 1_000 }] }), kpi: 'release-to-allocation', scope: 'warehouse=WH-WEST', status: 'critical', value: 1_000, reason: /2 of 10 never observed/ },
  { name: 'one unobserved in 100 is within the 5% tail', figures: fig({ releaseToAllocation: [{ warehouse: 'WH-WEST', total: 100, observed: 99, p95Ms: 1_000 }] }), kpi: 'release-to-allocation', scope: 'warehouse=WH-WEST', status: 'ok', value: 1_000 },
  { name: 'notification p95 over 10 min', figures: fig({ shipmentToNotification: [{ channel: 'b2b', total: 5, observed: 5, p95Ms: 700_000 }] }), kpi: 'shipment-to-notification', scope: 'channel=b2b', status: 'critical', value: 700_000, reason: /misses 600000 ms/ },
  { name: 'milestone p95 vs its own SLA', figures: fig({ milestoneLatency: [{ milestone: 'erp.created', channel: 'b2b', warehouse: 'WH-EAST', total: 10, observed: 10, failed: 0, p95Ms: 850, slaMs: 1000 }] }), kpi: 'milestone-latency', scope: 'milestone=erp.created channel=b2b warehouse=WH-EAST', status: 'warning', value: 850 },
  { name: 'milestone without sla_ms is unknown', figures: fig({ milestoneLatency: [{ milestone: 'x', channel: '', warehouse: 'WH-EAST', total: 3, observed: 3, failed: 0, p95Ms: 5, slaMs: null }] }), kpi: 'milestone-latency', scope: 'milestone=x warehouse=WH-EAST', status: 'unknown', value: 5, reason: /no sla_ms/ },
  { name: 'completeness 0.1%: ok', figures: fig({ completeness: [{ channel: 'b2b', flow: 'order', expected: 1000, missing: 1 }] }), kpi: 'completeness', scope: 'flow=order channel=b2b', status: 'ok', value: 0.1 },
  { name: 'completeness exactly 0.5%: missed (< 0.5% is the target)', figures: fig({ completeness: [{ channel: 'b2b', flow: 'order', expected: 1000, missing: 5 }] }), kpi: 'completeness', scope: 'flow=order channel=b2b', status: 'critical', value: 0.5, reason: /5 of 1000 documents missing/ },
  { name: 'valid payloads 99.6%: warning', figures: fig({ payloads: { total: 1000, data: 4 } }), kpi: 'valid-payloads', scope: 'all', status: 'warning', value: 99.6, reason: /4 of 1000 milestones failed with class data/ },
  { name: 'valid payloads 99%: missed', figures: fig({ payloads: { total: 100, data: 1 } }), kpi: 'valid-payloads', scope: 'all', status: 'critical', value: 99 },
  { name: 'replay 99.5%: ok', figures: fig({ replay: { attempted: 200, succeeded: 199 } }), kpi: 'replay-success', scope: 'all', status: 'ok', value: 99.5 },
  { name: 'replay fields never written: unknown, not met', figures: empty, kpi: 'replay-success', scope: 'all', status: 'unknown', value: null, reason: /no replay counts written/ },
  { name: 'no reconciliation points: unknown with the reason', figures: empty, kpi: 'completeness', scope: 'all', status: 'unknown', value: null, reason: /reconciliation probe/ },
  { name: 'no orders: unknown', figures: empty, kpi: 'order-created', scope: 'all', status: 'unknown', value: null, reason: /'erp.created'/ },
];

for (const c of cases) {
  test(`KPI table: ${c.name}`, () => {
    const { rows } = evaluateKpis(c.figures, T);
    const row = rows.find((r) => r.kpi === c.kpi && r.scope === c.scope);
    assert.ok(row, `no ${c.kpi} ${c.scope} in ${JSON.stringify(rows.map((r) => [r.kpi, r.scope]))}`);
    assert.equal(row.status, c.status);
    assert.equal(row.value, c.value);
    if (c.reason) assert.match(row.reason ?? '', c.reason);
    if (c.status === 'ok') assert.equal(row.reason, undefined);
  });
}

test('start milestones (no SLA clock, never failing) are not judged; an unobserved one that failed is', () => {
  const { rows } = evaluateKpis(
    fig({
      milestoneLatency: [
        { milestone: 'channel.accepted', channel: 'b2b', warehouse: 'WH-EAST', total: 10, observed: 0, failed: 0, p95Ms: null, slaMs: 1000 },
        { milestone: 'channel.accepted', channel: 'edi', warehouse: 'WH-EAST', total: 10, observed: 10, failed: 0, p95Ms: 0, slaMs: 60_000 },
        { milestone: 'wms.allocated', channel: 'b2b', warehouse: 'WH-EAST', total: 4, observed: 0, failed: 4, p95Ms: null, slaMs: 1000 },
      ],
    }),
    T,
    ['milestone-latency'],
  );
  assert.deepEqual(rows.map((r) => [r.scope, r.status]), [['milestone=wms.allocated channel=b2b warehouse=WH-EAST', 'critical']]);
  assert.match(rows[0]!.reason!, /4 of 4 never observed/);
});

test('overall verdict: the worst row; a selection judges only the KPIs asked for', () => {
  const f = fig({ orderCreated: [{ channel: 'b2b', total: 10, within: 10 }], payloads: { total: 1000, data: 3 }, replay: { attempted: 10, succeeded: 10 } });
  const sel = evaluateKpis(f, T, ['order-created', 'replay-success']);
  assert.equal(sel.status, 'ok');
  assert.deepEqual(sel.problems, []);
  const withWarning = evaluateKpis(f, T, ['order-created', 'valid-payloads']);
  assert.equal(withWarning.status, 'warning');
  assert.deepEqual(withWarning.problems.map((p) => p.code), ['kpi_warning_margin']);
  const all = evaluateKpis(f, T);
  // release, notification, milestone latency and completeness have no data: unknown, never met
  assert.equal(all.status, 'unknown');
  assert.ok(all.problems.filter((p) => p.code === 'kpi_no_data').length === 4);
  const missed = evaluateKpis(fig({ ...f, completeness: [{ channel: 'b2b', flow: 'order', expected: 100, missing: 3 }] }), T, ['order-created', 'completeness']);
  assert.equal(missed.status, 'critical');
  assert.deepEqual(missed.problems.map((p) => p.code), ['kpi_target_missed']);
});

test('target overrides: every key named on error, margins must lie on the safe side', () => {
  const t = applyTargetOverrides(DEFAULT_TARGETS, ['orderCreated.min=90', 'orderCreated.withinMs=60000', 'releaseToAllocation.limit=600000']);
  assert.equal(t.orderCreated.min, 90);
  assert.equal(t.orderCreated.withinMs, 60_000);
  assert.equal(t.releaseToAllocation.limit, 600_000);
  assert.equal(DEFAULT_TARGETS.orderCreated.min, 95, 'defaults untouched');
  assert.throws(() => applyTargetOverrides(DEFAULT_TARGETS, ['orderCreated.nope=1']), (e: unknown) => e instanceof UsageError && /unknown KPI target 'orderCreated.nope'/.test(e.message) && /orderCreated.min/.test(e.describe()));
  assert.throws(() => applyTargetOverrides(DEFAULT_TARGETS, ['validPayloads.min=abc']), /must be a number/);
  assert.throws(() => applyTargetOverrides(DEFAULT_TARGETS, ['orderCreated.min=98']), /orderCreated: need 0 <= min \(98\) <= warnBelow \(97\)/);
  assert.throws(() => applyTargetOverrides(DEFAULT_TARGETS, ['oops']), /is not SECTION.FIELD=VALUE/);
});

test('table fragments: markdown and escaped HTML with a row per KPI scope', () => {
  const { rows, status, problems } = evaluateKpis(fig({ orderCreated: [{ channel: 'b<2>b', total: 20, within: 18 }], replay: { attempted: 4, succeeded: 4 } }), T, ['order-created', 'replay-success']);
  const report: KpiReport = { status, problems, kpis: rows, source: { influx: 'http://127.0.0.1:8086/syncprobe', since: '24h', env: 'prod' }, computedAt: new Date(0).toISOString() };
  const md = renderKpiTable(report);
  assert.match(md, /KPIs for prod over the last 24h: \*\*critical\*\*/);
  assert.match(md, /\| order-created \| channel=b<2>b \| 90% \| >= 95% within 120000 ms \| 20 \| critical \| 18 of 20 orders/);
  assert.match(md, /\| replay-success \| all \| 100% \| > 98% \| 4 \| ok \| {2}\|/);
  const html = renderKpiTable(report, 'html');
  assert.match(html, /<table class="kpis" data-status="critical">/);
  assert.match(html, /<tr class="status-critical"><td>order-created<\/td><td>channel=b&lt;2&gt;b<\/td><td>90%<\/td>/);
  assert.ok(!html.includes('b<2>b'));
});

test('InfluxQL: the environment is a quoted literal, the window a validated duration, milestone names from the targets', async () => {
  const { kpiQueries, checkSince } = await import('../../src/kpi/queries.ts');
  const qs = kpiQueries({ since: '7d', env: "o'brien\\prod" }, applyTargetOverrides(DEFAULT_TARGETS, ['orderCreated.milestone=erp.orderCreated', 'orderCreated.withinMs=60000']));
  assert.equal(qs.length, 7);
  for (const q of qs) assert.ok(q.includes(`time > now() - 7d AND "env" = 'o\\'brien\\\\prod'`), q);
  assert.match(qs[2]!, /"milestone" = 'erp.orderCreated' AND "latency_ms" <= 60000 GROUP BY "channel"$/);
  assert.ok(!kpiQueries({ since: '24h' }, DEFAULT_TARGETS)[0]!.includes('"env"'), 'no env filter without --env');
  for (const bad of ['24', '1y', '0h', '24h; DROP DATABASE x', '-1h']) assert.throws(() => checkSince(bad), (e: unknown) => e instanceof UsageError && e.where === '--since', bad);
});
