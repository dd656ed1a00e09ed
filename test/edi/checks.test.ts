import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  arrivalWindow,
  build856,
  build997,
  checkAckText,
  checkAsnText,
  checkFileArrival,
  ControlNumbers,
  evaluateAck,
  evaluateControlTotals,
  evaluateFileArrival,
  type FunctionalAck,
  type Read856,
} from '../../src/edi/index.ts';

const accepted: FunctionalAck = { functionalId: 'PO', groupControlNumber: '12', status: 'A', included: 1, received: 1, accepted: 1, codes: [], transactions: [{ type: '850', controlNumber: '0012', status: 'A', codes: [], errors: [] }] };
const rejected: FunctionalAck = {
  ...accepted,
  status: 'R',
  accepted: 0,
  transactions: [
    {
      type: '850',
      controlNumber: '0012',
      status: 'R',
      codes: ['5'],
      errors: [{ segment: 'PO1', position: 6, loopId: 'PO1', segmentCode: '8', element: 3, elementRef: '355', elementCode: '7', badValue: 'CA', message: '' }],
    },
  ],
};

const ackTable: { name: string; input: Parameters<typeof evaluateAck>[0]; status: string; code?: string; cls?: string; message?: RegExp }[] = [
  { name: 'accepted', input: { ack: accepted, expect: { groupControlNumber: '12', transactionControlNumber: '0012' } }, status: 'ok' },
  {
    name: 'rejected names segment and element',
    input: { ack: rejected, expect: { groupControlNumber: '12' } },
    status: 'critical',
    code: 'edi.ackRejected',
    cls: 'data',
    message: /850 0012 rejected \(AK501 R\): segment PO1 at position 6, element PO103 \(data element 355\): invalid code value "CA"/,
  },
  { name: 'group rejected without set detail', input: { ack: { ...accepted, status: 'R', accepted: 0, codes: ['5'], transactions: [] } }, status: 'critical', code: 'edi.ackRejected', message: /AK905 codes 5/ },
  { name: 'accepted with errors', input: { ack: { ...accepted, status: 'E', transactions: [{ ...accepted.transactions[0]!, status: 'E' }] } }, status: 'warning', code: 'edi.ackWithErrors' },
  { name: 'no ack after the deadline', input: { expect: { groupControlNumber: '12', sentAt: '2026-12-03T10:00:00.000Z' } }, status: 'critical', code: 'edi.noAck', cls: 'business', message: /no 997 .* group GS06=12/ },
  { name: 'no ack yet, deadline ahead', input: { expect: { deadlinePassed: false } }, status: 'ok' },
  { name: 'ack for another group', input: { ack: accepted, expect: { groupControlNumber: '13' } }, status: 'critical', code: 'edi.ackMismatch', message: /AK102/ },
  { name: 'late ack', input: { ack: accepted, expect: { sentAt: '2026-12-03T10:00:00.000Z', receivedAt: '2026-12-03T10:00:05.000Z', slaMs: 2000 } }, status: 'warning', code: 'edi.ackLate', message: /5000 ms .* SLA 2000 ms/ },
  { name: 'malformed 997', input: { malformed: [{ code: 'x12.seCount', segment: 'SE', element: 1, message: 'SE01 says 9' }] }, status: 'critical', code: 'edi.ackMalformed', cls: 'data' },
];
for (const c of ackTable) {
  test(`acknowledgement state: ${c.name}`, () => {
    const doc = evaluateAck(c.input);
    assert.equal(doc.status, c.status);
    if (c.code) {
      const p = doc.problems.find((x) => x.code === c.code);
      assert.ok(p, JSON.stringify(doc.problems));
      if (c.message) assert.match(p.message, c.message);
      if (c.cls) assert.equal(doc.failure?.class, c.cls);
    } else assert.deepEqual(doc.problems, []);
  });
}

test('a rejected 997 read from text becomes a data failure naming the segment and element', () => {
  const text = build997(rejected, { sender: { id: 'SANDBOXDIST' }, receiver: { id: 'SYNTHBUYER' }, controlNumbers: new ControlNumbers() }).text;
  const doc = checkAckText(text, { groupControlNumber: '12', transactionControlNumber: '0012' });
  assert.equal(doc.status, 'critical');
  assert.equal(doc.failure?.class, 'data');
  assert.equal(doc.problems[0]!.segment, 'PO1');
  assert.equal(doc.problems[0]!.element, 3);
  assert.match(doc.failure!.reason, /PO103/);
  const broken = checkAckText(text.replace(/SE\*\d+/, 'SE*99'));
  assert.equal(broken.status, 'critical');
  assert.equal(broken.problems[0]!.code, 'edi.ackMalformed');
  assert.equal(checkAckText(undefined).problems[0]!.code, 'edi.noAck');
});

function asn(lines: Read856['asn']['lines'], totals?: { lineCount: number; quantityHash: number }, poNumber = 'SP-1'): Read856 {
  return { asn: { shipmentId: 'SH-1', shippedAt: '', poNumber, lines, totals: totals ?? { lineCount: lines.length, quantityHash: lines.reduce((s, l) => s + l.quantity, 0) } }, errors: [] };
}
const order = { poNumber: 'SP-1', lines: [{ sku: 'SKU-1001', quantity: 3, uom: 'EA' }, { sku: 'SKU-1002', quantity: 2, uom: 'CA' }] };
const totalsTable: { name: string; asn: Read856; conversions?: Record<string, Record<string, number>>; status: string; codes: string[] }[] = [
  { name: 'matches the order', asn: asn(order.lines), status: 'ok', codes: [] },
  { name: 'quantity differs', asn: asn([order.lines[0]!, { ...order.lines[1]!, quantity: 1 }]), status: 'critical', codes: ['edi.asnLineMismatch'] },
  { name: 'CTT hash differs from SN1 sum', asn: asn(order.lines, { lineCount: 2, quantityHash: 6 }), status: 'critical', codes: ['edi.asnTotalsMismatch'] },
  { name: 'CTT line count differs', asn: asn(order.lines, { lineCount: 3, quantityHash: 5 }), status: 'critical', codes: ['edi.asnTotalsMismatch'] },
  { name: 'line missing', asn: asn([order.lines[0]!]), status: 'critical', codes: ['edi.asnLineMissing'] },
  { name: 'line not ordered', asn: asn([...order.lines, { sku: 'SKU-1003', quantity: 1, uom: 'EA' }]), status: 'critical', codes: ['edi.asnLineUnexpected'] },
  { name: 'other PO', asn: asn(order.lines, undefined, 'SP-2'), status: 'critical', codes: ['edi.asnPoMismatch'] },
  { name: 'shipped in eaches, converted', asn: asn([order.lines[0]!, { sku: 'SKU-1002', quantity: 24, uom: 'EA' }]), conversions: { 'SKU-1002': { CA: 12, EA: 1 } }, status: 'ok', codes: [] },
  { name: 'other unit without conversion', asn: asn([order.lines[0]!, { sku: 'SKU-1002', quantity: 2, uom: 'EA' }]), status: 'critical', codes: ['edi.asnLineMismatch'] },
  { name: 'no CTT', asn: { asn: { ...asn(order.lines).asn, totals: undefined }, errors: [] }, status: 'critical', codes: ['edi.asnTotalsMismatch'] },
];
for (const c of totalsTable) {
  test(`control totals: ${c.name}`, () => {
    const doc = evaluateControlTotals({ expected: order, asn: c.asn, conversions: c.conversions });
    assert.equal(doc.status, c.status);
    assert.deepEqual(doc.problems.map((p) => p.code), c.codes);
    if (c.status !== 'ok') assert.equal(doc.failure?.class, 'data');
  });
}

test('control totals from 856 text: a mismatching ASN names SN102 and CTT', () => {
  const env = { sender: { id: 'SANDBOXDIST' }, receiver: { id: 'SYNTHBUYER' }, controlNumbers: new ControlNumbers() };
  const text = build856({ shipmentId: 'SH-2', shippedAt: '2026-12-03T09:00:00Z', poNumber: 'SP-1', lines: [order.lines[0]!, { ...order.lines[1]!, quantity: 1 }], totals: { lineCount: 2, quantityHash: 5 } }, env).text;
  const doc = checkAsnText(text, order);
  assert.equal(doc.status, 'critical');
  assert.deepEqual(doc.problems.map((p) => [p.code, p.segment, p.element]), [['edi.asnTotalsMismatch', 'CTT', 2], ['edi.asnLineMismatch', 'SN1', 2]]);
  assert.deepEqual(doc.shipped, { lines: 2, quantity: 4 });
  assert.equal(checkAsnText('not edi', order).problems[0]!.code, 'edi.asnMalformed');
});

const T = (iso: string) => Date.parse(iso);
test('arrival window: daily, overnight and one-off windows', () => {
  const now = new Date('2026-12-03T07:00:00Z');
  assert.deepEqual(arrivalWindow({ by: '06:00' }, now), { from: T('2026-12-02T06:00:00Z'), by: T('2026-12-03T06:00:00Z') });
  assert.deepEqual(arrivalWindow({ by: '06:00' }, new Date('2026-12-03T05:00:00Z')), { from: T('2026-12-01T06:00:00Z'), by: T('2026-12-02T06:00:00Z') });
  assert.deepEqual(arrivalWindow({ from: '22:00', by: '06:00' }, new Date('2026-12-03T23:00:00Z')), { from: T('2026-12-03T22:00:00Z'), by: T('2026-12-04T06:00:00Z') });
  assert.deepEqual(arrivalWindow({ from: '22:00', by: '06:00' }, now), { from: T('2026-12-02T22:00:00Z'), by: T('2026-12-03T06:00:00Z') });
  assert.deepEqual(arrivalWindow({ from: '2026-12-03T10:00:00Z', by: '2026-12-03T10:05:00Z' }, now), { from: T('2026-12-03T10:00:00Z'), by: T('2026-12-03T10:05:00Z') });
  assert.throws(() => arrivalWindow({ by: '25:00' }, now), /window.by "25:00" is neither/);
});

const exp = { partner: 'ACME', folder: '/outbox', pattern: '856_{partner}_*.x12', window: { from: '00:00', by: '06:00' }, graceMinutes: 30 };
const f = (name: string, iso: string, size = 100) => ({ name, mtimeMs: T(iso), size });
const arrivalTable: { name: string; files: ReturnType<typeof f>[]; now: string; status: string; state: string; codes: string[] }[] = [
  { name: 'arrived in window', files: [f('856_ACME_1.x12', '2026-12-03T05:10:00Z')], now: '2026-12-03T06:30:00Z', status: 'ok', state: 'arrived', codes: [] },
  { name: 'pending before deadline', files: [], now: '2026-12-03T05:00:00Z', status: 'ok', state: 'pending', codes: [] },
  { name: 'arrived late', files: [f('856_ACME_1.x12', '2026-12-03T06:20:00Z')], now: '2026-12-03T07:00:00Z', status: 'warning', state: 'late', codes: ['edi.fileLate'] },
  { name: 'overdue within grace', files: [], now: '2026-12-03T06:10:00Z', status: 'warning', state: 'overdue', codes: ['edi.fileLate'] },
  { name: 'missing after grace', files: [], now: '2026-12-03T07:00:00Z', status: 'critical', state: 'missing', codes: ['edi.fileMissing'] },
  { name: 'other partner does not count', files: [f('856_OTHER_1.x12', '2026-12-03T05:10:00Z')], now: '2026-12-03T07:00:00Z', status: 'critical', state: 'missing', codes: ['edi.fileMissing'] },
  { name: 'yesterday\'s file does not count', files: [f('856_ACME_0.x12', '2026-12-02T05:10:00Z')], now: '2026-12-03T07:00:00Z', status: 'critical', state: 'missing', codes: ['edi.fileMissing'] },
  { name: 'empty file does not count', files: [f('856_ACME_1.x12', '2026-12-03T05:10:00Z', 0)], now: '2026-12-03T07:00:00Z', status: 'critical', state: 'missing', codes: ['edi.fileEmpty', 'edi.fileMissing'] },
];
for (const c of arrivalTable) {
  test(`file arrival window: ${c.name}`, () => {
    const doc = evaluateFileArrival(exp, c.files, new Date(c.now));
    assert.equal(doc.status, c.status);
    assert.equal(doc.state, c.state);
    assert.deepEqual(doc.problems.map((p) => p.code), c.codes);
    assert.equal(doc.partner, 'ACME');
  });
}

test('checkFileArrival reads the folder; an unreadable folder is a critical finding', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'syncprobe-edi-arrival-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, '856_ACME_7.x12');
  await writeFile(file, 'ISA...');
  const landed = new Date('2026-12-03T05:00:00Z');
  await utimes(file, landed, landed);
  const doc = await checkFileArrival({ ...exp, folder: dir }, new Date('2026-12-03T06:30:00Z'));
  assert.equal(doc.status, 'ok');
  assert.equal(doc.arrivedAt, '2026-12-03T05:00:00.000Z');
  assert.equal(doc.marginMinutes, 60);
  const missing = await checkFileArrival({ ...exp, folder: join(dir, 'nope') });
  assert.equal(missing.status, 'critical');
  assert.equal(missing.problems[0]!.code, 'edi.folderUnreadable');
  assert.match(missing.problems[0]!.message, /ENOENT/);
});
