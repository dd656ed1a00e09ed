import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildX12, parseX12, ISA_LENGTH, el } from '../../src/edi/index.ts';

const at = new Date('2026-12-03T12:34:56Z');
const doc = buildX12({
  sender: { id: 'SYNTHBUYER' },
  receiver: { id: 'SANDBOXDIST' },
  interchangeControlNumber: 7,
  groupControlNumber: 7,
  functionalId: 'PO',
  at,
  transactions: [
    {
      type: '850',
      controlNumber: '0001',
      segments: [
        ['BEG', '00', 'SA', 'SP-1', '', '20261203'],
        ['PO1', '1', '2', 'CA', '10', '', 'VP', 'SKU-1002'],
        ['CTT', '1', '2'],
      ],
    },
  ],
});

test('buildX12 writes a fixed-width ISA, GS/ST envelopes and matching trailers', () => {
  const segments = doc.split('~');
  assert.equal(segments[0]!.length + 1, ISA_LENGTH);
  assert.equal(doc.charAt(ISA_LENGTH - 1), '~');
  assert.equal(
    segments[0],
    'ISA*00*          *00*          *ZZ*SYNTHBUYER     *ZZ*SANDBOXDIST    *261203*1234*U*00401*000000007*0*T*>',
  );
  assert.equal(segments[1], 'GS*PO*SYNTHBUYER*SANDBOXDIST*20261203*1234*7*X*004010');
  assert.deepEqual(segments.slice(2, 7), ['ST*850*0001', 'BEG*00*SA*SP-1**20261203', 'PO1*1*2*CA*10**VP*SKU-1002', 'CTT*1*2', 'SE*5*0001']);
  assert.deepEqual(segments.slice(7), ['GE*1*7', 'IEA*1*000000007', '']);
});

test('parseX12 reads envelopes into plain data with segment positions', () => {
  const r = parseX12(doc);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  const ic = r.interchange!;
  assert.equal(ic.senderId, 'SYNTHBUYER');
  assert.equal(ic.receiverId, 'SANDBOXDIST');
  assert.equal(ic.controlNumber, '000000007');
  assert.deepEqual(ic.delimiters, { element: '*', subElement: '>', segment: '~', repetition: 'U' });
  const g = ic.groups[0]!;
  assert.equal(g.functionalId, 'PO');
  assert.equal(g.controlNumber, '7');
  const t = g.transactions[0]!;
  assert.equal(t.type, '850');
  assert.equal(t.controlNumber, '0001');
  assert.deepEqual(t.segments.map((s) => [s.tag, s.position]), [['BEG', 2], ['PO1', 3], ['CTT', 4]]);
  assert.equal(el(t.segments[1], 7), 'SKU-1002');
});

test('parseX12 accepts line breaks after terminators and other delimiters declared in the ISA', () => {
  assert.equal(parseX12(doc.replace(/~/g, '~\r\n')).ok, true);
  const newline = parseX12(doc.replace(/~/g, '\n'));
  assert.equal(newline.ok, true, JSON.stringify(newline.problems));
  const pipes = buildX12({
    sender: { id: 'AA' }, receiver: { id: 'BB' }, interchangeControlNumber: 1, groupControlNumber: 1, functionalId: 'PO',
    delimiters: { element: '|', segment: '\n', subElement: '^' },
    transactions: [{ type: '850', controlNumber: '0001', segments: [['BEG', '00', 'SA', 'X']] }],
  });
  const r = parseX12(pipes);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.equal(r.interchange!.delimiters.element, '|');
});

// Every malformed document is a verdict naming its segment and element, never a throw.
const malformed: { name: string; text: string; code: string; segment?: string; element?: number; message: RegExp }[] = [
  { name: 'empty', text: '', code: 'x12.empty', message: /empty/ },
  { name: 'not X12', text: 'hello, this is not EDI', code: 'x12.noIsa', segment: 'ISA', message: /does not start with an ISA/ },
  { name: 'truncated ISA', text: doc.slice(0, 60), code: 'x12.isa', segment: 'ISA', message: /truncated/ },
  { name: 'ISA06 not padded', text: doc.replace('SYNTHBUYER     ', 'SYNTHBUYER'), code: 'x12.isaLength', segment: 'ISA', element: 6, message: /ISA06 is 10 characters.*must be 15/ },
  { name: 'ISA13 too long', text: doc.replace('000000007', '0000000007'), code: 'x12.isaLength', segment: 'ISA', element: 13, message: /ISA13/ },
  {
    name: 'segments end with newline while ISA declares ~',
    text: doc.slice(0, ISA_LENGTH) + doc.slice(ISA_LENGTH).replace(/~/g, '\n'),
    code: 'x12.segmentTerminator',
    segment: 'ISA',
    message: /declares segment terminator "~".*end with "\\n"/,
  },
  { name: 'last segment unterminated', text: doc.slice(0, -1), code: 'x12.segmentTerminator', segment: 'IEA', message: /not ended by the declared terminator/ },
  { name: 'terminator equals element separator', text: doc.slice(0, ISA_LENGTH - 1) + '*' + doc.slice(ISA_LENGTH), code: 'x12.segmentTerminator', segment: 'ISA', message: /not usable/ },
  { name: 'SE01 count wrong', text: doc.replace('SE*5*0001', 'SE*6*0001'), code: 'x12.seCount', segment: 'SE', element: 1, message: /SE01 .* says 6 segments, the set has 5/ },
  { name: 'SE02 control number wrong', text: doc.replace('SE*5*0001', 'SE*5*0002'), code: 'x12.seControlNumber', segment: 'SE', element: 2, message: /SE02 control number 0002 does not match ST02 0001/ },
  { name: 'GE01 count wrong', text: doc.replace('GE*1*7', 'GE*2*7'), code: 'x12.geCount', segment: 'GE', element: 1, message: /GE01 .* says 2/ },
  { name: 'GE02 control number wrong', text: doc.replace('GE*1*7', 'GE*1*8'), code: 'x12.geControlNumber', segment: 'GE', element: 2, message: /GE02 control number 8 does not match GS06 7/ },
  { name: 'IEA01 count wrong', text: doc.replace('IEA*1*', 'IEA*3*'), code: 'x12.ieaCount', segment: 'IEA', element: 1, message: /IEA01 says 3/ },
  { name: 'IEA02 control number wrong', text: doc.replace('IEA*1*000000007', 'IEA*1*000000008'), code: 'x12.ieaControlNumber', segment: 'IEA', element: 2, message: /IEA02 .*does not match ISA13/ },
  { name: 'SE missing', text: doc.replace('SE*5*0001~', ''), code: 'x12.envelope', segment: 'SE', message: /no SE trailer/ },
  { name: 'GE missing', text: doc.replace('GE*1*7~', ''), code: 'x12.envelope', segment: 'GE', message: /no GE trailer/ },
  { name: 'IEA missing', text: doc.replace('IEA*1*000000007~', ''), code: 'x12.envelope', segment: 'IEA', message: /no IEA trailer/ },
  { name: 'GS missing', text: doc.replace(/GS\*[^~]*~/, ''), code: 'x12.envelope', segment: 'ST', message: /outside of a functional group/ },
  { name: 'GE before SE', text: doc.replace('SE*5*0001~GE*1*7~', 'GE*1*7~SE*5*0001~'), code: 'x12.envelope', segment: 'SE', message: /outside of a functional group/ },
  { name: 'two interchanges in one document', text: doc + doc, code: 'x12.envelope', segment: 'ISA', message: /holds 2 interchanges/ },
  { name: 'ISA only', text: doc.slice(0, ISA_LENGTH), code: 'x12.envelope', segment: 'GS', message: /nothing else/ },
];

for (const c of malformed) {
  test(`malformed X12: ${c.name}`, () => {
    let r: ReturnType<typeof parseX12> | undefined;
    assert.doesNotThrow(() => {
      r = parseX12(c.text);
    });
    assert.equal(r!.ok, false);
    const p = r!.problems.find((x) => x.code === c.code);
    assert.ok(p, `expected ${c.code}, got ${JSON.stringify(r!.problems)}`);
    if (c.segment) assert.equal(p.segment, c.segment);
    if (c.element) assert.equal(p.element, c.element);
    assert.match(p.message, c.message);
  });
}

test('count and control number problems name the group and transaction set they belong to', () => {
  const r = parseX12(doc.replace('SE*5*0001', 'SE*4*0001'));
  const p = r.problems.find((x) => x.code === 'x12.seCount')!;
  assert.equal(p.groupControlNumber, '7');
  assert.equal(p.transactionControlNumber, '0001');
});

test('buildX12 refuses values that contain a delimiter and oversized control numbers', () => {
  const base = { sender: { id: 'AA' }, receiver: { id: 'BB' }, groupControlNumber: 1, functionalId: 'PO' };
  assert.throws(() => buildX12({ ...base, interchangeControlNumber: 1, transactions: [{ type: '850', controlNumber: '0001', segments: [['BEG', '00', 'SA', 'PO*1']] }] }), /BEG03.*delimiter/);
  assert.throws(() => buildX12({ ...base, interchangeControlNumber: 1_000_000_000, transactions: [] }), /control number/);
  assert.throws(() => buildX12({ ...base, sender: { id: 'X'.repeat(16) }, interchangeControlNumber: 1, transactions: [] }), /longer than 15/);
});

test('parseX12 never throws on damaged input: 1000 seeded mutations of a valid interchange', async () => {
  const { acknowledge, read850 } = await import('../../src/edi/index.ts');
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = '*~>^|\n\r ISAGSTEQ0123456789';
  let failures = 0;
  for (let i = 0; i < 1000; i++) {
    let text = doc;
    for (let k = 1 + rnd(4); k > 0; k--) {
      const at = rnd(text.length);
      const op = rnd(3);
      const ch = alphabet[rnd(alphabet.length)]!;
      text = op === 0 ? text.slice(0, at) + text.slice(at + 1) : op === 1 ? text.slice(0, at) + ch + text.slice(at) : text.slice(0, at) + ch + text.slice(at + 1);
    }
    const r = parseX12(text);
    assert.equal(typeof r.ok, 'boolean');
    if (!r.ok) {
      failures++;
      assert.ok(r.problems.length > 0 && r.problems.every((p) => p.code.startsWith('x12.') && p.message.length > 0), JSON.stringify(r.problems));
    }
    const ack = acknowledge(r, (t) => read850(t).errors);
    assert.ok(ack.acks || ack.interchangeProblems.length > 0);
  }
  assert.ok(failures > 300, `many mutations are malformed (${failures})`);
});
