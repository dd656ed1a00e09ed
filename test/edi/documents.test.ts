import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  acknowledge,
  build810,
  build850,
  build855,
  build856,
  build997,
  ControlNumbers,
  describeSegmentError,
  firstTransaction,
  parseX12,
  read810,
  read850,
  read855,
  read856,
  read997,
  type Envelope,
  type PurchaseOrder,
  type Transaction,
} from '../../src/edi/index.ts';

const at = new Date('2026-12-03T08:15:00Z');
function env(start = 1): Envelope {
  return { sender: { id: 'SYNTHBUYER' }, receiver: { id: 'SANDBOXDIST' }, controlNumbers: new ControlNumbers({ interchange: start, group: start, transaction: start }), at };
}
function only(text: string): Transaction {
  const r = parseX12(text);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  return firstTransaction(r.interchange!)!.transaction;
}

const po: PurchaseOrder = {
  poNumber: 'SP-PO-1',
  buyer: 'SYNTHETIC-PROBE',
  buyerName: 'Synthetic Probe',
  shipFrom: 'EAST',
  correlationId: 'corr-123',
  lines: [
    { sku: 'SKU-1001', quantity: 3, uom: 'EA', unitPrice: 4.5 },
    { sku: 'SKU-1002', quantity: 2, uom: 'CA' },
  ],
};

test('ControlNumbers increase per document and wrap at the field maximum', () => {
  const c = new ControlNumbers({ interchange: 999_999_998, transaction: 9_999 });
  assert.deepEqual([c.nextInterchange(), c.nextInterchange(), c.nextInterchange()], [999_999_998, 999_999_999, 1]);
  assert.deepEqual([c.nextTransaction(), c.nextTransaction()], ['9999', '0001']);
  assert.deepEqual([c.nextGroup(), c.nextGroup()], [1, 2]);
  assert.throws(() => new ControlNumbers({ group: 0 }), /positive integer/);
});

test('850 round trip: builder output reads back as the same order, with envelopes and control numbers', () => {
  const built = build850(po, env(41));
  assert.equal(built.interchangeControlNumber, '000000041');
  assert.equal(built.groupControlNumber, '41');
  assert.equal(built.transactionControlNumber, '0041');
  assert.match(built.text, /^ISA\*.{101}~GS\*PO\*/);
  assert.match(built.text, /\*000000041\*1\*T\*>~/, 'ISA14 asks for an acknowledgement');
  const r = read850(only(built.text));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.order, {
    poNumber: 'SP-PO-1',
    poDate: '20261203',
    buyer: 'SYNTHETIC-PROBE',
    buyerName: 'Synthetic Probe',
    shipFrom: 'EAST',
    correlationId: 'corr-123',
    lines: [
      { lineNo: 1, sku: 'SKU-1001', quantity: 3, uom: 'EA', unitPrice: 4.5 },
      { lineNo: 2, sku: 'SKU-1002', quantity: 2, uom: 'CA' },
    ],
  });
  assert.match(built.text, /CTT\*2\*5~/);
});

const bad850: { name: string; edit: (t: string) => string; segment: string; element?: number; elementCode?: string; segmentCode: string }[] = [
  { name: 'non-numeric quantity', edit: (t) => t.replace('PO1*1*3*EA', 'PO1*1*3X*EA'), segment: 'PO1', element: 2, elementCode: '6', segmentCode: '8' },
  { name: 'unknown unit of measure', edit: (t) => t.replace('PO1*2*2*CA', 'PO1*2*2*CS'), segment: 'PO1', element: 3, elementCode: '7', segmentCode: '8' },
  { name: 'missing product id', edit: (t) => t.replace('VP*SKU-1001', 'VP'), segment: 'PO1', element: 7, elementCode: '1', segmentCode: '8' },
  { name: 'empty PO number', edit: (t) => t.replace('BEG*00*SA*SP-PO-1', 'BEG*00*SA*'), segment: 'BEG', element: 3, elementCode: '1', segmentCode: '8' },
];
for (const c of bad850) {
  test(`850 validation: ${c.name} is an AK3/AK4 error naming the segment and element`, () => {
    const text = build850(po, env()).text;
    const edited = c.edit(text);
    // Editing a segment's length does not change the segment count, so only the body is at fault.
    const r = read850(only(edited));
    assert.equal(r.order, undefined);
    const e = r.errors[0]!;
    assert.equal(e.segment, c.segment);
    assert.equal(e.segmentCode, c.segmentCode);
    assert.equal(e.element, c.element);
    assert.equal(e.elementCode, c.elementCode);
    assert.ok(e.position >= 2);
  });
}

test('997 accepted: AK1/AK2/AK5/AK9 round trip', () => {
  const inbound = parseX12(build850(po, env(5)).text);
  const ack = acknowledge(inbound, (t) => read850(t).errors);
  assert.ok(ack.acks);
  const built = build997(ack.acks[0]!, env(90));
  assert.match(built.text, /GS\*FA\*/);
  assert.match(built.text, /ST\*997\*0090~AK1\*PO\*5~AK2\*850\*0005~AK5\*A~AK9\*A\*1\*1\*1~SE\*6\*0090~/);
  const back = read997(only(built.text));
  assert.deepEqual(back, { functionalId: 'PO', groupControlNumber: '5', status: 'A', included: 1, received: 1, accepted: 1, codes: [], transactions: [{ type: '850', controlNumber: '0005', status: 'A', codes: [], errors: [] }] });
});

test('997 rejected: AK3 names the segment and position, AK4 the element, AK5 R and AK9 R', () => {
  const text = build850(po, env(6)).text.replace('PO1*2*2*CA', 'PO1*2*2*ZZ');
  const ack = acknowledge(parseX12(text), (t) => read850(t).errors);
  const built = build997(ack.acks![0]!, env(91));
  assert.match(built.text, /AK2\*850\*0006~AK3\*PO1\*7\*PO1\*8~AK4\*3\*355\*7\*ZZ~AK5\*R\*5~AK9\*R\*1\*1\*0~/);
  const back = read997(only(built.text));
  assert.equal(back.status, 'R');
  const t = back.transactions[0]!;
  assert.equal(t.status, 'R');
  assert.deepEqual(t.codes, ['5']);
  assert.deepEqual({ ...t.errors[0], message: undefined }, { segment: 'PO1', position: 7, loopId: 'PO1', segmentCode: '8', element: 3, elementRef: '355', elementCode: '7', badValue: 'ZZ', message: undefined });
  assert.equal(describeSegmentError(t.errors[0]!), 'segment PO1 at position 7, element PO103 (data element 355): invalid code value "ZZ"');
});

const envelopeFaults: { name: string; edit: (t: string) => string; ak5?: string[]; ak9: string[] }[] = [
  { name: 'SE01 count', edit: (t) => t.replace(/SE\*(\d+)\*0007/, (_m, n) => `SE*${Number(n) + 1}*0007`), ak5: ['4'], ak9: [] },
  { name: 'SE02 control number', edit: (t) => t.replace(/SE\*(\d+)\*0007/, 'SE*$1*0008'), ak5: ['3'], ak9: [] },
  { name: 'GE02 control number', edit: (t) => t.replace('GE*1*7', 'GE*1*9'), ak9: ['4'] },
  { name: 'GE01 count', edit: (t) => t.replace('GE*1*7', 'GE*2*7'), ak9: ['5'] },
];
for (const c of envelopeFaults) {
  test(`997 for an envelope fault (${c.name}): AK5/AK9 codes and a rejected group`, () => {
    const ack = acknowledge(parseX12(c.edit(build850(po, env(7)).text)), (t) => read850(t).errors);
    const fa = ack.acks![0]!;
    assert.equal(fa.status, 'R');
    assert.equal(fa.accepted, 0);
    assert.deepEqual(fa.codes, c.ak9);
    if (c.ak5) assert.deepEqual(fa.transactions[0]!.codes, c.ak5);
    assert.equal(fa.transactions[0]!.status, 'R');
  });
}

test('an interchange fault (IEA, ISA, terminator) cannot be answered by a 997: the problems come back instead', () => {
  const a = acknowledge(parseX12(build850(po, env(8)).text.replace('IEA*1*000000008', 'IEA*1*000000009')));
  assert.equal(a.acks, undefined);
  assert.ok(!a.acks && a.interchangeProblems.some((p) => p.code === 'x12.ieaControlNumber'));
  const b = acknowledge(parseX12('garbage'));
  assert.ok(!b.acks && b.interchangeProblems[0]!.code === 'x12.noIsa');
});

test('855 round trip with line acknowledgements and the seller order number', () => {
  const built = build855(
    { poNumber: 'SP-PO-1', poDate: '20261203', ackType: 'AC', orderNumber: 'SO-1001', correlationId: 'corr-123', lines: [{ lineNo: 1, sku: 'SKU-1001', quantity: 3, uom: 'EA', status: 'IA' }] },
    env(),
  );
  assert.match(built.text, /GS\*PR\*.*ST\*855\*0001~BAK\*00\*AC\*SP-PO-1\*20261203\*\*\*\*SO-1001\*20261203~/);
  assert.deepEqual(read855(only(built.text)), {
    poNumber: 'SP-PO-1',
    poDate: '20261203',
    ackType: 'AC',
    orderNumber: 'SO-1001',
    correlationId: 'corr-123',
    lines: [{ lineNo: 1, sku: 'SKU-1001', quantity: 3, uom: 'EA', status: 'IA' }],
  });
  const rj = read855(only(build855({ poNumber: 'P', poDate: '20261203', ackType: 'RJ', reason: 'unknown item*X', lines: [] }, env()).text));
  assert.equal(rj.ackType, 'RJ');
  assert.equal(rj.reason, 'unknown item X');
});

test('856 ASN: HL shipment > order > item loops and CTT control totals round trip', () => {
  const built = build856(
    { shipmentId: 'SH-9', shippedAt: '2026-12-03T09:30:00.000Z', poNumber: 'SP-PO-1', orderNumber: 'SO-1001', correlationId: 'corr-123', warehouse: 'WH-EAST', lines: [{ sku: 'SKU-1001', quantity: 3, uom: 'EA' }, { sku: 'SKU-1002', quantity: 2, uom: 'CA' }] },
    env(),
  );
  assert.match(built.text, /HL\*1\*\*S~DTM\*011\*20261203\*0930~N1\*SF\*WH-EAST\*92\*WH-EAST~HL\*2\*1\*O~PRF\*SP-PO-1~REF\*VN\*SO-1001~REF\*ZZ\*corr-123~HL\*3\*2\*I~LIN\*1\*VP\*SKU-1001~SN1\*\*3\*EA~HL\*4\*2\*I~/);
  assert.match(built.text, /CTT\*2\*5~SE\*17\*0001~/);
  const r = read856(only(built.text));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.asn, {
    shipmentId: 'SH-9',
    shippedAt: '2026-12-03T09:30:00.000Z',
    poNumber: 'SP-PO-1',
    orderNumber: 'SO-1001',
    correlationId: 'corr-123',
    warehouse: 'WH-EAST',
    lines: [{ lineNo: 1, sku: 'SKU-1001', quantity: 3, uom: 'EA' }, { lineNo: 2, sku: 'SKU-1002', quantity: 2, uom: 'CA' }],
    totals: { lineCount: 2, quantityHash: 5 },
  });
});

test('856 with an HL that names a missing parent is a structure error on HL02', () => {
  const text = build856({ shipmentId: 'S', shippedAt: '2026-12-03T09:30:00.000Z', poNumber: 'P', lines: [{ sku: 'SKU-1001', quantity: 1, uom: 'EA' }] }, env()).text.replace('HL*3*2*I', 'HL*3*9*I');
  const r = read856(only(text));
  assert.equal(r.errors[0]!.segment, 'HL');
  assert.equal(r.errors[0]!.element, 2);
  assert.equal(r.errors[0]!.badValue, '9');
});

test('810 invoice round trip with TDS total in cents', () => {
  const built = build810({ invoiceNumber: 'INV-1', invoiceDate: '20261203', poNumber: 'SP-PO-1', correlationId: 'c', lines: [{ sku: 'SKU-1001', quantity: 3, uom: 'EA', unitPrice: 4.5 }, { sku: 'SKU-1002', quantity: 2, uom: 'CA', unitPrice: 30 }] }, env());
  assert.match(built.text, /GS\*IN\*.*BIG\*20261203\*INV-1\*\*SP-PO-1~REF\*ZZ\*c~IT1\*1\*3\*EA\*4.5\*\*VP\*SKU-1001~IT1\*2\*2\*CA\*30\*\*VP\*SKU-1002~TDS\*7350~CTT\*2~/);
  const inv = read810(only(built.text));
  assert.equal(inv.totalCents, 7350);
  assert.equal(inv.poNumber, 'SP-PO-1');
  assert.equal(inv.lines.length, 2);
});
