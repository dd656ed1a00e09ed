import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPki, type Pki } from '../../sandbox/pki.ts';
import { EDI_FAULTS, startEdiGateway, type EdiGateway, type EdiOrder } from '../../sandbox/edi/index.ts';
import {
  build850,
  build997,
  checkAckText,
  checkAsnText,
  ControlNumbers,
  evaluateFileArrival,
  firstTransaction,
  parseX12,
  read810,
  read855,
  read997,
  readTA1,
  describeTA1,
  type PurchaseOrder,
} from '../../src/edi/index.ts';
import { httpsCall, startOrderIntake, until } from './support.ts';

let pki: Pki;
let tls: { keyPem: string; certPem: string };
before(async () => {
  pki = await createPki();
  tls = await pki.issueServerCert();
});
after(async () => {
  await pki.cleanup();
});

const PARTNER = 'SYNTHBUYER';
const buyerNumbers = new ControlNumbers({ interchange: 100, group: 100, transaction: 100 });
let poSeq = 0;
function order(extra: Partial<PurchaseOrder> = {}): PurchaseOrder {
  poSeq++;
  return {
    poNumber: `SP-EDI-${poSeq}`,
    buyer: 'SYNTHETIC-PROBE',
    shipFrom: 'EAST',
    correlationId: `corr-edi-${poSeq}-${process.pid}`,
    lines: [
      { sku: 'SKU-1001', quantity: 3, uom: 'EA', unitPrice: 4.5 },
      { sku: 'SKU-1002', quantity: 2, uom: 'CA', unitPrice: 30 },
    ],
    ...extra,
  };
}
function x850(po: PurchaseOrder) {
  return build850(po, { sender: { id: PARTNER }, receiver: { id: 'SANDBOXDIST' }, controlNumbers: buyerNumbers });
}

/** A gateway whose submitOrder is a real HTTPS call to a stand-in middleware intake. */
async function setup(t: { after(fn: () => unknown): void }, opts: { faults?: Record<string, string>; minuteMs?: number; refuse?: string } = {}) {
  const intake = await startOrderIntake(tls, () => (opts.refuse ? { accepted: false, reason: opts.refuse } : { accepted: true }));
  const faults = new Map(Object.entries(opts.faults ?? {}));
  const events: { correlationId: string; event: string }[] = [];
  const gw: EdiGateway = await startEdiGateway({
    tls,
    faults: { get: (n) => faults.get(n) },
    pollMs: 20,
    ...(opts.minuteMs ? { minuteMs: opts.minuteMs } : {}),
    onEvent: (e) => events.push(e),
    submitOrder: async (o: EdiOrder) => {
      const res = await httpsCall(intake.url, { ca: pki.caPem, method: 'POST', body: JSON.stringify(o), headers: { 'content-type': 'application/json', 'x-correlation-id': o.correlationId } });
      return res.status === 202 ? { accepted: true } : { accepted: false, reason: (JSON.parse(res.text) as { error: { message: string } }).error.message };
    },
  });
  t.after(async () => {
    await gw.stop();
    await intake.close();
  });
  return { gw, intake, faults, events };
}

async function post(gw: EdiGateway, body: string, headers: Record<string, string> = {}) {
  const res = await httpsCall(`${gw.url}/as2`, { ca: pki.caPem, method: 'POST', body, headers: { 'content-type': 'application/edi-x12', 'as2-from': PARTNER, 'as2-to': 'SANDBOXDIST', 'message-id': '<m1@test>', ...headers } });
  assert.equal(res.status, 200);
  return JSON.parse(res.text) as { disposition: string; mic: string; purchaseOrders: { correlationId: string; groupControlNumber: string; transactionControlNumber: string }[]; problems: { code: string; segment?: string; element?: number; message: string }[] };
}

async function mailbox(gw: EdiGateway, q: string) {
  const res = await httpsCall(`${gw.url}/mailbox/${PARTNER}?${q}`, { ca: pki.caPem });
  return (JSON.parse(res.text) as { documents: { id: string; type: string; correlationId: string; acknowledges?: { groupControlNumber: string; status: string }; fileName: string; createdAt: string; availableAt: string }[] }).documents;
}
async function fetchDoc(gw: EdiGateway, id: string): Promise<string> {
  const res = await httpsCall(`${gw.url}/mailbox/${PARTNER}/${id}`, { ca: pki.caPem });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/edi-x12');
  return res.text;
}
const waitFor = (gw: EdiGateway, type: string, correlationId: string) =>
  until(`${type} for ${correlationId}`, async () => (await mailbox(gw, `type=${type}&correlationId=${encodeURIComponent(correlationId)}`))[0]);

test('AS2: 850 in, MDN receipt, 997 accepted, order submitted, 855 on ERP creation, 856 and 810 on shipment', async (t) => {
  const { gw, intake, events } = await setup(t);
  const po = order();
  const built = x850(po);
  const receipt = await post(gw, built.text);
  assert.equal(receipt.disposition, 'automatic-action/MDN-sent-automatically; processed');
  assert.match(receipt.mic, /^[A-Za-z0-9+/=]+, sha-256$/);
  assert.deepEqual(receipt.purchaseOrders[0], { poNumber: po.poNumber, correlationId: po.correlationId, groupControlNumber: built.groupControlNumber, transactionControlNumber: built.transactionControlNumber });

  const ackEntry = await waitFor(gw, '997', po.correlationId!);
  assert.deepEqual(ackEntry.acknowledges, { groupControlNumber: built.groupControlNumber, transactionControlNumbers: [built.transactionControlNumber], status: 'A' });
  const ackText = await fetchDoc(gw, ackEntry.id);
  const ackDoc = checkAckText(ackText, { groupControlNumber: built.groupControlNumber, transactionControlNumber: built.transactionControlNumber });
  assert.equal(ackDoc.status, 'ok', JSON.stringify(ackDoc.problems));
  const ackIc = parseX12(ackText).interchange!;
  assert.equal(ackIc.senderId, 'SANDBOXDIST');
  assert.equal(ackIc.receiverId, PARTNER);
  assert.equal(ackIc.groups[0]!.functionalId, 'FA');

  // The order reached the middleware stand-in with sandbox units.
  await until('order submitted', () => intake.received.find((o) => o.correlationId === po.correlationId));
  assert.deepEqual(intake.received.find((o) => o.correlationId === po.correlationId), {
    poNumber: po.poNumber,
    buyer: 'SYNTHETIC-PROBE',
    warehouse: 'EAST',
    lines: [{ sku: 'SKU-1001', quantity: 3, uom: 'EA' }, { sku: 'SKU-1002', quantity: 2, uom: 'CS12' }],
    correlationId: po.correlationId,
    partner: PARTNER,
  });

  await gw.notifyOrderCreated({ correlationId: po.correlationId!, orderNumber: 'SO-100001' });
  const poAck = read855(firstTransaction(parseX12(await fetchDoc(gw, (await waitFor(gw, '855', po.correlationId!)).id)).interchange!)!.transaction);
  assert.equal(poAck.ackType, 'AC');
  assert.equal(poAck.orderNumber, 'SO-100001');
  assert.equal(poAck.poNumber, po.poNumber);
  assert.deepEqual(poAck.lines.map((l) => [l.sku, l.quantity, l.uom, l.status]), [['SKU-1001', 3, 'EA', 'IA'], ['SKU-1002', 2, 'CA', 'IA']]);

  await gw.notifyShipment({ correlationId: po.correlationId!, shipmentId: 'ASN-000001', warehouse: 'WH-EAST', lines: [{ sku: 'SKU-1001', quantity: 3, uom: 'EA' }, { sku: 'SKU-1002', quantity: 2, uom: 'CS12' }] });
  const asnText = await fetchDoc(gw, (await waitFor(gw, '856', po.correlationId!)).id);
  const totals = checkAsnText(asnText, po);
  assert.equal(totals.status, 'ok', JSON.stringify(totals.problems));
  const inv = read810(firstTransaction(parseX12(await fetchDoc(gw, (await waitFor(gw, '810', po.correlationId!)).id)).interchange!)!.transaction);
  assert.equal(inv.poNumber, po.poNumber);
  assert.equal(inv.totalCents, 3 * 450 + 2 * 3000);

  // Control numbers increase per document for the partner, and every document is also a file in its outbox.
  const all = await mailbox(gw, '');
  const icns = gw.mailbox().map((m) => Number(m.interchangeControlNumber));
  assert.deepEqual(all.map((d) => d.type), ['997', '855', '856', '810']);
  assert.deepEqual(icns, [1, 2, 3, 4]);
  const files = (await readdir(join(gw.outbox, PARTNER))).sort();
  assert.deepEqual(files, all.map((d) => d.fileName).sort());
  assert.deepEqual(
    events.filter((e) => e.correlationId === po.correlationId).map((e) => e.event),
    ['edi.received', 'channel.accepted', 'edi.ackSent', 'edi.poAckSent', 'edi.asnSent', 'edi.invoiceSent'],
  );
  assert.equal(gw.purchaseOrders({ correlationId: po.correlationId! })[0]!.status, 'shipped');
});

test('file drop: an 850 renamed into the inbox is processed, archived, and its 997 lands in the outbox', async (t) => {
  const { gw, intake } = await setup(t);
  const po = order();
  const tmp = join(gw.inbox, 'po.x12.tmp');
  await writeFile(tmp, x850(po).text);
  await rename(tmp, join(gw.inbox, 'po-1.x12'));
  const entry = await waitFor(gw, '997', po.correlationId!);
  const onDisk = await readFile(join(gw.outbox, PARTNER, entry.fileName), 'utf8');
  assert.equal(read997(firstTransaction(parseX12(onDisk).interchange!)!.transaction).status, 'A');
  await until('order submitted', () => intake.received.find((o) => o.correlationId === po.correlationId));
  assert.equal(gw.purchaseOrders({ correlationId: po.correlationId! })[0]!.channel, 'file');
  assert.deepEqual(await readdir(gw.inbox), []);
  assert.equal((await readdir(join(gw.dropDir, 'archive'))).length, 1);
});

test('file drop: a malformed file gets a receipt in failed/ naming the fault, and no 997', async (t) => {
  const { gw } = await setup(t);
  await writeFile(join(gw.inbox, 'broken.x12'), x850(order()).text.replace('SANDBOXDIST    ', 'SANDBOXDIST'));
  const name = await until('failed receipt', async () => (await readdir(join(gw.dropDir, 'failed')))[0]);
  const receipt = JSON.parse(await readFile(join(gw.dropDir, 'failed', name), 'utf8')) as { disposition: string; problems: { code: string; element: number }[] };
  assert.match(receipt.disposition, /processed\/error: unparsable-edi/);
  assert.equal(receipt.problems[0]!.code, 'x12.isaLength');
  assert.equal(receipt.problems[0]!.element, 8);
  assert.equal(gw.mailbox({ type: '997' }).length, 0);
});

test('fault edi.ackRejected: 997 with AK5 R / AK9 R naming the segment and element; the order is not submitted', async (t) => {
  const { gw, intake } = await setup(t, { faults: { 'edi.ackRejected': '' } });
  const po = order();
  const built = x850(po);
  await post(gw, built.text);
  const text = await fetchDoc(gw, (await waitFor(gw, '997', po.correlationId!)).id);
  assert.match(text, /AK3\*PO1\*6\*PO1\*8~AK4\*3\*355\*7\*EA~AK5\*R\*5~AK9\*R\*1\*1\*0~/);
  const doc = checkAckText(text, { groupControlNumber: built.groupControlNumber });
  assert.equal(doc.status, 'critical');
  assert.equal(doc.failure?.class, 'data');
  assert.equal(doc.problems[0]!.code, 'edi.ackRejected');
  assert.equal(doc.problems[0]!.segment, 'PO1');
  assert.equal(doc.problems[0]!.element, 3);
  assert.equal(intake.received.length, 0);
  assert.equal(gw.purchaseOrders({ correlationId: po.correlationId! })[0]!.status, 'rejected');
});

test('fault edi.ackRejected=BEG:3 names that segment and element instead', async (t) => {
  const { gw } = await setup(t, { faults: { 'edi.ackRejected': 'BEG:3' } });
  const po = order();
  await post(gw, x850(po).text);
  const doc = checkAckText(await fetchDoc(gw, (await waitFor(gw, '997', po.correlationId!)).id));
  assert.equal(doc.problems[0]!.segment, 'BEG');
  assert.equal(doc.problems[0]!.element, 3);
  assert.match(doc.problems[0]!.message, /BEG03/);
});

test('fault edi.noAck: the order goes on but no 997 is ever sent', async (t) => {
  const { gw, intake } = await setup(t, { faults: { 'edi.noAck': '' } });
  const po = order();
  await post(gw, x850(po).text);
  await until('order submitted', () => intake.received.find((o) => o.correlationId === po.correlationId));
  // Outbound documents leave in order: once the later 855 is in the mailbox, a 997 would be too.
  await gw.notifyOrderCreated({ correlationId: po.correlationId!, orderNumber: 'SO-1' });
  await waitFor(gw, '855', po.correlationId!);
  assert.deepEqual(await mailbox(gw, 'type=997'), []);
  const doc = checkAckText(undefined, { groupControlNumber: '1' });
  assert.equal(doc.status, 'critical');
  assert.equal(doc.problems[0]!.code, 'edi.noAck');
});

test('fault edi.asnTotalsMismatch: the 856 item quantity differs from what shipped and the control totals check says so', async (t) => {
  const { gw } = await setup(t, { faults: { 'edi.asnTotalsMismatch': '' } });
  const po = order();
  await post(gw, x850(po).text);
  await waitFor(gw, '997', po.correlationId!);
  await gw.notifyShipment({ correlationId: po.correlationId!, shipmentId: 'ASN-2' });
  const doc = checkAsnText(await fetchDoc(gw, (await waitFor(gw, '856', po.correlationId!)).id), po);
  assert.equal(doc.status, 'critical');
  assert.deepEqual(doc.problems.map((p) => p.code).sort(), ['edi.asnLineMismatch', 'edi.asnTotalsMismatch']);
  assert.match(doc.problems.find((p) => p.code === 'edi.asnLineMismatch')!.message, /ships 2 EA of SKU-1001, expected 3 EA/);
});

test('fault edi.lateFile=<minutes>: outbound documents land that many minutes late and the arrival window check flags it', async (t) => {
  const minuteMs = 50;
  const { gw, faults } = await setup(t, { faults: { 'edi.lateFile': '1' }, minuteMs });
  const po = order();
  const sentAt = Date.now();
  await post(gw, x850(po).text);
  assert.deepEqual(await mailbox(gw, 'type=997'), [], 'not there right after the receipt');
  const entry = await waitFor(gw, '997', po.correlationId!);
  assert.ok(Date.parse(entry.availableAt) - Date.parse(entry.createdAt) >= minuteMs, `${entry.createdAt} -> ${entry.availableAt}`);
  const files = (await readdir(join(gw.outbox, PARTNER))).map((name) => ({ name, mtimeMs: Date.parse(entry.availableAt), size: 1 }));
  const doc = evaluateFileArrival(
    { partner: PARTNER, folder: join(gw.outbox, PARTNER), pattern: '997_{partner}_*.x12', window: { from: new Date(sentAt - 1000).toISOString(), by: entry.createdAt } },
    files,
    new Date(),
  );
  assert.equal(doc.status, 'warning');
  assert.equal(doc.problems[0]!.code, 'edi.fileLate');
  faults.delete('edi.lateFile');
});

test('envelope faults: an SE count mismatch gets a 997 rejecting the set (AK5 code 4); an unknown unit gets AK3/AK4', async (t) => {
  const { gw, intake } = await setup(t);
  const a = order();
  const builtA = x850(a);
  const receiptA = await post(gw, builtA.text.replace(/SE\*(\d+)\*/, (_m, n) => `SE*${Number(n) + 2}*`));
  assert.equal(receiptA.problems[0]!.code, 'x12.seCount');
  const ackA = read997(firstTransaction(parseX12(await fetchDoc(gw, (await waitFor(gw, '997', a.correlationId!)).id)).interchange!)!.transaction);
  assert.equal(ackA.status, 'R');
  assert.deepEqual(ackA.transactions[0]!.codes, ['4']);

  const b = order({ lines: [{ sku: 'SKU-1001', quantity: 1, uom: 'BX' }] });
  await post(gw, x850(b).text);
  const doc = checkAckText(await fetchDoc(gw, (await waitFor(gw, '997', b.correlationId!)).id));
  assert.equal(doc.status, 'critical');
  assert.match(doc.problems[0]!.message, /PO103 \(data element 355\): invalid code value "BX"/);
  assert.equal(intake.received.length, 0);
});

test('a refusal by the middleware becomes an 855 with BAK02 RJ and the reason', async (t) => {
  const { gw } = await setup(t, { refuse: 'unknown customer SYNTHETIC-PROBE' });
  const po = order();
  await post(gw, x850(po).text);
  const ack = read855(firstTransaction(parseX12(await fetchDoc(gw, (await waitFor(gw, '855', po.correlationId!)).id)).interchange!)!.transaction);
  assert.equal(ack.ackType, 'RJ');
  assert.equal(ack.reason, 'unknown customer SYNTHETIC-PROBE');
  assert.ok(ack.lines.every((l) => l.status === 'IR'));
});

test('AS2 receipts for unusable input: bad envelope, sender mismatch; unknown routes answer 404 JSON', async (t) => {
  const { gw, intake } = await setup(t);
  const bad = await post(gw, 'this is not an interchange');
  assert.match(bad.disposition, /processed\/error: unparsable-edi/);
  assert.equal(bad.problems[0]!.code, 'x12.noIsa');
  const term = await post(gw, x850(order()).text.replace(/~(?=.)/g, (m, i: number) => (i === 105 ? m : '\n')));
  assert.equal(term.problems[0]!.code, 'x12.segmentTerminator');
  const spoof = await post(gw, x850(order()).text, { 'as2-from': 'SOMEONEELSE' });
  assert.match(spoof.disposition, /authentication-failed/);
  assert.equal(spoof.problems[0]!.code, 'as2.senderMismatch');
  const nf = await httpsCall(`${gw.url}/nope`, { ca: pki.caPem });
  assert.equal(nf.status, 404);
  assert.match(nf.text, /POST \/as2/);
  assert.equal(intake.received.length, 0);
  assert.equal(gw.mailbox().length, 0);
});

test('JSON clients: the interchange may be wrapped as {"interchange"}; the mailbox returns bodies with ?body=1', async (t) => {
  const { gw } = await setup(t);
  const po = order();
  const res = await httpsCall(`${gw.url}/as2`, { ca: pki.caPem, method: 'POST', body: JSON.stringify({ interchange: x850(po).text }), headers: { 'content-type': 'application/json', 'as2-from': PARTNER } });
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-correlation-id'], po.correlationId);
  await waitFor(gw, '997', po.correlationId!);
  const docs = await httpsCall(`${gw.url}/mailbox/${PARTNER}?type=997&body=1`, { ca: pki.caPem });
  const body = (JSON.parse(docs.text) as { documents: { body: string }[] }).documents[0]!.body;
  assert.equal(checkAckText(body).status, 'ok');
  const wrong = await httpsCall(`${gw.url}/as2`, { ca: pki.caPem, method: 'POST', body: JSON.stringify({ edi: 'x' }), headers: { 'content-type': 'application/json' } });
  assert.equal(wrong.status, 400);
  assert.match(wrong.text, /\{\\"interchange\\": \\"<X12 text>\\"\}/);
  const pos = await httpsCall(`${gw.url}/purchase-orders?correlationId=${po.correlationId}`, { ca: pki.caPem });
  assert.equal((JSON.parse(pos.text) as { items: { poNumber: string; status: string }[] }).items[0]!.poNumber, po.poNumber);
});

test('EDI_FAULTS parse values like the sandbox fault catalogue: bad values are refused with what is expected', () => {
  assert.deepEqual(EDI_FAULTS['edi.lateFile'].parse('5'), { ms: 300_000 });
  assert.throws(() => EDI_FAULTS['edi.lateFile'].parse('soon'), /expects a number of minutes/);
  assert.throws(() => EDI_FAULTS['edi.lateFile'].parse(undefined), /got no value/);
  assert.deepEqual(EDI_FAULTS['edi.ackRejected'].parse('PO1:2'), {});
  assert.throws(() => EDI_FAULTS['edi.ackRejected'].parse('po1'), /SEG or SEG:element/);
  assert.throws(() => EDI_FAULTS['edi.noAck'].parse('x'), /takes no value/);
  assert.deepEqual(EDI_FAULTS['edi.asnTotalsMismatch'].parse(undefined), {});
});

test('faults given as the sandbox FaultController gives them ({name, value?} objects) switch the gateway too', async (t) => {
  const gw = await startEdiGateway({
    tls,
    faults: { get: (n) => (n === 'edi.ackRejected' ? { name: n } : undefined) },
    submitOrder: async () => ({ accepted: true }),
  });
  t.after(() => gw.stop());
  const po = order();
  await gw.receive(x850(po).text);
  const entry = await until('997', () => gw.mailbox({ type: '997' })[0]);
  assert.equal(entry.acknowledges?.status, 'R');
  assert.equal(gw.purchaseOrders()[0]!.status, 'rejected');
});

test("the partner's 997 for an 855 is recorded and never acknowledged in turn", async (t) => {
  const { gw } = await setup(t);
  const po = order();
  await post(gw, x850(po).text);
  await waitFor(gw, '997', po.correlationId!);
  await gw.notifyOrderCreated({ correlationId: po.correlationId!, orderNumber: 'SO-7' });
  await waitFor(gw, '855', po.correlationId!);
  const entry = gw.mailbox({ type: '855' })[0]!;
  const theirAck = build997(
    { functionalId: 'PR', groupControlNumber: entry.groupControlNumber, status: 'A', included: 1, received: 1, accepted: 1, codes: [], transactions: [{ type: '855', controlNumber: entry.transactionControlNumber, status: 'A', codes: [], errors: [] }] },
    { sender: { id: PARTNER }, receiver: { id: 'SANDBOXDIST' }, controlNumbers: buyerNumbers },
  );
  const receipt = await post(gw, theirAck.text);
  assert.match(receipt.disposition, /; processed$/);
  const acks = JSON.parse((await httpsCall(`${gw.url}/acks?partner=${PARTNER}`, { ca: pki.caPem })).text) as { items: { groupControlNumber: string; functionalId: string; status: string }[] };
  assert.deepEqual(acks.items.map((a) => [a.functionalId, a.groupControlNumber, a.status]), [['PR', entry.groupControlNumber, 'A']]);
  // Documents leave in order: once a later 856 is in the mailbox, a 997 in answer would be too.
  await gw.notifyShipment({ correlationId: po.correlationId!, shipmentId: 'ASN-7' });
  await waitFor(gw, '856', po.correlationId!);
  assert.equal(gw.mailbox({ type: '997' }).length, 1, 'only the 997 for the 850');
});

test('TA1: an interchange whose IEA02 differs from ISA13 is rejected at the envelope (TA1 R 001) to the sender; nothing in it is processed', async (t) => {
  const { gw, intake } = await setup(t);
  const po = order();
  const built = x850(po);
  const text = built.text.replace(/IEA\*1\*(\d{9})~$/, (_m, n: string) => `IEA*1*${String((Number(n) + 1) % 1e9).padStart(9, '0')}~`);
  assert.notEqual(text, built.text, 'the trailer was changed');
  const receipt = await post(gw, text);
  assert.equal(receipt.purchaseOrders.length, 0);
  const doc = await waitFor(gw, 'TA1', po.correlationId!);
  const ta1 = readTA1(await fetchDoc(gw, doc.id));
  assert.deepEqual(ta1.ack && { controlNumber: ta1.ack.controlNumber, status: ta1.ack.status, note: ta1.ack.note }, { controlNumber: built.interchangeControlNumber, status: 'R', note: '001' });
  assert.match(describeTA1(ta1.ack!), /TA1 R 001 \(the interchange control numbers in ISA13 and IEA02 do not match\)/);
  assert.equal(gw.mailbox({ type: '997' }).length, 0);
  assert.equal(intake.received.length, 0);
});

test('fault edi.envelopeRejected=008: a sound interchange is refused with TA1 R 008 instead of a 997; the transport receipt says processed with a warning', async (t) => {
  const { gw, intake } = await setup(t, { faults: { 'edi.envelopeRejected': '008' } });
  const po = order();
  const built = x850(po);
  const receipt = await post(gw, built.text);
  assert.match(receipt.disposition, /processed\/warning: interchange-rejected/);
  assert.equal(receipt.problems[0]!.code, 'x12.interchangeRejected');
  const doc = await waitFor(gw, 'TA1', po.correlationId!);
  const text = await fetchDoc(gw, doc.id);
  assert.equal(text.indexOf('~'), 105, 'a 106-character ISA');
  assert.match(text, new RegExp(`TA1\\*${built.interchangeControlNumber}\\*\\d{6}\\*\\d{4}\\*R\\*008~IEA\\*0\\*\\d{9}~$`));
  assert.equal(readTA1(text).ack?.note, '008');
  assert.equal(gw.mailbox({ type: '997' }).length, 0);
  assert.equal(intake.received.length, 0);
});

test('readTA1 names what is wrong with an acknowledgement it cannot read', () => {
  assert.deepEqual(readTA1('not x12').problems, ['not an X12 interchange: no ISA header of 106 characters']);
  const isa = 'ISA*00*          *00*          *ZZ*SANDBOXDIST    *ZZ*SYNTHPROBE     *261204*0907*U*00401*000000005*0*T*>~';
  assert.deepEqual(readTA1(`${isa}IEA*0*000000005~`).problems, ['the interchange holds no TA1 segment']);
  assert.deepEqual(readTA1(`${isa}TA1*12*261204*0915*X*6~IEA*0*000000005~`).problems, [
    'TA101 "12" is not a 9-digit interchange control number',
    'TA104 "X" is not A, E or R',
    'TA105 "6" is not a 3-digit note code',
  ]);
});
