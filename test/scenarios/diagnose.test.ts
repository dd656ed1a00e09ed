import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyReason } from '../../scenarios/lib/diagnose.ts';
import { compareLines } from '../../scenarios/lib/compare.ts';

test('classifyReason: middleware and connector reasons by failure class', () => {
  const table: Array<[string, string]> = [
    ["ERP answered 422 invalid_uom: lines[0].uom: 'CS12X' is not the stocking unit of SKU-1002 (CS12)", 'data'],
    ['ERP answered 422 decimal_quantity: lines[1].quantity 0.5 CS12: SKU-1002 is sold in whole case packs', 'data'],
    ['transformation: unknown warehouse code NORTH', 'data'],
    ['ERP answered 400 invalid_request: API v2: required field(s) missing: customerReference, salesChannel', 'data'],
    ["ERP refused the WH-EAST connector's token: 401 invalid_token: access token expired", 'application'],
    ['ERP answered 500 internal_error', 'application'],
    ['ERP unreachable: connect ECONNREFUSED 127.0.0.1:4443', 'transport'],
    ['certificate has expired', 'transport'],
    ['held for manual review', 'business'],
  ];
  for (const [reason, cls] of table) assert.equal(classifyReason(reason), cls, reason);
});

test('compareLines: item, quantity, unit and warehouse against what was placed', () => {
  const expected = [{ sku: 'SKU-1002', quantity: 0.5, uom: 'CS12', warehouse: 'WH-WEST' }];
  const line = (o: Record<string, unknown>) => ({ sku: 'SKU-1002', quantity: 0.5, uom: 'CS12', warehouse: 'WH-WEST', raw: {}, ...o });
  assert.deepEqual(compareLines(expected, [line({})], 'ERP'), []);
  assert.deepEqual(compareLines(expected, [line({ quantity: 6 })], 'ERP').map((m) => m.field), ['lines.quantity']);
  assert.deepEqual(compareLines(expected, [line({ uom: 'EA' })], 'ERP').map((m) => m.field), ['lines.uom']);
  assert.deepEqual(compareLines(expected, [line({ warehouse: 'WH-EAST' })], 'ERP').map((m) => m.field), ['lines.warehouse']);
  assert.deepEqual(compareLines(expected, [], 'ERP').map((m) => m.field), ['lines', 'lines.sku']);
  assert.match(compareLines(expected, [line({ warehouse: 'WH-EAST' })], 'ERP')[0]!.message, /ships from WH-EAST instead of WH-WEST/);
});
