import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../sandbox/index.ts';
import { WAREHOUSES } from '../../sandbox/catalog.ts';
import { Api, events, fastSandbox, uniqueRef, waitFor } from './support.ts';

let sb: Sandbox;
let api: Api;
before(async () => {
  sb = await fastSandbox();
  api = new Api(sb);
});
after(async () => {
  await api?.close();
  await sb?.stop();
});

const ORDER_EVENTS = ['channel.accepted', 'middleware.delivered', 'erp.created', 'erp.released', 'wms.allocated', 'wms.shipped', 'erp.shipmentConfirmed', 'notifications.confirmed', 'notifications.shipped'];

async function followOrderToShipment(correlationId: string, reference: string) {
  await waitFor(`every order milestone of ${correlationId}`, () => ORDER_EVENTS.every((e) => events(sb, correlationId).includes(e)));
  const { body: so } = await api.get(`${sb.services.erp}/api/sales-orders?externalReference=${encodeURIComponent(reference)}`);
  assert.equal(so.items.length, 1);
  const order = await waitFor('the ERP order to be invoiced', async () => {
    const r = await api.get(`${sb.services.erp}/api/sales-orders/${so.items[0].orderNumber}`);
    return r.body.status === 'invoiced' ? r.body : undefined;
  });
  for (const f of ['createdAt', 'releasedAt', 'shippedAt', 'invoicedAt']) assert.match(order[f], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, f);
  assert.equal(order.correlationId, correlationId);
  const { body: wms } = await api.get(`${sb.services.wms}/api/orders?erpOrderNumber=${order.orderNumber}`);
  assert.equal(wms.items[0].status, 'shipped');
  assert.equal(wms.items[0].asn.acknowledged, true);
  const { body: notes } = await api.get(`${sb.services.notifications}/api/notifications?correlationId=${correlationId}`);
  assert.deepEqual(notes.items.map((n: { type: string }) => n.type).sort(), ['order_confirmed', 'order_shipped']);
  const { body: msgs } = await api.get(`${sb.services.middleware}/messages?correlationId=${correlationId}`);
  assert.equal(msgs.messages[0].status, 'delivered');
  assert.equal(msgs.messages[0].erpOrderNumber, order.orderNumber);
  return order;
}

test('a storefront API order reaches middleware, ERP, WMS, shipment, notification and its status page', async () => {
  const po = uniqueRef('SF');
  const r = await api.post(`${sb.services.storefront}/api/orders`, { customer: 'ACME Retail', poNumber: po, warehouse: 'CENTRAL', lines: [{ sku: 'SKU-1001', quantity: 4, uom: 'EA' }] });
  assert.equal(r.status, 202);
  assert.equal(r.body.status, 'accepted');
  assert.equal(r.headers['x-correlation-id'], r.body.correlationId);
  const order = await followOrderToShipment(r.body.correlationId, po);
  assert.deepEqual(order.lines, [{ lineNo: 1, item: 'SKU-1001', quantity: 4, uom: 'EA', warehouse: 'WH-CENTRAL' }]);
  const sf = await waitFor('storefront status shipped', async () => {
    const s = await api.get(`${sb.services.storefront}/api/orders/${r.body.orderId}`);
    return s.body.status === 'shipped' ? s.body : undefined;
  });
  assert.equal(sf.erpOrderNumber, order.orderNumber);
  assert.ok(events(sb, r.body.correlationId).includes('storefront.statusUpdated'));
  const page = await api.get(`${sb.services.storefront}/orders/${r.body.orderId}`);
  assert.match(page.body, /data-testid="order-status">shipped</);
});

test('a B2B order in cases reaches the ERP in its stocking unit and ships', async () => {
  const po = uniqueRef('B2B');
  const cid = `b2b-${po}`;
  const r = await api.post(`${sb.services.middleware}/channels/b2b/orders`, { customer: 'Northwind Wholesale', poNumber: po, warehouse: 'EAST', lines: [{ sku: 'SKU-1002', quantity: 24, uom: 'EA' }] }, { headers: { 'x-correlation-id': cid } });
  assert.equal(r.status, 202);
  assert.equal(r.body.correlationId, cid);
  const order = await followOrderToShipment(cid, po);
  assert.equal(order.channel, 'b2b');
  assert.deepEqual(order.lines[0], { lineNo: 1, item: 'SKU-1002', quantity: 2, uom: 'CS12', warehouse: 'WH-EAST' });
  const { body: m } = await api.get(`${sb.services.middleware}/metrics`);
  assert.ok(m.byChannel.b2b.delivered >= 1);
});

test('a marketplace order with decimal quantities and its own SKU codes is mapped and ships', async () => {
  const ref = uniqueRef('MKP');
  const cid = `mkp-${ref}`;
  const r = await api.post(`${sb.services.middleware}/channels/marketplace/orders`, { buyer: 'SYNTHETIC-PROBE', marketplaceOrderId: ref, shipFrom: 'WEST', items: [{ msku: 'MKP-A1001', qty: 3.0 }, { msku: 'MKP-A1003', qty: 1.0 }] }, { headers: { 'x-correlation-id': cid } });
  assert.equal(r.status, 202);
  const order = await followOrderToShipment(cid, ref);
  assert.deepEqual(order.lines.map((l: { item: string; quantity: number; warehouse: string }) => [l.item, l.quantity, l.warehouse]), [['SKU-1001', 3, 'WH-WEST'], ['SKU-1003', 1, 'WH-WEST']]);
});

test('storefront pages escape what customers type', async () => {
  const r = await api.post(`${sb.services.storefront}/api/orders`, { customer: 'Bobby <b>Tables</b>', poNumber: 'SP-<script>alert(1)</script>', warehouse: 'EAST', lines: [{ sku: 'SKU-1003', quantity: 1 }] });
  assert.equal(r.status, 202);
  const page = await api.get(`${sb.services.storefront}/orders/${r.body.orderId}`);
  assert.match(page.body, /data-testid="order-po">SP-&lt;script&gt;alert\(1\)&lt;\/script&gt;</);
  assert.doesNotMatch(page.body, /<script>/);
  const bad = await api.post(`${sb.services.storefront}/api/orders`, { customer: 'X', poNumber: 'P', warehouse: 'NORTH', lines: [{ sku: 'SKU-1003', quantity: 1 }] });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /warehouse must be one of EAST, WEST, CENTRAL/);
});

test('a malformed channel order is refused at intake with the fields named', async () => {
  const r = await api.post(`${sb.services.middleware}/channels/marketplace/orders`, { buyer: 'X', items: [{ qty: 1 }] });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /marketplaceOrderId/);
  assert.match(r.body.error.message, /items\[0\]\.msku/);
  const unknown = await api.post(`${sb.services.middleware}/channels/fax/orders`, {});
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.error.message, /storefront, b2b, marketplace/);
});

test('a stock adjustment in each warehouse reaches ERP on-hand and storefront availability of that warehouse only', async () => {
  for (const wh of WAREHOUSES) {
    const before = await api.get(`${sb.services.storefront}/api/availability?sku=SKU-1003`);
    const onHandBefore = Object.fromEntries(await Promise.all(WAREHOUSES.map(async (w) => [w, (await api.get(`${sb.services.erp}/api/inventory/on-hand?item=SKU-1003&warehouse=${w}`)).body.onHand])));
    const cid = `adj-${wh}-${process.pid}`;
    const r = await api.post(`${sb.services.wms}/api/adjustments`, { warehouse: wh, item: 'SKU-1003', quantity: 7, reason: 'cycle_count', reference: uniqueRef('ADJ') }, { headers: { 'x-correlation-id': cid } });
    assert.equal(r.status, 201);
    await waitFor(`availability update for ${wh}`, () => events(sb, cid).includes('storefront.availabilityUpdated'));
    assert.deepEqual(events(sb, cid).filter((e) => e !== 'middleware.inventoryDelivered' && e !== 'erp.onHandUpdated'), ['wms.adjusted', 'storefront.availabilityUpdated']);
    for (const w of WAREHOUSES) {
      const oh = (await api.get(`${sb.services.erp}/api/inventory/on-hand?item=SKU-1003&warehouse=${w}`)).body.onHand;
      assert.equal(oh, onHandBefore[w] + (w === wh ? 7 : 0), `ERP on-hand ${w} after adjusting ${wh}`);
    }
    const after = await api.get(`${sb.services.storefront}/api/availability?sku=SKU-1003`);
    for (const [i, w] of after.body.warehouses.entries()) {
      assert.equal(w.available, before.body.warehouses[i].available + (w.warehouse === wh ? 7 : 0), `storefront availability ${w.warehouse} after adjusting ${wh}`);
    }
    const tx = await api.get(`${sb.services.erp}/api/inventory/transactions?correlationId=${cid}`);
    assert.equal(tx.body.items.length, 1);
    assert.equal(tx.body.items[0].warehouse, wh);
  }
});

test('synthetic records are listed until cancelled and reversed; reversal restores stock', async () => {
  const ref = uniqueRef('CLEAN');
  const cid = `clean-${ref}`;
  await api.post(`${sb.services.middleware}/channels/b2b/orders`, { customer: 'SYNTHETIC-PROBE', poNumber: ref, warehouse: 'WEST', lines: [{ sku: 'SKU-1001', quantity: 1, uom: 'EA' }] }, { headers: { 'x-correlation-id': cid } });
  const so = await waitFor('the ERP order', async () => (await api.get(`${sb.services.erp}/api/sales-orders?externalReference=${ref}`)).body.items[0]);
  const adj = await api.post(`${sb.services.wms}/api/adjustments`, { warehouse: 'WH-WEST', item: 'SKU-1001', quantity: -3, reason: 'cycle_count', reference: ref }, { headers: { 'x-correlation-id': cid } });
  await waitFor('adjustment on-hand', () => events(sb, cid).includes('erp.onHandUpdated'));
  const onHandMid = (await api.get(`${sb.services.erp}/api/inventory/on-hand?item=SKU-1001&warehouse=WH-WEST`)).body.onHand;
  let syn = (await api.get(`${sb.admin}/synthetic`)).body;
  assert.ok(syn.orders.some((o: { orderNumber: string }) => o.orderNumber === so.orderNumber));
  assert.ok(syn.adjustments.some((a: { adjustmentId: string }) => a.adjustmentId === adj.body.adjustmentId));

  const c = await api.post(`${sb.services.erp}/api/sales-orders/${so.orderNumber}/cancel`);
  assert.equal(c.status, 200);
  assert.equal(c.body.status, 'cancelled');
  const rev = await api.post(`${sb.services.wms}/api/adjustments/${adj.body.adjustmentId}/reverse`);
  assert.equal(rev.status, 201);
  assert.equal(rev.body.quantity, 3);
  assert.equal(rev.body.reverses, adj.body.adjustmentId);
  await waitFor('reversal reaches the ERP', () => sb.truth.events({ correlationId: cid, event: 'erp.onHandUpdated' }).length === 2);
  assert.ok(events(sb, cid).includes('wms.adjustmentReversed'));
  assert.ok(events(sb, cid).includes('erp.cancelled'));
  assert.equal((await api.get(`${sb.services.erp}/api/inventory/on-hand?item=SKU-1001&warehouse=WH-WEST`)).body.onHand, onHandMid + 3);
  syn = (await api.get(`${sb.admin}/synthetic`)).body;
  assert.ok(!syn.orders.some((o: { orderNumber: string }) => o.orderNumber === so.orderNumber));
  assert.ok(!syn.adjustments.some((a: { adjustmentId: string }) => a.adjustmentId === adj.body.adjustmentId));
  const again = await api.post(`${sb.services.wms}/api/adjustments/${adj.body.adjustmentId}/reverse`);
  assert.equal(again.status, 409);
});

test('admin: truth, latency and provider states answer; bad input names the field', async () => {
  const t = await api.get(`${sb.admin}/truth`);
  assert.equal(t.status, 400);
  const bad = await api.call('PUT', `${sb.admin}/latency`, { json: { hops: { 'erp.teleport': 5 } } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /erp\.teleport/);
  const ok = await api.call('PUT', `${sb.admin}/latency`, { json: { hops: { 'wms.ship': 6 } } });
  assert.equal(ok.body.hops['wms.ship'], 6);
  const st = await api.post(`${sb.admin}/provider-states`, { state: 'a sales order exists', params: { externalReference: 'SP-PACT-1' } });
  assert.equal(st.status, 201);
  const so = await api.get(`${sb.services.erp}/api/sales-orders?externalReference=SP-PACT-1`);
  assert.equal(so.body.items[0].orderNumber, st.body.orderNumber);
  const outbound = await api.post(`${sb.admin}/provider-states`, { state: 'an outbound order exists', params: { erpOrderNumber: 'SO-PACT-9' } });
  assert.equal(outbound.status, 201);
  const wo = await api.get(`${sb.services.wms}/api/orders?erpOrderNumber=SO-PACT-9`);
  assert.deepEqual(wo.body.items.map((o: { wmsOrderId: string; status: string }) => [o.wmsOrderId, o.status]), [[outbound.body.wmsOrderId, 'allocated']]);
  const noNumber = await api.post(`${sb.admin}/provider-states`, { state: 'an outbound order exists', params: {} });
  assert.equal(noNumber.status, 400);
  assert.match(noNumber.body.error.message, /params\.erpOrderNumber/);
  const sf = await api.post(`${sb.admin}/provider-states`, { state: 'a storefront order exists', params: { poNumber: 'SP-PACT-PO-9' } });
  assert.equal(sf.status, 201);
  const sfo = await api.get(`${sb.services.storefront}/api/orders/${sf.body.orderId}`);
  assert.equal(sfo.body.status, 'accepted');
  assert.equal(sfo.body.correlationId, sf.body.correlationId);
  const unknown = await api.post(`${sb.admin}/provider-states`, { state: 'the moon is full' });
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.error.message, /a sales order exists/);
  const clients = await api.get(`${sb.admin}/clients`);
  assert.ok(clients.body.clients.some((c: { clientId: string }) => c.clientId === 'wms-WH-CENTRAL'));
});

let latencyPo = '';
test('hop latency set at run time holds every transition back at least that long, per the ground truth', async () => {
  const r = await api.call('PUT', `${sb.admin}/latency`, { json: { hops: { 'erp.release': 120, 'wms.allocate': 60 } } });
  assert.equal(r.status, 200);
  try {
    const po = uniqueRef('LAT');
    latencyPo = po;
    await api.post(`${sb.services.middleware}/channels/b2b/orders`, { customer: 'X', poNumber: po, warehouse: 'WEST', lines: [{ sku: 'SKU-1003', quantity: 1, uom: 'EA' }] }, { headers: { 'x-correlation-id': `lat-${po}` } });
    await waitFor('allocation', () => events(sb, `lat-${po}`).includes('wms.allocated'));
    const at = (e: string) => sb.truth.firstAt(`lat-${po}`, e)!;
    assert.ok(at('erp.released') - at('erp.created') >= 120, `release ${at('erp.released') - at('erp.created')} ms after creation`);
    assert.ok(at('wms.allocated') - at('erp.released') >= 60, `allocation ${at('wms.allocated') - at('erp.released')} ms after release`);
    const truth = await api.get(`${sb.admin}/truth?correlationId=lat-${po}`);
    assert.deepEqual(truth.body.events.slice(0, 2).map((e: { event: string; system: string }) => [e.event, e.system]), [['channel.accepted', 'middleware'], ['erp.created', 'erp']]);
  } finally {
    await api.call('PUT', `${sb.admin}/latency`, { json: { hops: { 'erp.release': 5, 'wms.allocate': 5 } } });
  }
});

test('admin reset empties the records and the truth log', async () => {
  assert.ok(sb.truth.size() > 0);
  assert.equal((await api.get(`${sb.services.erp}/api/sales-orders?externalReference=${latencyPo}`)).body.items.length, 1);
  assert.equal((await api.post(`${sb.admin}/reset`)).status, 200);
  assert.equal(sb.truth.size(), 0);
  assert.deepEqual((await api.get(`${sb.services.erp}/api/sales-orders?externalReference=${latencyPo}`)).body.items, []);
  assert.equal((await api.get(`${sb.admin}/synthetic`)).body.count, 0);
  assert.equal((await api.get(`${sb.services.erp}/api/inventory/on-hand?item=SKU-1003&warehouse=WH-EAST`)).body.onHand, 500);
});
