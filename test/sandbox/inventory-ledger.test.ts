import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../sandbox/index.ts';
import { Api, events, fastSandbox, uniqueRef, waitFor } from './support.ts';

/** The ERP's stock ledger (postings with the balance after each) and the inventory unit-conversion fault. */
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

async function adjust(wh: string, qty: number, cid: string) {
  const r = await api.post(`${sb.services.wms}/api/adjustments`, { warehouse: wh, item: 'SKU-1001', quantity: qty, reason: 'receipt', reference: uniqueRef('ADJ') }, { headers: { 'x-correlation-id': cid } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await waitFor(`ERP posting of ${cid}`, () => events(sb, cid).includes('erp.onHandUpdated'));
  return r.body;
}
const postings = async (query: string) => (await api.get(`${sb.services.erp}/api/inventory/transactions?${query}`)).body.items as Array<Record<string, unknown>>;
const onHand = async (wh: string) => (await api.get(`${sb.services.erp}/api/inventory/on-hand?item=SKU-1001&warehouse=${wh}`)).body.onHand as number;

test('each posting carries the on-hand right after it; the ledger of one item and warehouse lists postings from a time on, in order', async () => {
  const start = await onHand('WH-WEST');
  await adjust('WH-WEST', 7, 'ledger-1');
  const [first] = await postings('correlationId=ledger-1');
  assert.equal(first!.onHandAfter, start + 7);
  await adjust('WH-EAST', 2, 'ledger-other-warehouse');
  await adjust('WH-WEST', -3, 'ledger-2');
  const ledger = await postings(`item=SKU-1001&warehouse=WH-WEST&since=${encodeURIComponent(String(first!.postedAt))}`);
  assert.deepEqual(ledger.map((t) => [t.correlationId, t.quantity, t.onHandAfter]), [
    ['ledger-1', 7, start + 7],
    ['ledger-2', -3, start + 4],
  ]);
  assert.equal(await onHand('WH-WEST'), start + 4);
  const bad = await api.get(`${sb.services.erp}/api/inventory/transactions?item=SKU-1001&since=yesterday`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /since: 'yesterday' is not an ISO-8601 time/);
});

test('middleware.inventoryUom: the ERP posts 12 times the adjusted quantity; cleared, postings match again', async () => {
  const start = await onHand('WH-CENTRAL');
  sb.faults.set('middleware.inventoryUom');
  await adjust('WH-CENTRAL', 2, 'uom-1');
  const [tx] = await postings('correlationId=uom-1');
  assert.equal(tx!.quantity, 24);
  assert.equal(await onHand('WH-CENTRAL'), start + 24);
  const wms = (await api.get(`${sb.services.wms}/api/adjustments?correlationId=uom-1`)).body.items[0];
  assert.equal(wms.quantity, 2, 'the WMS keeps what was counted');
  sb.faults.clear('middleware.inventoryUom');
  await adjust('WH-CENTRAL', -24, 'uom-2');
  assert.equal((await postings('correlationId=uom-2'))[0]!.quantity, -24);
  assert.equal(await onHand('WH-CENTRAL'), start);
});
