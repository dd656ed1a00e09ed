import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateMilestone, scenarioStatus, type MilestoneObservation } from '../../src/engine/evaluate.ts';
import { awaitWindowMs, pollingDelay, DEFAULT_POLLING } from '../../src/engine/poll.ts';

const T0 = 1_700_000_000_000;
const base: MilestoneObservation = {
  name: 'erp.created',
  title: 'ERP sales order created',
  system: 'erp',
  slaMs: 1000,
  from: 'channel.accepted',
  start: { lower: T0, upper: T0 + 10, systemAt: T0 + 5 },
  found: true,
  lastNegativeAt: T0 + 400,
  firstPositiveAt: T0 + 500,
  systemAt: T0 + 455,
  requests: 4,
  scope: { channel: 'b2b', warehouse: 'WH-EAST', system: 'erp' },
  skewToleranceMs: 100,
};

const cases: Array<{ name: string; obs: Partial<MilestoneObservation>; expect: { status: string; lower?: number | null; upper?: number | null; latency?: number | null; cls?: string; reason?: RegExp; skew?: boolean } }> = [
  { name: 'observed inside the SLA is met with bounds', obs: {}, expect: { status: 'met', lower: 390, upper: 500, latency: 445 } },
  { name: 'lower bound past the SLA is late', obs: { lastNegativeAt: T0 + 1200, firstPositiveAt: T0 + 1300, systemAt: T0 + 1250 }, expect: { status: 'late', lower: 1190, upper: 1300, cls: 'business', reason: /took 1\.2 s .*SLA 1\.0 s/ } },
  { name: 'bounds straddling the SLA: the estimate decides (met)', obs: { lastNegativeAt: T0 + 800, firstPositiveAt: T0 + 1100, systemAt: T0 + 900 }, expect: { status: 'met', lower: 790, upper: 1100, latency: 945 } },
  { name: 'bounds straddling the SLA: the estimate decides without system timestamps (late)', obs: { lastNegativeAt: T0 + 950, firstPositiveAt: T0 + 1300, systemAt: null }, expect: { status: 'late', lower: 940, upper: 1300 } },
  { name: 'bounds straddling the SLA: plausible system timestamps decide (met)', obs: { lastNegativeAt: T0 + 100, firstPositiveAt: T0 + 2100, systemAt: T0 + 5 + 300 }, expect: { status: 'met', lower: 90, upper: 2100, latency: 1095 } },
  { name: 'bounds straddling the SLA: plausible system timestamps decide (late)', obs: { lastNegativeAt: T0 + 100, firstPositiveAt: T0 + 1500, systemAt: T0 + 5 + 1200 }, expect: { status: 'late', lower: 90, upper: 1500 } },
  { name: 'no negative observation: lower bound is zero', obs: { lastNegativeAt: null }, expect: { status: 'met', lower: 0, upper: 500 } },
  { name: 'never observed is missing, business by default', obs: { found: false, firstPositiveAt: null, waitedMs: 2000 }, expect: { status: 'missing', latency: null, cls: 'business', reason: /ERP sales order created never observed for channel b2b, warehouse WH-EAST within 2\.0 s/ } },
  {
    name: 'missing with an upstream diagnosis takes its class and reason',
    obs: { found: false, firstPositiveAt: null, diagnosis: { class: 'data', reason: "middleware DLQ holds it with 'unknown UoM CS12X'", scope: { system: 'middleware' } } },
    expect: { status: 'missing', cls: 'data', reason: /DLQ holds it/ },
  },
  { name: 'missing while most answers were quick stays a business finding, whatever one slow answer took', obs: { found: false, firstPositiveAt: null, fastestRequestMs: 40, waitedMs: 2000 }, expect: { status: 'missing', cls: 'business', reason: /never observed/ } },
  { name: 'missing while every answer took longer than half the SLA is a transport finding', obs: { found: false, firstPositiveAt: null, fastestRequestMs: 3000 }, expect: { status: 'missing', cls: 'transport', reason: /erp took at least 3\.0 s to answer every request/ } },
  { name: 'late with slow answers is a transport finding', obs: { lastNegativeAt: T0 + 1200, firstPositiveAt: T0 + 1300, systemAt: T0 + 1250, fastestRequestMs: 900 }, expect: { status: 'late', cls: 'transport', reason: /erp took at least 900 ms to answer every request/ } },
  { name: 'could not observe is error with the error class', obs: { found: false, firstPositiveAt: null, error: { class: 'transport', reason: 'erp GET /api/sales-orders: no answer within 10000 ms' } }, expect: { status: 'error', cls: 'transport', reason: /no answer/ } },
  { name: 'data mismatch is an error of class data', obs: { mismatches: [{ field: 'lines.uom', expected: 'CS12', actual: 'EA', message: "SKU-1002 unit of measure 'EA' instead of 'CS12'" }] }, expect: { status: 'error', cls: 'data', reason: /does not match what was placed: SKU-1002 unit of measure/ } },
  { name: 'a mismatch may carry its own class', obs: { mismatches: [{ field: 'orderNumber', expected: 1, actual: 2, class: 'business', message: 'duplicate' }] }, expect: { status: 'error', cls: 'business' } },
  { name: 'breaking drift in the response fails as data', obs: { responseProblems: [{ code: 'drift.breaking', message: 'required property externalReference missing', breaking: true, pointer: '/items/0' }] }, expect: { status: 'error', cls: 'data', reason: /\/items\/0: required property/ } },
  { name: 'compatible drift is only a warning', obs: { responseProblems: [{ code: 'drift.compatible', message: 'new optional field', breaking: false }] }, expect: { status: 'met' } },
  { name: 'system latency far outside the bounds flags clock skew', obs: { systemAt: T0 + 5 + 3000 }, expect: { status: 'met', skew: true } },
  { name: 'system latency inside the tolerance is plausible', obs: { systemAt: T0 + 5 + 520 }, expect: { status: 'met', skew: false } },
  { name: 'not reached names the upstream milestone', obs: { found: false, notReached: { because: 'ERP sales order created is missing', class: 'data' } }, expect: { status: 'missing', cls: 'data', reason: /^not reached: ERP sales order created is missing/ } },
  { name: 'the SLA start itself has zero latency', obs: { from: undefined, start: null }, expect: { status: 'met', lower: 0, upper: 0, latency: 0 } },
];

for (const c of cases) {
  test(`evaluateMilestone: ${c.name}`, () => {
    const r = evaluateMilestone({ ...base, ...c.obs });
    assert.equal(r.status, c.expect.status);
    if ('lower' in c.expect) assert.equal(r.latencyLowerMs, c.expect.lower);
    if ('upper' in c.expect) assert.equal(r.latencyUpperMs, c.expect.upper);
    if ('latency' in c.expect) assert.equal(r.latencyMs, c.expect.latency);
    if (c.expect.cls) assert.equal(r.failure?.class, c.expect.cls);
    else if (c.expect.status === 'met') assert.equal(r.failure, undefined);
    if (c.expect.reason) assert.match(r.failure?.reason ?? '', c.expect.reason);
    if (c.expect.skew !== undefined) assert.equal(r.clockSkewSuspected === true, c.expect.skew);
    assert.equal(r.slaMs, 1000);
    assert.equal(r.requests, 4);
    if (r.failure) assert.ok(r.failure.scope?.system, 'a failure names its system');
  });
}

test('evaluateMilestone: the true time always lies inside the reported bounds', () => {
  // Random start and event times, observed by polls before and after: truth within [lower, upper].
  for (let i = 0; i < 500; i++) {
    const s = T0 + Math.random() * 100;
    const s0 = s - Math.random() * 20;
    const s1 = s + Math.random() * 20;
    const e = s + Math.random() * 2000;
    const neg = e - Math.random() * 200;
    const pos = e + Math.random() * 200;
    const r = evaluateMilestone({ ...base, start: { lower: s0, upper: s1 }, lastNegativeAt: neg, firstPositiveAt: pos, systemAt: null });
    const truth = e - s;
    assert.ok(r.latencyLowerMs! <= truth && truth <= r.latencyUpperMs!, `${truth} in [${r.latencyLowerMs}, ${r.latencyUpperMs}]`);
  }
});

test('scenarioStatus: late is a warning, missing and error are critical, interruption without findings is unknown', () => {
  const m = (status: 'met' | 'late' | 'missing' | 'error') => ({ ...evaluateMilestone(base), status });
  const table: Array<[Array<'met' | 'late' | 'missing' | 'error'>, string, boolean?]> = [
    [['met', 'met'], 'ok'],
    [['met', 'late'], 'warning'],
    [['met', 'missing'], 'critical'],
    [['late', 'error'], 'critical'],
    [['met'], 'unknown', true],
    [['missing'], 'critical', true],
  ];
  for (const [statuses, expected, interrupted] of table) assert.equal(scenarioStatus({ milestones: statuses.map(m) }, interrupted), expected, statuses.join(','));
  assert.equal(scenarioStatus({ milestones: [m('met')], cleanup: { status: 'failed', actions: [] } }), 'warning');
});

test('pollingDelay: fast first, backing off, capped by maxMs and a tenth of the SLA', () => {
  const s = { ...DEFAULT_POLLING, initialMs: 100, factor: 2, maxMs: 5000 };
  assert.deepEqual([0, 1, 2, 3].map((a) => pollingDelay(a, s, 600_000)), [100, 200, 400, 800]);
  assert.equal(pollingDelay(20, s, 600_000), 5000);
  assert.equal(pollingDelay(20, s, 3000), 300);
  assert.equal(pollingDelay(0, s, 10), 100, 'never below the first interval');
  assert.equal(awaitWindowMs(1000, { ...s, graceFactor: 2, graceMs: 250 }), 2250);
});
