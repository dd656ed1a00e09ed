import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/core/errors.ts';
import { FaultController, parseFaultSpec } from '../../sandbox/faults.ts';
import { transformOrder, intakeProblems, TransformationError } from '../../sandbox/middleware/transform.ts';
import { parseCreateRequest, renderSalesOrder, RequestProblem, type SalesOrder } from '../../sandbox/erp/versions.ts';
import { validateLatency } from '../../sandbox/latency.ts';
import { TruthLog } from '../../sandbox/truth.ts';
import { DEFAULT_MARKER, isSynthetic, type Marker } from '../../sandbox/context.ts';

test('fault specs: valid ones parse to their scope and figures', () => {
  const table: Array<[string, Record<string, unknown>]> = [
    ['channel.drop=b2b', { name: 'channel.drop', scope: 'b2b' }],
    ['inventory.delay=WH-EAST:250', { name: 'inventory.delay', scope: 'WH-EAST', ms: 250 }],
    ['erp.version=v2', { name: 'erp.version', scope: 'v2' }],
    ['wms.tokenExpired=WH-WEST', { name: 'wms.tokenExpired', scope: 'WH-WEST' }],
    ['middleware.badUom', { name: 'middleware.badUom' }],
    ['erp.rejectDecimal', { name: 'erp.rejectDecimal' }],
    ['middleware.wrongWarehouse=WH-CENTRAL', { name: 'middleware.wrongWarehouse', scope: 'WH-CENTRAL' }],
    ['erp.duplicateOrders', { name: 'erp.duplicateOrders' }],
    ['wms.confirmationBacklog', { name: 'wms.confirmationBacklog' }],
    ['erp.negativeInventory', { name: 'erp.negativeInventory' }],
    ['http.errors=erp:0.25', { name: 'http.errors', scope: 'erp', rate: 0.25 }],
    ['http.rateLimit=wms', { name: 'http.rateLimit', scope: 'wms' }],
    ['http.slow=notifications:40', { name: 'http.slow', scope: 'notifications', ms: 40 }],
    ['tls.expiresInDays=-2', { name: 'tls.expiresInDays', days: -2 }],
  ];
  for (const [spec, want] of table) {
    const f = parseFaultSpec(spec);
    for (const [k, v] of Object.entries(want)) assert.equal((f as unknown as Record<string, unknown>)[k], v, `${spec}: ${k}`);
  }
});

test('fault specs: unknown names and bad values are usage errors that list the valid faults', () => {
  const bad = ['erp.verson=v2', 'erp.version=v3', 'channel.drop=fax', 'inventory.delay=WH-EAST', 'inventory.delay=WH-NORTH:10', 'http.errors=erp:1.5', 'http.slow=erp:-1', 'http.rateLimit=oauth', 'middleware.badUom=yes', 'tls.expiresInDays=soon', 'wms.tokenExpired'];
  for (const spec of bad) {
    assert.throws(
      () => parseFaultSpec(spec),
      (err: unknown) => err instanceof UsageError && err.describe().includes('valid faults') && err.describe().includes('http.slow=<service>:<ms>'),
      spec,
    );
  }
});

test('fault controller: scoped faults hold several scopes, clear switches every scope off', () => {
  const f = new FaultController(['channel.drop=b2b', 'channel.drop=marketplace', 'erp.version=v2']);
  assert.ok(f.has('channel.drop', 'b2b') && f.has('channel.drop', 'marketplace'));
  assert.ok(!f.has('channel.drop', 'storefront'));
  f.set('erp.version', 'v1');
  assert.equal(f.get('erp.version')?.scope, 'v1');
  assert.equal(f.list().filter((x) => x.name === 'erp.version').length, 1);
  const seen: string[] = [];
  f.onChange((n) => seen.push(n));
  f.clear('channel.drop');
  assert.ok(!f.has('channel.drop'));
  assert.deepEqual(seen, ['channel.drop']);
  f.clear();
  assert.equal(f.list().length, 0);
  assert.throws(() => f.clear('nope'), UsageError);
});

test('transformation: SKU mapping, unit conversion to the stocking unit, warehouse mapping', () => {
  const table: Array<{ channel: 'b2b' | 'marketplace' | 'storefront'; body: Record<string, unknown>; opts?: Parameters<typeof transformOrder>[2]; lines: Array<[string, number, string, string]> }> = [
    { channel: 'b2b', body: { customer: 'C', poNumber: 'P', warehouse: 'EAST', lines: [{ sku: 'SKU-1002', quantity: 2, uom: 'CS12' }] }, lines: [['SKU-1002', 2, 'CS12', 'WH-EAST']] },
    { channel: 'b2b', body: { customer: 'C', poNumber: 'P', warehouse: 'WEST', lines: [{ sku: 'SKU-1002', quantity: 24, uom: 'EA' }] }, lines: [['SKU-1002', 2, 'CS12', 'WH-WEST']] },
    { channel: 'storefront', body: { customer: 'C', poNumber: 'P', warehouse: 'CENTRAL', lines: [{ sku: 'SKU-1001', quantity: 3 }] }, lines: [['SKU-1001', 3, 'EA', 'WH-CENTRAL']] },
    { channel: 'marketplace', body: { buyer: 'B', marketplaceOrderId: 'M1', shipFrom: 'WEST', items: [{ msku: 'MKP-A1001', qty: 3.0 }, { msku: 'MKP-A1002', qty: 6 }] }, lines: [['SKU-1001', 3, 'EA', 'WH-WEST'], ['SKU-1002', 0.5, 'CS12', 'WH-WEST']] },
    { channel: 'b2b', body: { customer: 'C', poNumber: 'P', warehouse: 'EAST', lines: [{ sku: 'SKU-1001', quantity: 1, uom: 'EA' }] }, opts: { wrongWarehouse: 'WH-CENTRAL' }, lines: [['SKU-1001', 1, 'EA', 'WH-CENTRAL']] },
    { channel: 'b2b', body: { customer: 'C', poNumber: 'P', warehouse: 'EAST', lines: [{ sku: 'SKU-1001', quantity: 1, uom: 'EA' }] }, opts: { badUom: true }, lines: [['SKU-1001', 1, 'CS12X', 'WH-EAST']] },
  ];
  for (const row of table) {
    const d = transformOrder(row.channel, row.body, row.opts);
    assert.deepEqual(d.lines.map((l) => [l.item, l.quantity, l.uom, l.warehouse]), row.lines, JSON.stringify(row.body));
  }
  assert.equal(transformOrder('marketplace', { buyer: 'B', marketplaceOrderId: 'M9', shipFrom: 'EAST', items: [{ msku: 'MKP-A1003', qty: 1 }] }).externalReference, 'M9');
});

test('transformation: what cannot be mapped is a transformation exception naming the line', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ buyer: 'B', marketplaceOrderId: 'M', shipFrom: 'WEST', items: [{ msku: 'MKP-ZZZ', qty: 1 }] }, /items\[0\].*MKP-ZZZ/],
    [{ buyer: 'B', marketplaceOrderId: 'M', shipFrom: 'NORTH', items: [{ msku: 'MKP-A1001', qty: 1 }] }, /warehouse code 'NORTH'/],
  ];
  for (const [body, re] of cases) assert.throws(() => transformOrder('marketplace', body), (e: unknown) => e instanceof TransformationError && re.test((e as Error).message));
  assert.throws(() => transformOrder('b2b', { customer: 'C', poNumber: 'P', warehouse: 'EAST', lines: [{ sku: 'SKU-1001', quantity: 1, uom: 'PAL' }] }), /unknown unit of measure 'PAL'/);
  assert.deepEqual(intakeProblems('b2b', { customer: 'C', warehouse: 'EAST', lines: [] }), ["field 'poNumber' is required (a non-empty string)", "field 'lines' is required (a non-empty array of {sku, quantity, uom})"]);
});

const order: SalesOrder = {
  orderNumber: 'SO-1',
  externalReference: 'SP-9',
  correlationId: 'c',
  channel: 'b2b',
  customer: 'X',
  status: 'released',
  createdAt: 0,
  releasedAt: 1000,
  shippedAt: null,
  invoicedAt: null,
  cancelledAt: null,
  asnNumber: null,
  lines: [{ lineNo: 1, item: 'SKU-1002', quantity: 2, uom: 'CS12', warehouse: 'WH-EAST' }],
};

test('ERP v1 and v2 representations differ exactly by the documented drift', () => {
  const v1 = renderSalesOrder(order, 'v1');
  const v2 = renderSalesOrder(order, 'v2');
  assert.equal(v1.externalReference, 'SP-9');
  assert.equal(v1.status, 'released');
  assert.equal((v1.lines as Array<{ quantity: unknown }>)[0]!.quantity, 2);
  assert.equal(v2.customerReference, 'SP-9');
  assert.equal('externalReference' in v2, false);
  assert.equal(v2.status, 'in_fulfillment');
  assert.equal((v2.lines as Array<{ quantity: unknown }>)[0]!.quantity, '2.000');
  assert.equal(v2.releasedAt, '1970-01-01T00:00:01.000Z');
});

test('ERP create requests: v2 requires salesChannel, business rules answer 422', () => {
  const v1Body = { externalReference: 'R', channel: 'b2b', customer: 'C', lines: [{ item: 'SKU-1001', quantity: 2, uom: 'EA', warehouse: 'WH-EAST' }] };
  assert.equal(parseCreateRequest(v1Body, 'v1').externalReference, 'R');
  const table: Array<[unknown, 'v1' | 'v2', { rejectDecimal?: boolean }, number, RegExp]> = [
    [v1Body, 'v2', {}, 400, /salesChannel/],
    [{ ...v1Body, lines: [{ ...v1Body.lines[0], uom: 'CS12X' }] }, 'v1', {}, 422, /CS12X/],
    [{ ...v1Body, lines: [{ ...v1Body.lines[0], warehouse: 'EAST' }] }, 'v1', {}, 422, /warehouse/],
    [{ ...v1Body, lines: [{ item: 'SKU-1002', quantity: 0.5, uom: 'CS12', warehouse: 'WH-EAST' }] }, 'v1', { rejectDecimal: true }, 422, /whole CS12|case packs/],
    [{ ...v1Body, lines: [] }, 'v1', {}, 400, /lines/],
  ];
  for (const [body, v, o, status, re] of table) {
    assert.throws(() => parseCreateRequest(body, v, o), (e: unknown) => e instanceof RequestProblem && e.status === status && re.test(e.message), `${v} ${JSON.stringify(body)}`);
  }
  const v2 = parseCreateRequest({ customerReference: 'R2', salesChannel: 'marketplace', customer: 'C', lines: [{ item: 'SKU-1002', quantity: '0.500', uom: 'CS12', warehouse: 'WH-WEST' }] }, 'v2');
  assert.equal(v2.lines[0]!.quantity, 0.5);
  assert.equal(v2.channel, 'marketplace');
});

test('latency settings are validated with the field named', () => {
  const base = { defaultMs: 1000, hops: {}, jitter: 0 };
  assert.deepEqual(validateLatency({ defaultMs: 5, hops: { 'wms.ship': 50 } }, base), { defaultMs: 5, hops: { 'wms.ship': 50 }, jitter: 0 });
  assert.throws(() => validateLatency({ hops: { 'wms.fly': 1 } }, base), /unknown hop 'wms.fly'/);
  assert.throws(() => validateLatency({ defaultMs: -1 }, base), /defaultMs/);
  assert.throws(() => validateLatency({ jitter: 2 }, base), /jitter/);
});

test('truth log keeps events per correlation id in time order', () => {
  const t = new TruthLog();
  t.record('a', 'erp.created', 'erp', 'SO-1', 2000);
  t.record('a', 'channel.accepted', 'storefront', 'SF-1', 1000);
  t.record('b', 'wms.adjusted', 'wms', 'ADJ-1', 1500);
  assert.deepEqual(t.events({ correlationId: 'a' }).map((e) => e.event), ['channel.accepted', 'erp.created']);
  assert.equal(t.events({ correlationId: 'a' })[0]!.at, '1970-01-01T00:00:01.000Z');
  assert.equal(t.firstAt('b', 'wms.adjusted'), 1500);
  assert.equal(t.events({ event: 'wms.adjusted' }).length, 1);
  assert.equal(t.size(), 3);
});

test('synthetic marker: the marker customer or the reference prefix, both configurable', () => {
  const table: Array<[Marker, string | undefined, string[], boolean]> = [
    [DEFAULT_MARKER, 'SYNTHETIC-PROBE', ['PO-1'], true],
    [DEFAULT_MARKER, 'ACME', ['SP-123'], true],
    [DEFAULT_MARKER, 'ACME', ['PO-1'], false],
    [DEFAULT_MARKER, undefined, ['XSP-1'], false],
    [{ customer: 'QA-BOT', prefix: 'QA-' }, 'ACME', ['QA-9'], true],
    [{ customer: 'QA-BOT', prefix: 'QA-' }, 'SYNTHETIC-PROBE', ['SP-1'], false],
  ];
  for (const [marker, customer, refs, want] of table) assert.equal(isSynthetic(marker, customer, ...refs), want, JSON.stringify([marker, customer, refs]));
});
