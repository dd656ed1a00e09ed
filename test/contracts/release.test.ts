import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MilestoneResult, RunResult, ScenarioResult } from '../../src/core/result.ts';
import { compareLatency, decideRelease, percentile, DEFAULT_THRESHOLDS, type ReleaseInputs } from '../../src/contracts/release.ts';
import { buildReport, renderJUnit, renderMarkdown } from '../../src/contracts/release-report.ts';
import type { ContractDocument } from '../../src/contracts/verify.ts';
import type { SpecDiff } from '../../src/contracts/spec-diff.ts';

const ms = (name: string, latencyMs: number | null, status: MilestoneResult['status'] = 'met', reason?: string): MilestoneResult => ({
  name,
  system: 'erp',
  status,
  latencyMs,
  latencyLowerMs: latencyMs,
  latencyUpperMs: latencyMs,
  slaMs: 3000,
  ...(reason ? { failure: { class: 'data' as const, reason } } : {}),
});
const scenario = (name: string, status: ScenarioResult['status'], milestones: MilestoneResult[]): ScenarioResult => ({
  name,
  status,
  correlationId: 'c',
  tags: { environment: 'x' },
  startedAt: '2026-12-03T10:00:00.000Z',
  durationMs: 1,
  milestones,
});
const run = (scenarios: ScenarioResult[]): RunResult => ({ status: 'ok', environment: 'x', startedAt: '2026-12-03T10:00:00.000Z', durationMs: 1, scenarios });
const okRun = () => run([scenario('order/b2b', 'ok', [ms('erp.created', 1000), ms('wms.allocated', 400)]), scenario('stock/WH-EAST', 'ok', [ms('erp.onHandUpdated', 900)])]);
const emptyDiff = (): SpecDiff => ({ base: { title: 't', version: '1' }, candidate: { title: 't', version: '2' }, breaking: [], compatible: [], informational: [] });
const contract = (over: Partial<ContractDocument> = {}): ContractDocument => ({
  status: 'ok',
  problems: [],
  provider: 'erp',
  baseUrl: 'https://erp',
  pactFiles: [],
  interactions: [{ description: 'the item list', states: [], request: { method: 'GET', path: '/api/items' }, result: 'passed', mismatches: [] }],
  passed: 1,
  failed: 0,
  durationMs: 1,
  ...over,
});
const inputs = (over: Partial<ReleaseInputs> = {}): ReleaseInputs => ({ specDiffs: [{ system: 'erp', baselineDoc: 'a', candidateDoc: 'b', diff: emptyDiff() }], contracts: [contract()], baseline: okRun(), candidate: okRun(), ...over });

test('percentile: nearest rank', () => {
  assert.equal(percentile([], 95), null);
  assert.equal(percentile([7], 95), 7);
  assert.equal(percentile([5, 1, 4, 2, 3], 95), 5);
  assert.equal(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95), 95);
  assert.equal(percentile([10, 20, 30, 40], 50), 20);
});

const cases: { name: string; inputs: ReleaseInputs; decision: 'go' | 'no-go'; reasons: string[]; warnings?: string[] }[] = [
  { name: 'nothing changed', inputs: inputs(), decision: 'go', reasons: [] },
  {
    name: 'a breaking spec change',
    inputs: inputs({ specDiffs: [{ system: 'erp', baselineDoc: 'a', candidateDoc: 'b', diff: { ...emptyDiff(), breaking: [{ category: 'response-property-removed', severity: 'breaking', operation: 'GET /api/sales-orders/{orderNumber}', location: 'response 200 /externalReference', message: 'response property /externalReference removed' }] } }] }),
    decision: 'no-go',
    reasons: ['spec'],
  },
  {
    name: 'compatible and informational spec changes only',
    inputs: inputs({ specDiffs: [{ system: 'erp', baselineDoc: 'a', candidateDoc: 'b', diff: { ...emptyDiff(), compatible: [{ category: 'endpoint-added', severity: 'compatible', operation: 'GET /x', location: 'endpoint', message: 'new endpoint' }], informational: [{ category: 'endpoint-removed', severity: 'informational', operation: 'GET /audit', location: 'endpoint', message: 'gone' }] } }] }),
    decision: 'go',
    reasons: [],
    warnings: ['spec'],
  },
  {
    name: 'a failed pact interaction',
    inputs: inputs({ contracts: [contract({ status: 'critical', interactions: [{ description: 'the item list', states: [], request: { method: 'GET', path: '/api/items' }, result: 'failed', mismatches: [{ kind: 'status', expected: '200', actual: '404', message: 'expected 200 but was 404' }] }], problems: [{ code: 'contract.mismatch', message: 'the item list (GET /api/items): status: expected 200, actual 404' }] })] }),
    decision: 'no-go',
    reasons: ['contract'],
  },
  {
    name: 'a failed pending pact interaction',
    inputs: inputs({ contracts: [contract({ status: 'warning', interactions: [{ description: 'the item list', states: [], request: { method: 'GET', path: '/api/items' }, result: 'pending-failed', mismatches: [{ kind: 'body', message: 'm' }] }] })] }),
    decision: 'go',
    reasons: [],
    warnings: ['contract'],
  },
  {
    name: 'a scenario that fails only on the candidate',
    inputs: inputs({ candidate: run([scenario('order/b2b', 'critical', [ms('erp.created', null, 'missing', 'ERP never created the order')]), scenario('stock/WH-EAST', 'ok', [ms('erp.onHandUpdated', 900)])]) }),
    decision: 'no-go',
    reasons: ['scenario'],
  },
  {
    name: 'a scenario that fails on both',
    inputs: inputs({ baseline: run([scenario('order/b2b', 'critical', [ms('erp.created', null, 'error', 'x')])]), candidate: run([scenario('order/b2b', 'critical', [ms('erp.created', null, 'error', 'x')])]) }),
    decision: 'go',
    reasons: [],
    warnings: ['scenario'],
  },
  {
    name: 'p95 regression beyond both thresholds',
    inputs: inputs({ candidate: run([scenario('order/b2b', 'ok', [ms('erp.created', 1600), ms('wms.allocated', 400)]), scenario('stock/WH-EAST', 'ok', [ms('erp.onHandUpdated', 900)])]) }),
    decision: 'no-go',
    reasons: ['latency'],
  },
  {
    name: 'slower, but within the allowed fraction',
    inputs: inputs({ candidate: run([scenario('order/b2b', 'ok', [ms('erp.created', 1150), ms('wms.allocated', 400)]), scenario('stock/WH-EAST', 'ok', [ms('erp.onHandUpdated', 900)])]) }),
    decision: 'go',
    reasons: [],
  },
  {
    name: 'twice as slow, but only by milliseconds',
    inputs: inputs({ candidate: run([scenario('order/b2b', 'ok', [ms('erp.created', 1000), ms('wms.allocated', 600)]), scenario('stock/WH-EAST', 'ok', [ms('erp.onHandUpdated', 900)])]), thresholds: { minDeltaMs: 250 } }),
    decision: 'go',
    reasons: [],
  },
  {
    name: 'a tighter configured threshold',
    inputs: inputs({ candidate: run([scenario('order/b2b', 'ok', [ms('erp.created', 1150), ms('wms.allocated', 400)]), scenario('stock/WH-EAST', 'ok', [ms('erp.onHandUpdated', 900)])]), thresholds: { maxRegression: 0.1, minDeltaMs: 100 } }),
    decision: 'no-go',
    reasons: ['latency'],
  },
];

for (const c of cases) {
  test(`release decision: ${c.name} -> ${c.decision}`, () => {
    const d = decideRelease(c.inputs);
    assert.equal(d.decision, c.decision, JSON.stringify(d.reasons));
    assert.equal(d.status, c.decision === 'go' ? 'ok' : 'critical');
    assert.deepEqual([...new Set(d.reasons.map((r) => r.category))], c.reasons);
    assert.deepEqual(d.problems.map((p) => p.code), d.reasons.map((r) => `release.${r.category}`));
    if (c.warnings) assert.deepEqual([...new Set(d.warnings.map((r) => r.category))], c.warnings);
    for (const r of d.reasons) assert.ok(r.subject && r.message.length > 10, 'each reason names where and what');
  });
}

test('latency rows name both p95 and the ratio', () => {
  const rows = compareLatency(okRun(), run([scenario('order/b2b', 'ok', [ms('erp.created', 1600)])]), DEFAULT_THRESHOLDS);
  const created = rows.find((r) => r.milestone === 'erp.created')!;
  assert.deepEqual([created.baselineP95, created.candidateP95, created.ratio, created.regression], [1000, 1600, 1.6, true]);
  const allocated = rows.find((r) => r.milestone === 'wms.allocated')!;
  assert.deepEqual([allocated.candidateP95, allocated.ratio, allocated.regression], [null, null, false]);
});

test('reports: markdown names the decision and each reason; JUnit counts one failure per blocking item', () => {
  const i = cases.find((c) => c.name === 'a failed pact interaction')!.inputs;
  const d = decideRelease(i);
  const r = buildReport(i, d, { baseline: 'prod', candidate: 'prod-r2', startedAt: '2026-12-03T10:00:00.000Z', durationMs: 1234 });
  const markdown = renderMarkdown(r);
  assert.match(markdown, /^# Release verification: prod-r2 against prod/);
  assert.match(markdown, /\*\*Decision: NO-GO\*\*/);
  assert.match(markdown, /\| contract \| erp GET \/api\/items \| the item list \(GET \/api\/items\): status: expected 200, actual 404 \|/);
  const junit = renderJUnit(r);
  assert.match(junit, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="verify-release prod-r2 vs prod" tests="\d+" failures="1">/);
  assert.match(junit, /<testcase classname="verify-release.contracts" name="erp: the item list"><failure message="the item list \(GET \/api\/items\)/);
  assert.equal((junit.match(/<failure /g) ?? []).length, 1);
});
