import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import type { Sandbox } from '../../sandbox/index.ts';
import { requestClientCredentialsToken } from '../../sandbox/oauth.ts';
import { Api, events, fastSandbox, uniqueRef, waitFor } from './support.ts';

let sb: Sandbox;
let api: Api;
before(async () => {
  sb = await fastSandbox();
  api = new Api(sb);
});
afterEach(() => sb.faults.clear());
after(async () => {
  await api?.close();
  await sb?.stop();
});

const setFault = async (name: string, value?: string) => {
  const r = await api.call('PUT', `${sb.admin}/faults/${name}`, { json: value === undefined ? {} : { value } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
};
const clearFault = async (name: string) => assert.equal((await api.call('DELETE', `${sb.admin}/faults/${name}`)).status, 200);

async function b2bOrder(tag: string, extra: Record<string, unknown> = {}) {
  const po = uniqueRef(tag);
  const cid = `${tag}-${po}`;
  const r = await api.post(`${sb.services.middleware}/channels/b2b/orders`, { customer: 'SYNTHETIC-PROBE', poNumber: po, warehouse: 'EAST', lines: [{ sku: 'SKU-1001', quantity: 2, uom: 'EA' }], ...extra }, { headers: { 'x-correlation-id': cid } });
  assert.equal(r.status, 202);
  return { po, cid, messageId: r.body.messageId as string };
}
const message = async (cid: string) => (await api.get(`${sb.services.middleware}/messages?correlationId=${cid}`)).body.messages[0];
const settled = (cid: string) => waitFor(`middleware message of ${cid} to settle`, async () => {
  const m = await message(cid);
  return m && m.status !== 'queued' ? m : undefined;
});
const erpOrders = async (ref: string) => (await api.get(`${sb.services.erp}/api/sales-orders?externalReference=${ref}`)).body.items;
const metrics = async () => (await api.get(`${sb.services.middleware}/metrics`)).body;
async function adjust(wh: string, qty: number, cid: string) {
  const r = await api.post(`${sb.services.wms}/api/adjustments`, { warehouse: wh, item: 'SKU-1001', quantity: qty, reason: 'receipt', reference: uniqueRef('ADJ') }, { headers: { 'x-correlation-id': cid } });
  assert.equal(r.status, 201);
  return r.body;
}
const onHand = async (wh: string) => (await api.get(`${sb.services.erp}/api/inventory/on-hand?item=SKU-1001&warehouse=${wh}`)).body.onHand as number;

test('unknown faults and bad values are refused by the admin API with the list', async () => {
  const r = await api.call('PUT', `${sb.admin}/faults/erp.versoin`, { json: { value: 'v2' } });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /unknown fault 'erp.versoin'/);
  assert.match(r.body.error.message, /wms\.confirmationBacklog/);
  const v = await api.call('PUT', `${sb.admin}/faults/http.errors`, { json: { value: 'erp:7' } });
  assert.equal(v.status, 400);
  const list = await api.get(`${sb.admin}/faults`);
  assert.deepEqual(list.body.faults, []);
  assert.equal(list.body.valid.length, 22);
  for (const f of ['edi.ackRejected', 'edi.noAck', 'edi.asnTotalsMismatch', 'edi.lateFile']) assert.ok(list.body.valid.some((v: { name: string }) => v.name === f), `${f} listed`);
  const late = await api.call('PUT', `${sb.admin}/faults/edi.lateFile`, { json: { value: 'soon' } });
  assert.equal(late.status, 400);
  assert.match(late.body.error.message, /fault 'edi\.lateFile' expects a number of minutes/);
});

test('channel.drop: the channel accepts but never forwards; clearing restores delivery', async () => {
  await setFault('channel.drop', 'b2b');
  const dropped = await b2bOrder('DROP');
  assert.equal((await message(dropped.cid)).status, 'dropped');
  assert.equal((await metrics()).byChannel.b2b.dropped, 1);
  const mkp = await api.post(`${sb.services.middleware}/channels/marketplace/orders`, { buyer: 'SYNTHETIC-PROBE', marketplaceOrderId: uniqueRef('MKP'), shipFrom: 'WEST', items: [{ msku: 'MKP-A1001', qty: 1 }] }, { headers: { 'x-correlation-id': 'drop-other-channel' } });
  assert.equal(mkp.status, 202);
  assert.equal((await settled('drop-other-channel')).status, 'delivered', 'other channels go on');
  assert.deepEqual(await erpOrders(dropped.po), []);
  await clearFault('channel.drop');
  const ok = await b2bOrder('DROP');
  assert.equal((await settled(ok.cid)).status, 'delivered');
  assert.equal((await erpOrders(ok.po)).length, 1);
});

test('erp.version=v2: drifted representation, v1 requests refused and dead-lettered; replay after clearing succeeds', async () => {
  const before = await b2bOrder('V1');
  await settled(before.cid);
  await setFault('erp.version', 'v2');
  const v2 = (await api.get(`${sb.services.erp}/api/sales-orders?customerReference=${before.po}`)).body.items[0];
  assert.equal(v2.customerReference, before.po);
  assert.equal(v2.externalReference, undefined);
  assert.equal(typeof v2.lines[0].quantity, 'string');
  await waitFor('the order to be released', async () => (await api.get(`${sb.services.erp}/api/sales-orders/${v2.orderNumber}`)).body.releasedAt !== null);
  const status = (await api.get(`${sb.services.erp}/api/sales-orders/${v2.orderNumber}`)).body.status;
  assert.ok(['in_fulfillment', 'shipped', 'invoiced'].includes(status), `v2 status ${status}: 'released' is gone`);
  const post = await api.post(`${sb.services.erp}/api/sales-orders`, { externalReference: uniqueRef('V2'), channel: 'b2b', customer: 'X', lines: [{ item: 'SKU-1001', quantity: 1, uom: 'EA', warehouse: 'WH-EAST' }] });
  assert.equal(post.status, 400);
  assert.match(post.body.error.message, /salesChannel/);
  const failing = await b2bOrder('V2');
  const m = await settled(failing.cid);
  assert.equal(m.status, 'dead-lettered');
  assert.match(m.reason, /salesChannel/);
  await clearFault('erp.version');
  const replay = await api.post(`${sb.services.middleware}/dlq/${m.messageId}/replay`);
  assert.equal(replay.body.ok, true);
  assert.equal(replay.body.status, 'delivered');
  const mx = await metrics();
  assert.equal(mx.flows.order.replaySuccesses, mx.flows.order.replayCount);
  assert.ok(mx.flows.order.replayCount >= 1);
  assert.equal((await erpOrders(failing.po)).length, 1);
});

test('middleware.badUom: lines get CS12X, the message is dead-lettered as a transformation exception', async () => {
  const before = (await metrics()).flows.order.transformationExceptions;
  await setFault('middleware.badUom');
  const o = await b2bOrder('UOM');
  const m = await settled(o.cid);
  assert.equal(m.status, 'dead-lettered');
  assert.match(m.reason, /CS12X/);
  const mx = await metrics();
  assert.equal(mx.flows.order.dlqDepth >= 1, true);
  assert.equal((await api.get(`${sb.services.middleware}/dlq`)).body.messages.some((x: { messageId: string }) => x.messageId === m.messageId), true);
  await clearFault('middleware.badUom');
  const replay = await api.post(`${sb.services.middleware}/dlq/${m.messageId}/replay`);
  assert.equal(replay.body.status, 'delivered');
  assert.equal((await erpOrders(o.po))[0].lines[0].uom, 'EA');
  assert.ok((await metrics()).flows.order.transformationExceptions >= before);
});

test('erp.rejectDecimal: half a case from the marketplace is refused (422) and dead-lettered; accepted after clearing', async () => {
  await setFault('erp.rejectDecimal');
  const ref = uniqueRef('DEC');
  await api.post(`${sb.services.middleware}/channels/marketplace/orders`, { buyer: 'SYNTHETIC-PROBE', marketplaceOrderId: ref, shipFrom: 'WEST', items: [{ msku: 'MKP-A1002', qty: 6.0 }] }, { headers: { 'x-correlation-id': `dec-${ref}` } });
  const m = await settled(`dec-${ref}`);
  assert.equal(m.status, 'dead-lettered');
  assert.match(m.reason, /422 decimal_quantity/);
  await clearFault('erp.rejectDecimal');
  assert.equal((await api.post(`${sb.services.middleware}/dlq/${m.messageId}/replay`)).body.status, 'delivered');
  assert.equal((await erpOrders(ref))[0].lines[0].quantity, 0.5);
});

test('middleware.wrongWarehouse: orders go to that warehouse in ERP and WMS; clearing restores the mapping', async () => {
  await setFault('middleware.wrongWarehouse', 'WH-CENTRAL');
  const o = await b2bOrder('WRONGWH');
  await settled(o.cid);
  const so = (await erpOrders(o.po))[0];
  assert.equal(so.lines[0].warehouse, 'WH-CENTRAL');
  const wms = await waitFor('WMS order', async () => (await api.get(`${sb.services.wms}/api/orders?erpOrderNumber=${so.orderNumber}`)).body.items[0]);
  assert.equal(wms.warehouse, 'WH-CENTRAL');
  await clearFault('middleware.wrongWarehouse');
  const ok = await b2bOrder('WRONGWH');
  await settled(ok.cid);
  assert.equal((await erpOrders(ok.po))[0].lines[0].warehouse, 'WH-EAST');
});

test('erp.duplicateOrders: one delivery, two sales orders with the same reference', async () => {
  await setFault('erp.duplicateOrders');
  const o = await b2bOrder('DUP');
  await settled(o.cid);
  assert.equal((await erpOrders(o.po)).length, 2);
  await clearFault('erp.duplicateOrders');
  const ok = await b2bOrder('DUP');
  await settled(ok.cid);
  assert.equal((await erpOrders(ok.po)).length, 1);
});

test('wms.confirmationBacklog: shipped in the WMS, ASN held, ERP not shipped, backlog visible; clearing sends the ASN', async () => {
  await setFault('wms.confirmationBacklog');
  const o = await b2bOrder('ASN');
  await waitFor('WMS shipment', () => events(sb, o.cid).includes('wms.shipped'));
  const so = (await erpOrders(o.po))[0];
  const wms = (await api.get(`${sb.services.wms}/api/orders?erpOrderNumber=${so.orderNumber}`)).body.items[0];
  assert.equal(wms.status, 'shipped');
  assert.equal(wms.asn.acknowledged, false);
  assert.equal(wms.asn.sentAt, null);
  const backlog = (await api.get(`${sb.services.wms}/api/outbound/unacknowledged`)).body;
  assert.ok(backlog.items.some((x: { erpOrderNumber: string }) => x.erpOrderNumber === so.orderNumber));
  assert.ok((await metrics()).unacknowledgedOutbound >= 1);
  assert.equal((await api.get(`${sb.services.erp}/api/sales-orders/${so.orderNumber}`)).body.shippedAt, null);
  await clearFault('wms.confirmationBacklog');
  await waitFor('ERP shipment confirmation after clearing', () => events(sb, o.cid).includes('erp.shipmentConfirmed'));
  const after = (await api.get(`${sb.services.wms}/api/orders?erpOrderNumber=${so.orderNumber}`)).body.items[0];
  assert.equal(after.asn.acknowledged, true);
});

test('wms.tokenExpired: that warehouse stops updating ERP on-hand (401), the others go on; clearing restores', async () => {
  await setFault('wms.tokenExpired', 'WH-EAST');
  const east0 = await onHand('WH-EAST');
  const west0 = await onHand('WH-WEST');
  await adjust('WH-EAST', 5, 'tok-east');
  await adjust('WH-WEST', 5, 'tok-west');
  await waitFor('WEST on-hand', () => events(sb, 'tok-west').includes('erp.onHandUpdated'));
  const m = await settled('tok-east');
  assert.equal(m.status, 'dead-lettered');
  assert.match(m.reason, /WH-EAST connector's token: 401 invalid_token/);
  assert.equal(await onHand('WH-EAST'), east0);
  assert.equal(await onHand('WH-WEST'), west0 + 5);
  await clearFault('wms.tokenExpired');
  await adjust('WH-EAST', 2, 'tok-east-2');
  await waitFor('EAST on-hand after clearing', () => events(sb, 'tok-east-2').includes('erp.onHandUpdated'));
  assert.equal(await onHand('WH-EAST'), east0 + 2);
});

test('inventory.delay: that warehouse publishes at least the delay later; clearing restores', async () => {
  await setFault('inventory.delay', 'WH-CENTRAL:150');
  const adj = await adjust('WH-CENTRAL', 1, 'delay-central');
  await waitFor('delayed on-hand', () => events(sb, 'delay-central').includes('erp.onHandUpdated'));
  const posted = sb.truth.firstAt('delay-central', 'erp.onHandUpdated')!;
  assert.ok(posted - Date.parse(adj.adjustedAt) >= 150, `posted ${posted - Date.parse(adj.adjustedAt)} ms after the adjustment`);
  await clearFault('inventory.delay');
  await adjust('WH-CENTRAL', 1, 'delay-central-2');
  await waitFor('on-hand after clearing', () => events(sb, 'delay-central-2').includes('erp.onHandUpdated'));
});

test('erp.negativeInventory: an adjustment leaves on-hand negative; after clearing postings add up again', async () => {
  await setFault('erp.negativeInventory');
  await adjust('WH-WEST', 1, 'neg-1');
  await waitFor('on-hand', () => events(sb, 'neg-1').includes('erp.onHandUpdated'));
  const neg = await onHand('WH-WEST');
  assert.ok(neg < 0, `on-hand ${neg}`);
  await clearFault('erp.negativeInventory');
  await adjust('WH-WEST', 4, 'neg-2');
  await waitFor('on-hand', () => events(sb, 'neg-2').includes('erp.onHandUpdated'));
  assert.equal(await onHand('WH-WEST'), neg + 4);
});

test('http.errors: that share of the service requests answer 500; middleware retries through them', async () => {
  await setFault('http.errors', 'wms:1');
  const r = await api.get(`${sb.services.wms}/api/warehouses`);
  assert.equal(r.status, 500);
  assert.equal(r.body.error.code, 'internal_error');
  assert.equal((await api.get(`${sb.services.erp}/api/items`)).status, 200, 'other services unaffected');
  await setFault('http.errors', 'erp:0.5');
  const o = await b2bOrder('ERR');
  const m = await settled(o.cid);
  assert.equal(m.status, 'delivered');
  await clearFault('http.errors');
  assert.equal((await api.get(`${sb.services.wms}/api/warehouses`)).status, 200);
});

test('http.rateLimit: 429 with Retry-After; clearing restores', async () => {
  await setFault('http.rateLimit', 'notifications');
  const r = await api.get(`${sb.services.notifications}/api/notifications?orderRef=x`);
  assert.equal(r.status, 429);
  assert.equal(r.headers['retry-after'], '1');
  await clearFault('http.rateLimit');
  assert.equal((await api.get(`${sb.services.notifications}/api/notifications?orderRef=x`)).status, 200);
});

test('http.slow: responses of the service are delayed by at least the value', async () => {
  await setFault('http.slow', 'storefront:120');
  const t0 = Date.now();
  const r = await api.get(`${sb.services.storefront}/api/availability?sku=SKU-1001`);
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t0 >= 120);
  await clearFault('http.slow');
  assert.deepEqual(sb.faults.list(), []);
});

function peerCertDays(url: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port), ca: sb.caPem, servername: 'localhost' }, () => {
      const c = s.getPeerCertificate();
      s.end();
      resolve((Date.parse(c.valid_to) - Date.now()) / 86_400_000);
    });
    s.on('error', reject);
  });
}

test('tls.expiresInDays: services present certificates expiring in n days; clearing restores long-lived ones', async () => {
  assert.ok((await peerCertDays(sb.services.erp)) > 300);
  await setFault('tls.expiresInDays', '3');
  const days = await waitFor('a short-lived certificate', async () => {
    const d = await peerCertDays(sb.services.erp);
    return d < 10 ? d : undefined;
  });
  assert.ok(days > 2 && days <= 3, `${days} days`);
  await clearFault('tls.expiresInDays');
  await waitFor('a long-lived certificate again', async () => (await peerCertDays(sb.services.erp)) > 300);
});

test('after a signing-key rotation old tokens are refused, new ones accepted, and the flows go on', async () => {
  const c = sb.clients.find((x) => x.clientId === 'syncprobe-probe')!;
  const token = async () => (await requestClientCredentialsToken({ tokenEndpoint: sb.oauth.tokenEndpoint, clientId: c.clientId, clientSecret: c.clientSecret, resource: sb.oauth.resource, scope: 'erp:read', caPem: sb.caPem })).access_token;
  const items = (bearer: string) => api.get(`${sb.services.erp}/api/items`, { bearer });
  const old = await token();
  assert.equal((await items(old)).status, 200);
  assert.equal((await api.post(`${sb.admin}/oauth/rotate-keys`, {})).status, 200);
  assert.equal((await items(await token())).status, 200);
  // The ERP caches the issuer's key set for a moment; then the old key is gone from it.
  const refused = await waitFor('the old token to be refused', async () => {
    const r = await items(old);
    return r.status === 401 ? r : undefined;
  });
  assert.match(String(refused.headers['www-authenticate']), /unknown-key|bad-signature/);
  const o = await b2bOrder('ROT');
  assert.equal((await settled(o.cid)).status, 'delivered');
  await adjust('WH-EAST', 1, 'rot-adj');
  await waitFor('inventory after rotation', () => events(sb, 'rot-adj').includes('erp.onHandUpdated'));
});
