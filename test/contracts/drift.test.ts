import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchemaRegistry } from '../../src/contracts/schemas.ts';
import { driftProblems, driftStatus, driftVerdict, type DriftKind, type DriftVerdict } from '../../src/contracts/drift.ts';

const registry = SchemaRegistry.load();

const salesOrder = () => ({
  orderNumber: 'SO-100042',
  externalReference: 'SP-7f3a',
  correlationId: 'corr-1',
  channel: 'b2b',
  customer: 'SYNTHETIC-PROBE',
  status: 'released',
  createdAt: '2026-12-03T10:00:00.000Z',
  releasedAt: '2026-12-03T10:00:01.000Z',
  shippedAt: null,
  invoicedAt: null,
  lines: [{ lineNo: 1, item: 'SKU-1002', quantity: 24, uom: 'EA', warehouse: 'WH-EAST' }],
});
const onHand = () => ({ item: 'SKU-1001', warehouse: 'WH-WEST', onHand: 140, updatedAt: '2026-12-03T10:00:00.000Z' });
const wmsOrders = () => ({
  items: [
    {
      wmsOrderId: 'WO-1',
      erpOrderNumber: 'SO-100042',
      warehouse: 'WH-EAST',
      status: 'shipped',
      allocatedAt: '2026-12-03T10:00:02.000Z',
      shippedAt: '2026-12-03T10:00:03.000Z',
      asn: { asnNumber: 'ASN-1', sentAt: '2026-12-03T10:00:03.100Z', acknowledged: true },
      lines: [{ item: 'SKU-1002', quantity: 24, uom: 'EA' }],
    },
  ],
});
const availability = () => ({ sku: 'SKU-1001', warehouses: [{ warehouse: 'WH-EAST', available: 12, updatedAt: '2026-12-03T10:00:00.000Z' }] });
const notifications = () => ({
  items: [{ id: 'N-1', type: 'order_shipped', recipient: 'probe@example.invalid', orderRef: 'SP-7f3a', correlationId: 'corr-1', sentAt: '2026-12-03T10:00:04.000Z' }],
});

function edit<T>(base: T, change: (x: T) => void): T {
  change(base);
  return base;
}

interface Case {
  name: string;
  schema: string;
  payload: unknown;
  verdict: DriftVerdict;
  /** Kinds expected among the findings, with the pointer of each. */
  expect: [DriftKind, string][];
}

const cases: Case[] = [
  // breaking
  { name: 'required field removed', schema: 'erp.sales-order', payload: edit(salesOrder(), (o: any) => delete o.externalReference), verdict: 'breaking', expect: [['required-removed', '/externalReference']] },
  { name: 'required field renamed (shared name part)', schema: 'erp.sales-order', payload: edit(salesOrder(), (o: any) => { o.customerReference = o.externalReference; delete o.externalReference; }), verdict: 'breaking', expect: [['renamed', '/externalReference']] },
  { name: 'required field renamed (only missing, only new)', schema: 'erp.on-hand', payload: edit(onHand(), (o: any) => { o.sku = o.item; delete o.item; }), verdict: 'breaking', expect: [['renamed', '/item']] },
  { name: 'integer quantity became a decimal string', schema: 'erp.sales-order', payload: edit(salesOrder(), (o) => { (o.lines[0] as any).quantity = '24.000'; }), verdict: 'breaking', expect: [['type-changed', '/lines/0/quantity']] },
  { name: 'integer on-hand became a decimal', schema: 'erp.on-hand', payload: edit(onHand(), (o) => { o.onHand = 140.5; }), verdict: 'breaking', expect: [['type-changed', '/onHand']] },
  { name: 'required string became null', schema: 'erp.sales-order', payload: edit(salesOrder(), (o: any) => { o.customer = null; }), verdict: 'breaking', expect: [['type-changed', '/customer']] },
  { name: 'list wrapper became a bare array', schema: 'erp.sales-order-list', payload: [salesOrder()], verdict: 'breaking', expect: [['type-changed', '']] },
  { name: 'ERP status value replaced (released -> in_fulfillment)', schema: 'erp.sales-order', payload: edit(salesOrder(), (o) => { o.status = 'in_fulfillment'; }), verdict: 'breaking', expect: [['enum-value-removed', '/status']] },
  { name: 'unknown unit of measure code', schema: 'erp.sales-order', payload: edit(salesOrder(), (o) => { o.lines[0]!.uom = 'CS12X'; }), verdict: 'breaking', expect: [['enum-value-removed', '/lines/0/uom']] },
  { name: 'unknown warehouse code', schema: 'erp.on-hand', payload: edit(onHand(), (o) => { o.warehouse = 'EAST'; }), verdict: 'breaking', expect: [['enum-value-removed', '/warehouse']] },
  { name: 'timestamp became epoch milliseconds', schema: 'erp.on-hand', payload: edit(onHand(), (o: any) => { o.updatedAt = 1796292000000; }), verdict: 'breaking', expect: [['type-changed', '/updatedAt']] },
  { name: 'timestamp format changed', schema: 'erp.on-hand', payload: edit(onHand(), (o) => { o.updatedAt = '03/12/2026 10:00'; }), verdict: 'breaking', expect: [['format-changed', '/updatedAt']] },
  { name: 'nested required field removed in an array item', schema: 'wms.order-list', payload: edit(wmsOrders(), (o: any) => { delete o.items[0].asn.acknowledged; }), verdict: 'breaking', expect: [['required-removed', '/items/0/asn/acknowledged']] },
  { name: 'boolean became a string', schema: 'wms.order-list', payload: edit(wmsOrders(), (o: any) => { o.items[0].asn.acknowledged = 'yes'; }), verdict: 'breaking', expect: [['type-changed', '/items/0/asn/acknowledged']] },
  { name: 'line number below its minimum', schema: 'erp.sales-order', payload: edit(salesOrder(), (o) => { o.lines[0]!.lineNo = 0; }), verdict: 'breaking', expect: [['constraint-violated', '/lines/0/lineNo']] },
  { name: 'rename next to a compatible new field', schema: 'erp.sales-order', payload: edit(salesOrder(), (o: any) => { o.customerReference = o.externalReference; delete o.externalReference; o.salesChannel = 'b2b'; }), verdict: 'breaking', expect: [['renamed', '/externalReference'], ['new-field', '/salesChannel']] },
  // compatible
  { name: 'new optional field at the top', schema: 'erp.sales-order', payload: edit(salesOrder(), (o: any) => { o.salesChannel = 'b2b'; }), verdict: 'compatible', expect: [['new-field', '/salesChannel']] },
  { name: 'new field in every order line', schema: 'erp.sales-order', payload: edit(salesOrder(), (o: any) => { o.lines[0].lotNumber = 'L1'; }), verdict: 'compatible', expect: [['new-field', '/lines/0/lotNumber']] },
  { name: 'new object-valued field', schema: 'erp.on-hand', payload: edit(onHand(), (o: any) => { o.reserved = { quantity: 2 }; }), verdict: 'compatible', expect: [['new-field', '/reserved']] },
  { name: 'new WMS order status value', schema: 'wms.order-list', payload: edit(wmsOrders(), (o: any) => { o.items[0].status = 'staged'; }), verdict: 'compatible', expect: [['new-enum-value', '/items/0/status']] },
  { name: 'new notification type', schema: 'notifications.list', payload: edit(notifications(), (o: any) => { o.items[0].type = 'order_delivered'; }), verdict: 'compatible', expect: [['new-enum-value', '/items/0/type']] },
  { name: 'new field and new enum value together', schema: 'notifications.list', payload: edit(notifications(), (o: any) => { o.items[0].type = 'order_delivered'; o.items[0].channel = 'email'; }), verdict: 'compatible', expect: [['new-enum-value', '/items/0/type'], ['new-field', '/items/0/channel']] },
  { name: 'new field in availability rows', schema: 'storefront.availability', payload: edit(availability(), (o: any) => { o.warehouses[0].incoming = 4; }), verdict: 'compatible', expect: [['new-field', '/warehouses/0/incoming']] },
  { name: 'optional field dropped (not required)', schema: 'erp.sales-order', payload: edit(salesOrder(), (o: any) => { delete o.invoicedAt; }), verdict: 'none', expect: [] },
  { name: 'nullable timestamp set to null', schema: 'wms.order-list', payload: edit(wmsOrders(), (o: any) => { o.items[0].shippedAt = null; o.items[0].asn = null; }), verdict: 'none', expect: [] },
  { name: 'valid payload', schema: 'erp.sales-order', payload: salesOrder(), verdict: 'none', expect: [] },
];

test('the drift table has at least 20 drifted payloads, compatible ones included', () => {
  const drifted = cases.filter((c) => c.verdict !== 'none');
  assert.ok(drifted.length >= 20, `only ${drifted.length} drifted payloads`);
  assert.ok(cases.filter((c) => c.verdict === 'compatible').length >= 6);
});

for (const c of cases) {
  test(`drift: ${c.name} -> ${c.verdict}`, () => {
    const findings = registry.validate(c.schema, c.payload);
    assert.equal(driftVerdict(findings), c.verdict, JSON.stringify(findings, null, 2));
    for (const [kind, pointer] of c.expect) {
      assert.ok(
        findings.some((f) => f.kind === kind && f.pointer === pointer),
        `expected ${kind} at ${pointer}, got ${JSON.stringify(findings.map((f) => [f.kind, f.pointer]))}`,
      );
    }
    if (c.verdict !== 'breaking') assert.equal(findings.filter((f) => f.classification === 'breaking').length, 0, 'false breaking');
  });
}

test('drift status: breaking is critical, compatible a warning, none ok', () => {
  assert.equal(driftStatus(registry.validate('erp.on-hand', edit(onHand(), (o: any) => delete o.onHand))), 'critical');
  assert.equal(driftStatus(registry.validate('erp.on-hand', edit(onHand(), (o: any) => { o.bin = 'A1'; }))), 'warning');
  assert.equal(driftStatus(registry.validate('erp.on-hand', onHand())), 'ok');
});

test('a renamed field is reported once, not also as a new field', () => {
  const findings = registry.validate('erp.sales-order', edit(salesOrder(), (o: any) => { o.customerReference = o.externalReference; delete o.externalReference; }));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.renamedTo, 'customerReference');
});

test('drift problems collapse array indices and name the payload and pointer', () => {
  const list = { items: [salesOrder(), salesOrder(), salesOrder()].map((o) => ({ ...o, lines: o.lines.map((l) => ({ ...l, quantity: '24.000' })) })) };
  const problems = driftProblems(registry.validate('erp.sales-order-list', list), 'erp GET /api/sales-orders');
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.code, 'drift.breaking');
  assert.match(problems[0]!.message, /^erp GET \/api\/sales-orders \/items\/0\/lines\/0\/quantity: type changed: expected number, got string "24.000" \(and 2 more like it\)$/);
});

test('routes map operations to schemas; unknown schema ids are a usage error', () => {
  assert.equal(registry.schemaFor('erp', 'GET', '/api/sales-orders/SO-1'), 'erp.sales-order');
  assert.equal(registry.schemaFor('erp', 'get', '/api/sales-orders?externalReference=SP-1'), 'erp.sales-order-list');
  assert.equal(registry.schemaFor('wms', 'POST', '/api/adjustments/ADJ-1/reverse'), 'wms.adjustment');
  assert.equal(registry.schemaFor('erp', 'DELETE', '/api/sales-orders/SO-1'), undefined);
  assert.deepEqual(registry.validateResponse('erp', 'GET', '/api/inventory/on-hand?item=SKU-1001&warehouse=WH-WEST', onHand()), { schemaId: 'erp.on-hand', findings: [] });
  assert.throws(() => registry.validate('erp.nope', {}), (err: Error) => err.name === 'UsageError' && /unknown schema 'erp.nope'/.test(err.message));
});

test('every route schema exists and every schema compiles', () => {
  assert.ok(registry.ids().length >= 20);
  for (const r of registry.routes()) assert.ok(registry.ids().includes(r.schema), r.schema);
});
