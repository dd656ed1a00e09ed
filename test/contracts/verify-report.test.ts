import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpretVerification, describeInteraction, type VerifierJson, type PlannedInteraction } from '../../src/contracts/verify-report.ts';

const planned: PlannedInteraction[] = [
  { description: 'sales orders by external reference', states: ['a sales order exists'], method: 'GET', path: '/api/sales-orders' },
  { description: 'the middleware delivers a sales order', states: [], method: 'POST', path: '/api/sales-orders' },
  { description: 'the item list', states: [], method: 'GET', path: '/api/items' },
];

// As the Pact verifier reports the ERP 2.x release (trimmed).
const v2: VerifierJson = {
  result: false,
  errors: [
    {
      interaction: 'Verifying a pact between distribution-integration and erp Given a sales order exists - sales orders by external reference',
      mismatch: {
        type: 'mismatches',
        mismatches: [
          { type: 'BodyMismatch', path: '$.items[0]', expected: '["externalReference"]', actual: '["customerReference"]', mismatch: 'Actual map is missing the following keys: externalReference' },
          { type: 'BodyMismatch', path: '$.items[0].lines[0].quantity', expected: '2', actual: '"2.000"', mismatch: "Expected '2.000' (String) to be an integer" },
        ],
      },
    },
    {
      interaction: 'Verifying a pact between distribution-integration and erp - the middleware delivers a sales order',
      mismatch: { type: 'mismatches', mismatches: [{ type: 'StatusMismatch', expected: 201, actual: 400, mismatch: 'expected 201 but was 400' }] },
    },
  ],
  interactionResults: [
    { description: 'sales orders by external reference', result: 'Error' },
    { description: 'the middleware delivers a sales order', result: 'Error' },
    { description: 'the item list', result: 'OK' },
  ],
};

test('verification report: each failed interaction with request, path, expected and actual', () => {
  const providerErrors = new Map([['POST /api/sales-orders', 'HTTP 400 {"error":{"code":"invalid_request","message":"API v2: required field(s) missing: customerReference, salesChannel"}}']]);
  const r = interpretVerification(v2, planned, { providerErrors });
  assert.equal(r.status, 'critical');
  assert.deepEqual(r.interactions.map((i) => [i.description, i.result]), [
    ['sales orders by external reference', 'failed'],
    ['the middleware delivers a sales order', 'failed'],
    ['the item list', 'passed'],
  ]);
  assert.equal(r.problems.length, 2);
  assert.equal(
    r.problems[0]!.message,
    "sales orders by external reference (GET /api/sales-orders, given a sales order exists): body $.items[0]: expected [\"externalReference\"], actual [\"customerReference\"] (Actual map is missing the following keys: externalReference); body $.items[0].lines[0].quantity: expected 2, actual \"2.000\" (Expected '2.000' (String) to be an integer)",
  );
  assert.match(r.problems[1]!.message, /^the middleware delivers a sales order \(POST \/api\/sales-orders\): status: expected 201, actual 400 .*provider said: HTTP 400 .*salesChannel/);
  assert.equal(r.interactions[2]!.providerSaid, undefined);
});

test('verification report: all passing is ok; a failing pending interaction is a warning; a state error is shown', () => {
  assert.equal(interpretVerification({ result: true, errors: [], interactionResults: planned.map((p) => ({ description: p.description, result: 'OK' })) }, planned).status, 'ok');
  const pending = interpretVerification(
    { result: true, errors: [], pendingErrors: [{ interaction: 'x - the item list', mismatch: { mismatches: [{ type: 'BodyMismatch', path: '$', mismatch: 'm' }] } }] },
    planned,
  );
  assert.equal(pending.status, 'warning');
  assert.equal(pending.problems[0]!.code, 'contract.pending-mismatch');
  const state = interpretVerification(v2, planned, { stateErrors: new Map([['a sales order exists', 'admin answered HTTP 400: unknown state']]) });
  assert.match(describeInteraction(state.interactions[0]!), /provider state could not be set up: admin answered HTTP 400/);
});

test('verification report: verifier output that is not JSON still fails the check with its message', () => {
  const r = interpretVerification({ result: false, errors: [{ interaction: 'verification', mismatch: { message: 'Pact core crashed' } }] }, planned);
  assert.equal(r.status, 'critical');
  assert.ok(r.problems.some((p) => /Pact core crashed/.test(p.message)));
});
