import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandLookup, normalize } from '../../src/http/records.ts';
import { retryAfterMs } from '../../src/http/budget.ts';

test('normalize: field map, typed fields, renamed values and lines', () => {
  const body = {
    items: [{ orderNumber: 'SO-1', customerReference: 'SP-X', status: 'in_fulfillment', createdAt: '2026-01-01T00:00:00.250Z', lines: [{ item: 'SKU-1002', quantity: '0.500', uom: 'CS12' }] }],
  };
  const [r] = normalize(body, {
    items: 'items',
    fields: { orderNumber: 'orderNumber', reference: 'customerReference', status: { path: 'status', map: { in_fulfillment: 'released' } }, createdAt: { path: 'createdAt', type: 'time' } },
    lines: { path: 'lines', fields: { sku: 'item', quantity: { path: 'quantity', type: 'number' }, uom: 'uom' } },
  });
  assert.equal(r!.reference, 'SP-X');
  assert.equal(r!.status, 'released');
  assert.equal(r!.createdAt, Date.parse('2026-01-01T00:00:00.250Z'));
  assert.deepEqual(r!.lines!.map(({ raw: _raw, ...l }) => l), [{ sku: 'SKU-1002', quantity: 0.5, uom: 'CS12' }]);
  assert.deepEqual(normalize({ items: null }, { items: 'items', fields: {} }), [], 'no array: no records');
  assert.equal(normalize({ a: { b: 1 } }, { fields: { x: 'a.b' } })[0]!.x, 1, 'single-record body with a dot path');
});

test('expandLookup: placeholders in path and query, missing query parameters dropped, missing path parameters reported', () => {
  assert.deepEqual(expandLookup({ path: '/api/orders/{id}', query: { ref: '{reference}', x: 'fixed', opt: '{nope}' } }, { id: 'A/B', reference: 'SP-1' }), {
    path: '/api/orders/A%2FB',
    query: { ref: 'SP-1', x: 'fixed' },
    missing: [],
  });
  assert.deepEqual(expandLookup({ path: '/api/sales-orders/{orderNumber}' }, {}).missing, ['orderNumber']);
});

test('retryAfterMs: seconds, HTTP dates, garbage', () => {
  assert.equal(retryAfterMs('2'), 2000);
  assert.equal(retryAfterMs('0.5'), 500);
  assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6000);
  assert.equal(retryAfterMs('soon'), undefined);
  assert.equal(retryAfterMs(undefined), undefined);
});
