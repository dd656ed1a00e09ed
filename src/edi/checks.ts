import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FailureClass } from '../core/errors.ts';
import { worst, type CheckDocument, type Problem, type Status } from '../core/status.ts';
import { describeSegmentError, read856, read997, type AsnLine, type FunctionalAck, type OrderLine, type Read856 } from './documents.ts';
import { parseX12, type X12Problem } from './x12.ts';

/**
 * EDI check types. The evaluate* functions are pure (inputs in, document out) and table-tested;
 * checkFileArrival and the *FromText helpers are the thin I/O and parsing edges.
 */

export interface EdiProblem extends Problem {
  failureClass?: FailureClass;
  segment?: string;
  element?: number;
}

export interface EdiCheckDocument extends CheckDocument {
  problems: EdiProblem[];
  /** Set when status is not ok: the class and an actionable reason, ready for a milestone failure. */
  failure?: { class: FailureClass; reason: string };
}

function finish<T extends Record<string, unknown>>(problems: (EdiProblem & { status: Status })[], figures: T): EdiCheckDocument & T {
  const status = worst(...problems.map((p) => p.status));
  const clean = problems.map(({ status: _s, ...p }) => p);
  const first = problems.find((p) => p.status === status && status !== 'ok');
  return {
    status,
    problems: clean,
    ...figures,
    ...(first ? { failure: { class: first.failureClass ?? 'data', reason: clean.filter((p) => p.failureClass === first.failureClass).map((p) => p.message).join('; ') } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Acknowledgement state

export interface AckExpectation {
  /** GS06 of the document that was sent: the 997's AK102 must name it. */
  groupControlNumber?: string;
  /** ST02 of the sent transaction set: the 997's AK202 must name it. */
  transactionControlNumber?: string;
  /** When the document was sent and when the 997 was received (ISO), with the SLA for the ack. */
  sentAt?: string;
  receivedAt?: string;
  slaMs?: number;
  /** Whether the deadline to receive an ack is over (a missing ack before it is pending, not failed). */
  deadlinePassed?: boolean;
}

export interface AckInput {
  /** The 997 as read; undefined when none arrived. */
  ack?: FunctionalAck;
  /** Faults of the 997 itself when it could not be read. */
  malformed?: X12Problem[];
  expect?: AckExpectation;
}

/**
 * Acknowledgement state of a sent document: accepted (ok), accepted with errors (warning), rejected
 * (critical `edi.ackRejected`, class data, naming the segment and element), missing (critical
 * `edi.noAck` once the deadline has passed), late (warning `edi.ackLate`).
 */
export function evaluateAck(input: AckInput): EdiCheckDocument {
  const p: (EdiProblem & { status: Status })[] = [];
  const exp = input.expect ?? {};
  if (input.malformed && input.malformed.length > 0) {
    for (const m of input.malformed) {
      p.push({ status: 'critical', code: 'edi.ackMalformed', failureClass: 'data', segment: m.segment, element: m.element, message: `997 cannot be read: ${m.message}` });
    }
    return finish(p, { ackStatus: null });
  }
  const ack = input.ack;
  if (!ack) {
    const what = [exp.groupControlNumber && `group GS06=${exp.groupControlNumber}`, exp.transactionControlNumber && `transaction set ST02=${exp.transactionControlNumber}`].filter(Boolean).join(', ');
    if (exp.deadlinePassed === false) return finish([], { ackStatus: null, pending: true });
    p.push({
      status: 'critical',
      code: 'edi.noAck',
      failureClass: 'business',
      message: `no 997 functional acknowledgement received${what ? ` for ${what}` : ''}${exp.sentAt ? ` (sent ${exp.sentAt})` : ''}: check the partner's translator and the mailbox`,
    });
    return finish(p, { ackStatus: null });
  }
  if (exp.groupControlNumber !== undefined && ack.groupControlNumber !== exp.groupControlNumber) {
    p.push({
      status: 'critical',
      code: 'edi.ackMismatch',
      failureClass: 'data',
      segment: 'AK1',
      element: 2,
      message: `997 acknowledges group ${ack.groupControlNumber || '(none)'} (AK102), expected ${exp.groupControlNumber}`,
    });
  }
  const txs = exp.transactionControlNumber !== undefined ? ack.transactions.filter((t) => t.controlNumber === exp.transactionControlNumber) : ack.transactions;
  if (exp.transactionControlNumber !== undefined && txs.length === 0 && ack.transactions.length > 0) {
    p.push({ status: 'critical', code: 'edi.ackMismatch', failureClass: 'data', segment: 'AK2', element: 2, message: `997 has no AK2 for transaction set ${exp.transactionControlNumber}` });
  }
  for (const t of txs) {
    if (t.status === 'R' || t.status === 'M' || t.status === 'W' || t.status === 'X') {
      const details = t.errors.length > 0 ? t.errors.map(describeSegmentError) : [`AK5 codes ${t.codes.join(',') || 'none'}`];
      const firstErr = t.errors.find((e) => e.element !== undefined) ?? t.errors[0];
      p.push({
        status: 'critical',
        code: 'edi.ackRejected',
        failureClass: 'data',
        segment: firstErr?.segment,
        element: firstErr?.element,
        message: `${t.type} ${t.controlNumber} rejected (AK501 ${t.status}): ${details.join('; ')}`,
      });
    } else if (t.status === 'E') {
      p.push({ status: 'warning', code: 'edi.ackWithErrors', failureClass: 'data', message: `${t.type} ${t.controlNumber} accepted with errors: ${t.errors.map(describeSegmentError).join('; ') || 'no detail'}` });
    }
  }
  if ((ack.status === 'R' || ack.status === 'P') && !p.some((x) => x.code === 'edi.ackRejected')) {
    p.push({
      status: 'critical',
      code: 'edi.ackRejected',
      failureClass: 'data',
      segment: 'AK9',
      element: 1,
      message: `functional group ${ack.groupControlNumber} ${ack.status === 'R' ? 'rejected' : 'partially accepted'} (AK901 ${ack.status}, AK905 codes ${ack.codes.join(',') || 'none'}): ${ack.accepted} of ${ack.received} sets accepted`,
    });
  }
  let latencyMs: number | null = null;
  if (exp.sentAt && exp.receivedAt) {
    latencyMs = Date.parse(exp.receivedAt) - Date.parse(exp.sentAt);
    if (exp.slaMs !== undefined && latencyMs > exp.slaMs) {
      p.push({ status: 'warning', code: 'edi.ackLate', failureClass: 'business', message: `997 arrived ${latencyMs} ms after the document, SLA ${exp.slaMs} ms` });
    }
  }
  return finish(p, {
    ackStatus: ack.status,
    groupControlNumber: ack.groupControlNumber,
    latencyMs,
    transactions: txs.map((t) => ({ type: t.type, controlNumber: t.controlNumber, status: t.status, errors: t.errors.map(describeSegmentError) })),
  });
}

/** Reads a 997 document and evaluates it; a 997 that cannot be parsed is a finding, not a crash. */
export function checkAckText(text: string | undefined, expect?: AckExpectation): EdiCheckDocument {
  if (text === undefined) return evaluateAck({ expect });
  const parsed = parseX12(text);
  if (!parsed.ok) return evaluateAck({ malformed: parsed.problems, expect });
  const group = parsed.interchange.groups.find((g) => g.transactions.some((t) => t.type === '997'));
  const tx = group?.transactions.find((t) => t.type === '997');
  if (!tx) return evaluateAck({ malformed: [{ code: 'x12.type', segment: 'ST', element: 1, message: 'document holds no 997 transaction set' }], expect });
  return evaluateAck({ ack: read997(tx), expect });
}

// ---------------------------------------------------------------------------------------------
// Control totals (856 ASN against what was ordered or shipped)

export interface ControlTotalsInput {
  /** The lines the ASN must match: the order's, or the warehouse's shipment. */
  expected: { poNumber?: string; lines: (OrderLine | AsnLine)[] };
  asn: Read856;
  /** Factors to a common unit per SKU, e.g. { 'SKU-1002': { CA: 12, EA: 1 } }; without one, units must match. */
  conversions?: Record<string, Record<string, number>>;
}

function normalise(lines: (OrderLine | AsnLine)[], conv: ControlTotalsInput['conversions']): Map<string, { quantity: number; uom: string }> {
  const out = new Map<string, { quantity: number; uom: string }>();
  for (const l of lines) {
    const factor = conv?.[l.sku]?.[l.uom];
    const q = factor !== undefined ? l.quantity * factor : l.quantity;
    const uom = factor !== undefined ? 'base' : l.uom;
    const prev = out.get(l.sku);
    if (prev && prev.uom === uom) prev.quantity += q;
    else out.set(l.sku, { quantity: q, uom });
  }
  return out;
}

/**
 * ASN control totals: CTT01/CTT02 agree with the ASN's own item loops, and the items and quantities
 * agree with what was expected. Any difference is critical `edi.asnTotalsMismatch` (class data) or a
 * line-level `edi.asnLineMismatch` / `edi.asnLineMissing` / `edi.asnLineUnexpected`.
 */
export function evaluateControlTotals(input: ControlTotalsInput): EdiCheckDocument {
  const p: (EdiProblem & { status: Status })[] = [];
  const { asn, errors } = input.asn;
  for (const e of errors) p.push({ status: 'critical', code: 'edi.asnStructure', failureClass: 'data', segment: e.segment, element: e.element, message: `856 ${e.message}` });
  const asnQty = asn.lines.reduce((s, l) => s + l.quantity, 0);
  const declared = asn.totals;
  if (!declared) {
    p.push({ status: 'critical', code: 'edi.asnTotalsMismatch', failureClass: 'data', segment: 'CTT', message: `856 ${asn.shipmentId} has no CTT control totals` });
  } else {
    if (declared.lineCount !== asn.lines.length) {
      p.push({ status: 'critical', code: 'edi.asnTotalsMismatch', failureClass: 'data', segment: 'CTT', element: 1, message: `856 ${asn.shipmentId}: CTT01 declares ${declared.lineCount} line items, the ASN has ${asn.lines.length} item loops` });
    }
    if (Math.abs(declared.quantityHash - asnQty) > 1e-9) {
      p.push({ status: 'critical', code: 'edi.asnTotalsMismatch', failureClass: 'data', segment: 'CTT', element: 2, message: `856 ${asn.shipmentId}: CTT02 hash total ${declared.quantityHash} differs from the sum of SN102 quantities ${asnQty}` });
    }
  }
  if (input.expected.poNumber !== undefined && asn.poNumber !== input.expected.poNumber) {
    p.push({ status: 'critical', code: 'edi.asnPoMismatch', failureClass: 'data', segment: 'PRF', element: 1, message: `856 ${asn.shipmentId} is for PO ${asn.poNumber || '(none)'}, expected ${input.expected.poNumber}` });
  }
  const want = normalise(input.expected.lines, input.conversions);
  const got = normalise(asn.lines, input.conversions);
  for (const [sku, w] of want) {
    const g = got.get(sku);
    if (!g) p.push({ status: 'critical', code: 'edi.asnLineMissing', failureClass: 'data', segment: 'LIN', message: `856 ${asn.shipmentId} has no item loop for ${sku} (expected ${w.quantity} ${w.uom})` });
    else if (g.uom !== w.uom || Math.abs(g.quantity - w.quantity) > 1e-9) {
      p.push({ status: 'critical', code: 'edi.asnLineMismatch', failureClass: 'data', segment: 'SN1', element: 2, message: `856 ${asn.shipmentId} ships ${g.quantity} ${g.uom} of ${sku}, expected ${w.quantity} ${w.uom}` });
    }
  }
  for (const [sku, g] of got) {
    if (!want.has(sku)) p.push({ status: 'critical', code: 'edi.asnLineUnexpected', failureClass: 'data', segment: 'LIN', message: `856 ${asn.shipmentId} ships ${g.quantity} ${g.uom} of ${sku}, which was not expected` });
  }
  return finish(p, {
    shipmentId: asn.shipmentId,
    poNumber: asn.poNumber,
    expected: { lines: input.expected.lines.length, quantity: input.expected.lines.reduce((s, l) => s + l.quantity, 0) },
    shipped: { lines: asn.lines.length, quantity: asnQty },
    declared: declared ?? null,
  });
}

/** Parses an 856 and evaluates its control totals. */
export function checkAsnText(text: string, expected: ControlTotalsInput['expected'], conversions?: ControlTotalsInput['conversions']): EdiCheckDocument {
  const parsed = parseX12(text);
  if (!parsed.ok) {
    return finish(
      parsed.problems.map((m) => ({ status: 'critical' as Status, code: 'edi.asnMalformed', failureClass: 'data' as FailureClass, segment: m.segment, element: m.element, message: `856 cannot be read: ${m.message}` })),
      {},
    );
  }
  const tx = parsed.interchange.groups.flatMap((g) => g.transactions).find((t) => t.type === '856');
  if (!tx) return finish([{ status: 'critical', code: 'edi.asnMalformed', failureClass: 'data', segment: 'ST', element: 1, message: 'document holds no 856 transaction set' }], {});
  return evaluateControlTotals({ expected, asn: read856(tx), conversions });
}

// ---------------------------------------------------------------------------------------------
// File arrival window

export interface FileArrivalExpectation {
  /** Trading partner the file comes from or goes to; replaces {partner} in folder and pattern. */
  partner: string;
  folder: string;
  /** File name pattern: * and ? wildcards, {partner}. */
  pattern: string;
  /**
   * The window: daily 'HH:MM' (UTC) times, or ISO timestamps for a one-off. `by` is the deadline;
   * `from` defaults to 24 hours before it.
   */
  window: { from?: string; by: string };
  /** Minutes after the deadline during which a missing file is a warning rather than critical. */
  graceMinutes?: number;
}

export interface ObservedFile {
  name: string;
  /** Modification time, ms since epoch: when the file landed. */
  mtimeMs: number;
  size: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * The window to judge at `now`. A one-off (ISO) window is itself. A daily window with an explicit
 * `from` is today's while it is open, otherwise the last one that closed; without `from` the windows
 * touch end to end, so the one to judge is always the last that closed.
 */
export function arrivalWindow(window: FileArrivalExpectation['window'], now: Date): { from: number; by: number } {
  const at = (spec: string, label: string): number => {
    const m = spec.match(HHMM);
    if (m) return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), Number(m[1]), Number(m[2]));
    const t = Date.parse(spec);
    if (Number.isNaN(t)) throw new Error(`window.${label} ${JSON.stringify(spec)} is neither HH:MM (UTC) nor an ISO timestamp`);
    return t;
  };
  const daily = HHMM.test(window.by);
  if (!daily) {
    if (window.from !== undefined && HHMM.test(window.from)) throw new Error('window.from must be an ISO timestamp when window.by is one');
    const by = at(window.by, 'by');
    return { from: window.from !== undefined ? at(window.from, 'from') : by - DAY, by };
  }
  if (window.from !== undefined && !HHMM.test(window.from)) throw new Error('window.from must be HH:MM when window.by is HH:MM');
  const by0 = at(window.by, 'by');
  const length = window.from !== undefined ? (((by0 - at(window.from, 'from')) % DAY) + DAY) % DAY || DAY : DAY;
  const t = now.getTime();
  const candidates = [-1, 0, 1].map((k) => ({ from: by0 + k * DAY - length, by: by0 + k * DAY }));
  if (window.from !== undefined) {
    const open = candidates.find((w) => w.from <= t && t <= w.by);
    if (open) return open;
  }
  return candidates.filter((w) => w.by <= t).pop()!;
}

export function globToRegExp(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

/**
 * Did the expected file arrive in its window? ok when a non-empty matching file landed between
 * `from` and `by` (or the deadline is still ahead: pending); `edi.fileLate` (warning) when it landed
 * after the deadline or is missing within the grace period; `edi.fileMissing` (critical) after it.
 */
export function evaluateFileArrival(exp: FileArrivalExpectation, files: ObservedFile[], now: Date): EdiCheckDocument {
  const pattern = globToRegExp(exp.pattern.split('{partner}').join(exp.partner));
  const { from, by } = arrivalWindow(exp.window, now);
  const grace = (exp.graceMinutes ?? 0) * MINUTE;
  const matching = files.filter((f) => pattern.test(f.name) && f.mtimeMs >= from).sort((a, b) => a.mtimeMs - b.mtimeMs);
  const inWindow = matching.filter((f) => f.mtimeMs <= by && f.size > 0);
  const empty = matching.filter((f) => f.size === 0);
  const late = matching.filter((f) => f.mtimeMs > by && f.size > 0);
  const figures = {
    partner: exp.partner,
    folder: exp.folder,
    pattern: exp.pattern,
    windowFrom: new Date(from).toISOString(),
    deadline: new Date(by).toISOString(),
    files: matching.map((f) => ({ name: f.name, arrivedAt: new Date(f.mtimeMs).toISOString(), size: f.size })),
  };
  const where = `${exp.partner}: ${exp.pattern} in ${exp.folder}`;
  const p: (EdiProblem & { status: Status })[] = [];
  for (const f of empty) p.push({ status: 'warning', code: 'edi.fileEmpty', failureClass: 'data', message: `${where}: ${f.name} is empty (0 bytes)` });
  if (inWindow.length > 0) {
    const first = inWindow[0]!;
    return finish(p, { ...figures, state: 'arrived', arrivedAt: new Date(first.mtimeMs).toISOString(), marginMinutes: Math.floor((by - first.mtimeMs) / MINUTE) });
  }
  if (now.getTime() <= by) return finish(p, { ...figures, state: 'pending', arrivedAt: null });
  if (late.length > 0) {
    const first = late[0]!;
    const mins = Math.ceil((first.mtimeMs - by) / MINUTE);
    p.push({ status: 'warning', code: 'edi.fileLate', failureClass: 'business', message: `${where}: ${first.name} arrived ${mins} min after the deadline ${new Date(by).toISOString()}` });
    return finish(p, { ...figures, state: 'late', arrivedAt: new Date(first.mtimeMs).toISOString(), lateMinutes: mins });
  }
  const overdue = Math.floor((now.getTime() - by) / MINUTE);
  const status: Status = now.getTime() <= by + grace ? 'warning' : 'critical';
  p.push({
    status,
    code: status === 'warning' ? 'edi.fileLate' : 'edi.fileMissing',
    failureClass: 'business',
    message: `${where}: no file since ${new Date(from).toISOString()}, deadline ${new Date(by).toISOString()} passed ${overdue} min ago`,
  });
  return finish(p, { ...figures, state: status === 'warning' ? 'overdue' : 'missing', arrivedAt: null });
}

/** Lists the folder and evaluates the window. A folder that cannot be read is a critical finding. */
export async function checkFileArrival(exp: FileArrivalExpectation, now: Date = new Date()): Promise<EdiCheckDocument> {
  const folder = exp.folder.split('{partner}').join(exp.partner);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    return finish([{ status: 'critical', code: 'edi.folderUnreadable', failureClass: 'transport', message: `${exp.partner}: folder ${folder} cannot be read (${reason})` }], {
      partner: exp.partner,
      folder,
    });
  }
  const files: ObservedFile[] = [];
  for (const name of names) {
    try {
      const s = await stat(join(folder, name));
      if (s.isFile()) files.push({ name, mtimeMs: s.mtimeMs, size: s.size });
    } catch {
      // A file removed between readdir and stat (picked up by the partner) did arrive; it just left.
    }
  }
  return evaluateFileArrival({ ...exp, folder }, files, now);
}
