import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/core/errors.ts';
import { build997, buildTA1, ControlNumbers, type FunctionalAck } from '../../src/edi/index.ts';
import { ackFolderOptions, checkAckFolder, ediPoints, evaluateAckFiles, fileArrivalOptions, runEdiCheck } from '../../src/edi/probe.ts';

const env = () => ({ sender: { id: 'SANDBOXDIST' }, receiver: { id: 'ACME' }, controlNumbers: new ControlNumbers() });
const ok: FunctionalAck = { functionalId: 'PO', groupControlNumber: '5', status: 'A', included: 1, received: 1, accepted: 1, codes: [], transactions: [{ type: '850', controlNumber: '0005', status: 'A', codes: [], errors: [] }] };
const bad: FunctionalAck = {
  ...ok,
  status: 'R',
  accepted: 0,
  transactions: [{ type: '850', controlNumber: '0006', status: 'R', codes: ['5'], errors: [{ segment: 'PO1', position: 5, segmentCode: '8', element: 2, elementRef: '330', elementCode: '6', badValue: '2.5X', message: '' }] }],
};

const optionTable: { name: string; opts: unknown; error: RegExp }[] = [
  { name: 'not an object', opts: 'x', error: /expected an object/ },
  { name: 'everything missing', opts: {}, error: /check.options.partner.*check.options.folder.*check.options.pattern.*check.options.window/ },
  { name: 'bad deadline', opts: { partner: 'A', folder: '/f', pattern: '*', window: { by: '6am' } }, error: /window.by: expected 'HH:MM'/ },
  { name: 'mixed window', opts: { partner: 'A', folder: '/f', pattern: '*', window: { from: '2026-12-03T00:00:00Z', by: '06:00' } }, error: /both be HH:MM or both be ISO/ },
  { name: 'negative grace', opts: { partner: 'A', folder: '/f', pattern: '*', window: { by: '06:00' }, graceMinutes: -1 }, error: /graceMinutes/ },
];
for (const c of optionTable) {
  test(`edi-file-arrival options: ${c.name} is a UsageError naming the field`, () => {
    assert.throws(() => fileArrivalOptions(c.opts), (e: unknown) => e instanceof UsageError && c.error.test(e.message));
  });
}

test('edi-file-arrival options: valid options pass through', () => {
  assert.deepEqual(fileArrivalOptions({ partner: 'ACME', folder: '/out/{partner}', pattern: '856_*', window: { from: '00:00', by: '06:00' }, graceMinutes: 15 }), {
    partner: 'ACME',
    folder: '/out/{partner}',
    pattern: '856_*',
    window: { by: '06:00', from: '00:00' },
    graceMinutes: 15,
  });
  assert.throws(() => ackFolderOptions({ partner: 'A', folder: '/f', sinceMinutes: 0 }), /sinceMinutes/);
  assert.deepEqual(ackFolderOptions({ partner: 'A', folder: '/f' }), { partner: 'A', folder: '/f', pattern: '997_*', ta1Pattern: 'TA1_*', sinceMinutes: 60 });
  assert.throws(() => ackFolderOptions({ partner: 'A', folder: '/f', ta1Pattern: 5 }), /ta1Pattern: expected a file pattern/);
});

test('edi-ack: the 997s of the last minutes are judged; a rejected one names file, segment and element', () => {
  const now = new Date('2026-12-03T12:00:00Z');
  const files = [
    { name: '997_ACME_1.x12', mtimeMs: Date.parse('2026-12-03T11:50:00Z'), text: build997(ok, env()).text },
    { name: '997_ACME_2.x12', mtimeMs: Date.parse('2026-12-03T11:55:00Z'), text: build997(bad, env()).text },
    { name: '997_ACME_0.x12', mtimeMs: Date.parse('2026-12-03T09:00:00Z'), text: 'old and broken' },
    { name: '855_ACME_3.x12', mtimeMs: Date.parse('2026-12-03T11:56:00Z'), text: 'not a 997' },
  ];
  const doc = evaluateAckFiles({ partner: 'ACME', folder: '/in', pattern: '997_*', ta1Pattern: '', sinceMinutes: 60 }, files, now);
  assert.equal(doc.status, 'critical');
  assert.equal(doc.acks, 2);
  assert.equal(doc.accepted, 1);
  assert.equal(doc.rejected, 1);
  assert.equal(doc.failure?.class, 'data');
  assert.match(doc.problems[0]!.message, /^ACME: 997_ACME_2.x12: 850 0006 rejected .*element PO102 \(data element 330\): invalid character in data element "2.5X"/);
  const quiet = evaluateAckFiles({ partner: 'ACME', folder: '/in', pattern: '997_*', ta1Pattern: '', sinceMinutes: 60 }, files.slice(0, 1), now);
  assert.equal(quiet.status, 'ok');
  assert.deepEqual(ediPoints('edi-ack', doc, { environment: 'prod', probe: 'acme-acks', at: 1 }), [
    { measurement: 'edi_check', tags: { check: 'edi-ack', env: 'prod', partner: 'ACME', probe: 'acme-acks' }, fields: { status: 'critical', status_code: 2, problems: 'edi.ackRejected', acks: 2, accepted: 1, rejected: 1 }, timestamp: 1 },
  ]);
});

test('edi-ack: TA1 files beside the 997s: accepted is ok, rejected is critical naming the note code, unreadable is critical', () => {
  const now = new Date('2026-12-03T12:00:00Z');
  const at = Date.parse('2026-12-03T11:50:00Z');
  const ta1 = (status: 'A' | 'E' | 'R', note: string) => buildTA1({ controlNumber: '000000042', date: '261203', time: '1149', status, note }, env()).text;
  const opts = { partner: 'ACME', folder: '/in', pattern: '997_*', ta1Pattern: 'TA1_*', sinceMinutes: 60 };
  const okDoc = evaluateAckFiles(opts, [{ name: 'TA1_ACME_1.x12', mtimeMs: at, text: ta1('A', '000') }, { name: '997_ACME_1.x12', mtimeMs: at, text: build997(ok, env()).text }], now);
  assert.equal(okDoc.status, 'ok');
  assert.equal(okDoc.acks, 2);
  const rejected = evaluateAckFiles(opts, [{ name: 'TA1_ACME_2.x12', mtimeMs: at, text: ta1('R', '006') }], now);
  assert.equal(rejected.status, 'critical');
  assert.equal(rejected.rejected, 1);
  assert.equal(rejected.problems[0]!.code, 'edi.interchangeRejected');
  assert.match(rejected.problems[0]!.message, /^ACME: TA1_ACME_2.x12: interchange rejected at the envelope: TA1 R 006 \(invalid interchange sender ID \(ISA06\)\) for interchange ISA13=000000042/);
  assert.equal(rejected.failure?.class, 'data');
  assert.equal(evaluateAckFiles(opts, [{ name: 'TA1_ACME_3.x12', mtimeMs: at, text: ta1('E', '001') }], now).status, 'warning');
  assert.equal(evaluateAckFiles(opts, [{ name: 'TA1_ACME_4.x12', mtimeMs: at, text: 'garbage' }], now).problems[0]!.code, 'edi.ta1Malformed');
  assert.equal(evaluateAckFiles({ ...opts, ta1Pattern: '' }, [{ name: 'TA1_ACME_2.x12', mtimeMs: at, text: ta1('R', '006') }], now).acks, 0, "ta1Pattern '' leaves TA1 files out");
});

test('runEdiCheck reads folders for both check types; an unknown type is a UsageError', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'syncprobe-edi-probe-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const f = join(dir, '997_ACME_9.x12');
  await writeFile(f, build997(ok, env()).text);
  const landed = new Date(Date.now() - 60_000);
  await utimes(f, landed, landed);
  const ack = await runEdiCheck('edi-ack', { partner: 'ACME', folder: dir });
  assert.equal(ack.status, 'ok');
  assert.equal(ack.acks, 1);
  const arrival = await runEdiCheck('edi-file-arrival', { partner: 'ACME', folder: dir, pattern: '997_{partner}_*', window: { from: new Date(Date.now() - 3_600_000).toISOString(), by: new Date(Date.now() + 3_600_000).toISOString() } });
  assert.equal(arrival.status, 'ok');
  assert.equal(arrival.state, 'arrived');
  const points = ediPoints('edi-file-arrival', arrival, { environment: 'test' });
  assert.equal(points[0]!.fields.state, 'arrived');
  assert.equal(typeof points[0]!.fields.margin_minutes, 'number');
  assert.equal((await checkAckFolder({ partner: 'ACME', folder: join(dir, 'missing'), pattern: '*', ta1Pattern: '', sinceMinutes: 5 })).problems[0]!.code, 'edi.folderUnreadable');
  await assert.rejects(runEdiCheck('edi-nope', {}), UsageError);
});
