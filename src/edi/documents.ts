import { ControlNumbers } from './control-numbers.ts';
import { buildX12, ccyymmdd, DEFAULT_DELIMITERS, el, hhmm, type Interchange, type Party, type Segment, type Transaction } from './x12.ts';

/**
 * The business documents of the EDI order flow: 850 purchase order (in), 997 functional
 * acknowledgement, 855 PO acknowledgement, 856 ship notice (ASN) and 810 invoice (out).
 * Builders return X12 text with envelopes and control numbers; readers take a parsed transaction set.
 */

export interface Envelope {
  sender: Party;
  receiver: Party;
  controlNumbers: ControlNumbers;
  at?: Date;
  usage?: 'P' | 'T';
}

export interface Built {
  text: string;
  type: string;
  interchangeControlNumber: string;
  groupControlNumber: string;
  transactionControlNumber: string;
}

function build(env: Envelope, functionalId: string, type: string, segments: (readonly string[])[], ackRequested = false): Built {
  const icn = env.controlNumbers.nextInterchange();
  const gcn = env.controlNumbers.nextGroup();
  const tcn = env.controlNumbers.nextTransaction();
  const text = buildX12({
    sender: env.sender,
    receiver: env.receiver,
    interchangeControlNumber: icn,
    groupControlNumber: gcn,
    functionalId,
    at: env.at,
    usage: env.usage,
    ackRequested,
    transactions: [{ type, controlNumber: tcn, segments }],
  });
  return { text, type, interchangeControlNumber: String(icn).padStart(9, '0'), groupControlNumber: String(gcn), transactionControlNumber: tcn };
}

function num(n: number): string {
  // X12 numeric (R) elements: no exponent, no trailing zeros.
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(6)));
}

function toDate(ymd: string, time = ''): string | undefined {
  if (!/^\d{8}$/.test(ymd)) return undefined;
  const t = /^\d{4}/.test(time) ? `${time.slice(0, 2)}:${time.slice(2, 4)}` : '00:00';
  return `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}T${t}:00.000Z`;
}

// ---------------------------------------------------------------------------------------------
// 850 purchase order

export interface OrderLine {
  lineNo?: number;
  sku: string;
  quantity: number;
  /** X12 unit of measure code (355): EA each, CA case. */
  uom: string;
  unitPrice?: number;
}

export interface PurchaseOrder {
  poNumber: string;
  /** CCYYMMDD; defaults to the envelope date. */
  poDate?: string;
  /** Buyer code (N1*BY, qualifier 92). */
  buyer: string;
  buyerName?: string;
  /** Ship-from warehouse code (N1*SF, qualifier 92). */
  shipFrom?: string;
  /** Carried in REF*ZZ so every system can find the synthetic transaction. */
  correlationId?: string;
  lines: OrderLine[];
}

/** A segment/element fault found in an inbound transaction: what a 997 reports in AK3/AK4. */
export interface SegmentError {
  segment: string;
  /** Position in the transaction set, ST = 1. */
  position: number;
  loopId?: string;
  /** AK304: 1 unrecognized, 2 unexpected, 3 mandatory missing, 7 not in sequence, 8 data element errors. */
  segmentCode: string;
  /** AK401: element position in the segment (1-based). */
  element?: number;
  /** AK402: data element reference number (330 quantity, 355 UoM, 234 product id, 324 PO number). */
  elementRef?: string;
  /** AK403: 1 mandatory missing, 4 too short, 5 too long, 6 invalid character, 7 invalid code value, 8 invalid date. */
  elementCode?: string;
  /** AK404: a copy of the bad value. */
  badValue?: string;
  message: string;
}

export function build850(po: PurchaseOrder, env: Envelope): Built {
  const at = env.at ?? new Date();
  const segs: string[][] = [['BEG', '00', 'SA', po.poNumber, '', po.poDate ?? ccyymmdd(at)]];
  if (po.correlationId) segs.push(['REF', 'ZZ', po.correlationId]);
  segs.push(['N1', 'BY', po.buyerName ?? po.buyer, '92', po.buyer]);
  if (po.shipFrom) segs.push(['N1', 'SF', po.shipFrom, '92', po.shipFrom]);
  po.lines.forEach((l, i) => {
    segs.push(['PO1', String(l.lineNo ?? i + 1), num(l.quantity), l.uom, l.unitPrice === undefined ? '' : num(l.unitPrice), '', 'VP', l.sku]);
  });
  segs.push(['CTT', String(po.lines.length), num(po.lines.reduce((s, l) => s + l.quantity, 0))]);
  return build(env, 'PO', '850', segs, true);
}

export interface Read850 {
  order?: PurchaseOrder;
  errors: SegmentError[];
}

/** Reads and validates an 850 the way a partner's translator does; every fault names its segment and element. */
export function read850(tx: Transaction, opts: { uoms?: readonly string[] } = {}): Read850 {
  const errors: SegmentError[] = [];
  const uoms = opts.uoms ?? ['EA', 'CA'];
  if (tx.type !== '850') {
    return { errors: [{ segment: 'ST', position: 1, segmentCode: '8', element: 1, elementRef: '143', elementCode: '7', badValue: tx.type, message: `ST01 is ${tx.type}, expected 850` }] };
  }
  const beg = tx.segments.find((s) => s.tag === 'BEG');
  if (!beg) errors.push({ segment: 'BEG', position: 2, segmentCode: '3', message: 'BEG (beginning segment) is missing' });
  else if (!el(beg, 3)) errors.push({ segment: 'BEG', position: beg.position, segmentCode: '8', element: 3, elementRef: '324', elementCode: '1', message: 'BEG03 (purchase order number) is empty' });
  const ref = tx.segments.find((s) => s.tag === 'REF' && el(s, 1) === 'ZZ');
  const n1s = tx.segments.filter((s) => s.tag === 'N1');
  const by = n1s.find((s) => el(s, 1) === 'BY');
  const sf = n1s.find((s) => el(s, 1) === 'SF');
  if (!by) errors.push({ segment: 'N1', position: beg ? beg.position + 1 : 2, loopId: 'N1', segmentCode: '3', message: 'N1*BY (buyer) is missing' });
  const po1s = tx.segments.filter((s) => s.tag === 'PO1');
  if (po1s.length === 0) errors.push({ segment: 'PO1', position: tx.segments.length + 2, loopId: 'PO1', segmentCode: '3', message: 'no PO1 line item' });
  const lines: OrderLine[] = [];
  for (const s of po1s) {
    const base = { segment: 'PO1', position: s.position, loopId: 'PO1', segmentCode: '8' };
    const qtyText = el(s, 2);
    const qty = Number(qtyText);
    const sku = el(s, 7);
    if (!qtyText) errors.push({ ...base, element: 2, elementRef: '330', elementCode: '1', message: `PO1 line ${el(s, 1)}: PO102 (quantity) is empty` });
    else if (!/^\d+(\.\d+)?$/.test(qtyText) || !(qty > 0)) {
      errors.push({ ...base, element: 2, elementRef: '330', elementCode: '6', badValue: qtyText, message: `PO1 line ${el(s, 1)}: PO102 (quantity) ${JSON.stringify(qtyText)} is not a positive number` });
    }
    if (!uoms.includes(el(s, 3))) {
      errors.push({ ...base, element: 3, elementRef: '355', elementCode: el(s, 3) ? '7' : '1', badValue: el(s, 3), message: `PO1 line ${el(s, 1)}: PO103 (unit of measure) ${JSON.stringify(el(s, 3))} is not one of ${uoms.join(', ')}` });
    }
    if (!sku) errors.push({ ...base, element: 7, elementRef: '234', elementCode: '1', message: `PO1 line ${el(s, 1)}: PO107 (product id) is empty` });
    const price = el(s, 4);
    lines.push({ lineNo: Number(el(s, 1)) || lines.length + 1, sku, quantity: qty, uom: el(s, 3), ...(price ? { unitPrice: Number(price) } : {}) });
  }
  if (errors.length > 0) return { errors };
  return {
    errors,
    order: {
      poNumber: el(beg, 3),
      poDate: el(beg, 5) || undefined,
      buyer: el(by, 4) || el(by, 2),
      buyerName: el(by, 2) || undefined,
      ...(sf ? { shipFrom: el(sf, 4) || el(sf, 2) } : {}),
      ...(ref ? { correlationId: el(ref, 2) } : {}),
      lines,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 997 functional acknowledgement

export type AckCode = 'A' | 'E' | 'P' | 'R' | 'M' | 'W' | 'X';

export interface TransactionAck {
  type: string;
  controlNumber: string;
  /** AK501: A accepted, E accepted with errors, R rejected. */
  status: AckCode;
  /** AK502..: 1 not supported, 2 trailer missing, 3 control number mismatch, 4 segment count wrong, 5 segments in error. */
  codes: string[];
  errors: SegmentError[];
}

export interface FunctionalAck {
  /** AK101 / AK102: the acknowledged group. */
  functionalId: string;
  groupControlNumber: string;
  /** AK901: A, E, P (partially accepted), R. */
  status: AckCode;
  included: number;
  received: number;
  accepted: number;
  /** AK905..: 3 trailer missing, 4 control number mismatch, 5 transaction count wrong. */
  codes: string[];
  transactions: TransactionAck[];
}

export function build997(ack: FunctionalAck, env: Envelope): Built {
  const segs: string[][] = [['AK1', ack.functionalId, ack.groupControlNumber]];
  for (const t of ack.transactions) {
    segs.push(['AK2', t.type, t.controlNumber]);
    for (const e of t.errors) {
      segs.push(['AK3', e.segment, String(e.position), e.loopId ?? '', e.segmentCode]);
      if (e.element !== undefined) segs.push(['AK4', String(e.element), e.elementRef ?? '', e.elementCode ?? '', e.badValue ?? '']);
    }
    segs.push(['AK5', t.status, ...t.codes.slice(0, 5)]);
  }
  segs.push(['AK9', ack.status, String(ack.included), String(ack.received), String(ack.accepted), ...ack.codes.slice(0, 5)]);
  return build(env, 'FA', '997', segs);
}

/**
 * TA1 interchange acknowledgement: the receiver's verdict on an interchange envelope (ISA/IEA), sent
 * in an interchange of its own (ISA, TA1, IEA; no functional group). A rejected interchange (R) is
 * not processed: no 997 will follow. Note codes (TA105) of X12 element I18 that this project uses.
 */
export const TA1_NOTES: Record<string, string> = {
  '000': 'no error',
  '001': 'the interchange control numbers in ISA13 and IEA02 do not match',
  '004': 'the segment terminator is invalid',
  '005': 'invalid interchange ID qualifier for the sender (ISA05)',
  '006': 'invalid interchange sender ID (ISA06)',
  '007': 'invalid interchange ID qualifier for the receiver (ISA07)',
  '008': 'invalid interchange receiver ID (ISA08)',
  '009': 'unknown interchange receiver ID (ISA08)',
  '021': 'invalid number of included groups (IEA01)',
  '022': 'invalid control structure',
  '024': 'invalid interchange content',
  '025': 'duplicate interchange control number',
};

export interface InterchangeAck {
  /** ISA13, ISA09 (YYMMDD) and ISA10 (HHMM) of the interchange acknowledged. */
  controlNumber: string;
  date: string;
  time: string;
  /** TA104: A accepted, E accepted with errors, R rejected. */
  status: 'A' | 'E' | 'R';
  /** TA105. */
  note: string;
}

export function buildTA1(ack: InterchangeAck, env: Envelope): Built {
  const d = DEFAULT_DELIMITERS;
  const icn = String(env.controlNumbers.nextInterchange()).padStart(9, '0');
  const at = env.at ?? new Date();
  const pad = (v: string, n: number) => v.padEnd(n, ' ').slice(0, n);
  const isa = [
    'ISA', '00', pad('', 10), '00', pad('', 10),
    pad(env.sender.qualifier ?? 'ZZ', 2), pad(env.sender.id, 15),
    pad(env.receiver.qualifier ?? 'ZZ', 2), pad(env.receiver.id, 15),
    at.toISOString().slice(2, 10).replace(/-/g, ''), at.toISOString().slice(11, 16).replace(':', ''),
    d.repetition, '00401', icn, '0', env.usage ?? 'T', d.subElement,
  ].join(d.element);
  const ta1 = ['TA1', ack.controlNumber.padStart(9, '0'), ack.date, ack.time, ack.status, ack.note.padStart(3, '0')].join(d.element);
  const iea = ['IEA', '0', icn].join(d.element);
  return { text: `${isa}${d.segment}${ta1}${d.segment}${iea}${d.segment}`, type: 'TA1', interchangeControlNumber: icn, groupControlNumber: '', transactionControlNumber: '' };
}

/** Reads the TA1 of an interchange acknowledgement; a problem when there is none or it is malformed. */
export function readTA1(text: string): { ack: InterchangeAck; problems?: undefined } | { ack?: undefined; problems: string[] } {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (!t.startsWith('ISA') || t.length < 106) return { problems: ['not an X12 interchange: no ISA header of 106 characters'] };
  const element = t[3]!;
  const segment = t[105]!;
  const segs = t.split(segment).map((x) => x.trim()).filter(Boolean).map((x) => x.split(element));
  const ta1 = segs.find((x) => x[0] === 'TA1');
  if (!ta1) return { problems: ['the interchange holds no TA1 segment'] };
  const [, controlNumber = '', date = '', time = '', status = '', note = ''] = ta1;
  const problems: string[] = [];
  if (!/^\d{9}$/.test(controlNumber)) problems.push(`TA101 ${JSON.stringify(controlNumber)} is not a 9-digit interchange control number`);
  if (status !== 'A' && status !== 'E' && status !== 'R') problems.push(`TA104 ${JSON.stringify(status)} is not A, E or R`);
  if (!/^\d{3}$/.test(note)) problems.push(`TA105 ${JSON.stringify(note)} is not a 3-digit note code`);
  if (problems.length) return { problems };
  return { ack: { controlNumber, date, time, status: status as InterchangeAck['status'], note } };
}

/** "TA1 R 006 (invalid interchange sender ID (ISA06))" */
export function describeTA1(a: InterchangeAck): string {
  return `TA1 ${a.status} ${a.note} (${TA1_NOTES[a.note] ?? 'note code not listed here'}) for interchange ISA13=${a.controlNumber}`;
}

export function read997(tx: Transaction): FunctionalAck {
  const ak1 = tx.segments.find((s) => s.tag === 'AK1');
  const ak9 = tx.segments.find((s) => s.tag === 'AK9');
  const transactions: TransactionAck[] = [];
  let current: TransactionAck | undefined;
  let lastAk3: SegmentError | undefined;
  for (const s of tx.segments) {
    if (s.tag === 'AK2') {
      current = { type: el(s, 1), controlNumber: el(s, 2), status: 'A', codes: [], errors: [] };
      transactions.push(current);
      lastAk3 = undefined;
    } else if (s.tag === 'AK3' && current) {
      lastAk3 = { segment: el(s, 1), position: Number(el(s, 2)) || 0, loopId: el(s, 3) || undefined, segmentCode: el(s, 4), message: '' };
      current.errors.push(lastAk3);
    } else if (s.tag === 'AK4' && current) {
      const e: SegmentError = lastAk3 && lastAk3.element === undefined ? lastAk3 : { ...(lastAk3 ?? { segment: '', position: 0, segmentCode: '8', message: '' }) };
      e.element = Number(el(s, 1).split('>')[0]) || undefined;
      e.elementRef = el(s, 2) || undefined;
      e.elementCode = el(s, 3) || undefined;
      e.badValue = el(s, 4) || undefined;
      if (e !== lastAk3) current.errors.push(e);
    } else if (s.tag === 'AK5' && current) {
      current.status = (el(s, 1) || 'A') as AckCode;
      current.codes = s.elements.slice(1).filter(Boolean);
    }
  }
  for (const t of transactions) for (const e of t.errors) e.message = describeSegmentError(e);
  return {
    functionalId: el(ak1, 1),
    groupControlNumber: el(ak1, 2),
    status: (el(ak9, 1) || 'R') as AckCode,
    included: Number(el(ak9, 2)) || 0,
    received: Number(el(ak9, 3)) || 0,
    accepted: Number(el(ak9, 4)) || 0,
    codes: ak9 ? ak9.elements.slice(4).filter(Boolean) : [],
    transactions,
  };
}

const SEGMENT_CODES: Record<string, string> = {
  '1': 'unrecognized segment',
  '2': 'unexpected segment',
  '3': 'mandatory segment missing',
  '4': 'loop occurs over maximum times',
  '5': 'segment exceeds maximum use',
  '6': 'segment not in defined transaction set',
  '7': 'segment not in proper sequence',
  '8': 'segment has data element errors',
};
const ELEMENT_CODES: Record<string, string> = {
  '1': 'mandatory data element missing',
  '2': 'conditional required data element missing',
  '3': 'too many data elements',
  '4': 'data element too short',
  '5': 'data element too long',
  '6': 'invalid character in data element',
  '7': 'invalid code value',
  '8': 'invalid date',
  '9': 'invalid time',
  '10': 'exclusion condition violated',
};

/** "PO1 (position 5) element 03 (ref 355): invalid code value "XX"" from AK3/AK4 content. */
export function describeSegmentError(e: SegmentError): string {
  const where = `segment ${e.segment || '?'} at position ${e.position}`;
  if (e.element === undefined) return `${where}: ${SEGMENT_CODES[e.segmentCode] ?? `error code ${e.segmentCode}`}`;
  const elName = `${e.segment}${String(e.element).padStart(2, '0')}`;
  const what = ELEMENT_CODES[e.elementCode ?? ''] ?? `error code ${e.elementCode ?? '?'}`;
  const ref = e.elementRef ? ` (data element ${e.elementRef})` : '';
  const bad = e.badValue ? ` ${JSON.stringify(e.badValue)}` : '';
  return `${where}, element ${elName}${ref}: ${what}${bad}`;
}

// ---------------------------------------------------------------------------------------------
// 855 purchase order acknowledgement

export interface PoAckLine {
  lineNo: number;
  sku: string;
  quantity: number;
  uom: string;
  /** ACK01: IA item accepted, IR item rejected, IB backordered. */
  status: string;
}

export interface PoAck {
  poNumber: string;
  poDate: string;
  /** BAK02: AC acknowledge with detail and change, AD with detail no change, AK no detail, RJ rejected. */
  ackType: 'AC' | 'AD' | 'AK' | 'RJ' | string;
  /** The seller's (ERP) order number, BAK08. */
  orderNumber?: string;
  correlationId?: string;
  /** Why a PO was rejected, in MSG. */
  reason?: string;
  lines: PoAckLine[];
}

export function build855(ack: PoAck, env: Envelope): Built {
  const at = env.at ?? new Date();
  const segs: string[][] = [['BAK', '00', ack.ackType, ack.poNumber, ack.poDate, '', '', '', ack.orderNumber ?? '', ccyymmdd(at)]];
  if (ack.correlationId) segs.push(['REF', 'ZZ', ack.correlationId]);
  if (ack.reason) segs.push(['MSG', ack.reason.replace(/[*~>]/g, ' ').slice(0, 264)]);
  for (const l of ack.lines) {
    segs.push(['PO1', String(l.lineNo), num(l.quantity), l.uom, '', '', 'VP', l.sku]);
    segs.push(['ACK', l.status, num(l.quantity), l.uom]);
  }
  segs.push(['CTT', String(ack.lines.length), num(ack.lines.reduce((s, l) => s + l.quantity, 0))]);
  return build(env, 'PR', '855', segs);
}

export function read855(tx: Transaction): PoAck {
  const bak = tx.segments.find((s) => s.tag === 'BAK');
  const ref = tx.segments.find((s) => s.tag === 'REF' && el(s, 1) === 'ZZ');
  const msg = tx.segments.find((s) => s.tag === 'MSG');
  const lines: PoAckLine[] = [];
  for (const [i, s] of tx.segments.entries()) {
    if (s.tag !== 'PO1') continue;
    const next = tx.segments[i + 1];
    const ack = next?.tag === 'ACK' ? next : undefined;
    lines.push({ lineNo: Number(el(s, 1)), sku: el(s, 7), quantity: Number(el(ack, 2) || el(s, 2)), uom: el(ack, 3) || el(s, 3), status: el(ack, 1) || 'IA' });
  }
  return {
    poNumber: el(bak, 3),
    poDate: el(bak, 4),
    ackType: el(bak, 2),
    ...(el(bak, 8) ? { orderNumber: el(bak, 8) } : {}),
    ...(ref ? { correlationId: el(ref, 2) } : {}),
    ...(msg ? { reason: el(msg, 1) } : {}),
    lines,
  };
}

// ---------------------------------------------------------------------------------------------
// 856 ship notice / manifest (ASN): HL loops shipment > order > item

export interface AsnLine {
  lineNo?: number;
  sku: string;
  quantity: number;
  uom: string;
}

export interface Asn {
  shipmentId: string;
  /** ISO timestamp. */
  shippedAt: string;
  poNumber: string;
  orderNumber?: string;
  correlationId?: string;
  warehouse?: string;
  lines: AsnLine[];
  /** CTT01 (number of item HL loops) and CTT02 (hash total of SN102). Computed when absent. */
  totals?: { lineCount: number; quantityHash: number };
}

export function build856(asn: Asn, env: Envelope): Built {
  const shipped = new Date(asn.shippedAt);
  const segs: string[][] = [['BSN', '00', asn.shipmentId, ccyymmdd(shipped), hhmm(shipped)]];
  let hl = 0;
  const shipmentHl = ++hl;
  segs.push(['HL', String(shipmentHl), '', 'S']);
  segs.push(['DTM', '011', ccyymmdd(shipped), hhmm(shipped)]);
  if (asn.warehouse) segs.push(['N1', 'SF', asn.warehouse, '92', asn.warehouse]);
  const orderHl = ++hl;
  segs.push(['HL', String(orderHl), String(shipmentHl), 'O']);
  segs.push(['PRF', asn.poNumber]);
  if (asn.orderNumber) segs.push(['REF', 'VN', asn.orderNumber]);
  if (asn.correlationId) segs.push(['REF', 'ZZ', asn.correlationId]);
  asn.lines.forEach((l, i) => {
    segs.push(['HL', String(++hl), String(orderHl), 'I']);
    segs.push(['LIN', String(l.lineNo ?? i + 1), 'VP', l.sku]);
    segs.push(['SN1', '', num(l.quantity), l.uom]);
  });
  const totals = asn.totals ?? { lineCount: asn.lines.length, quantityHash: asn.lines.reduce((s, l) => s + l.quantity, 0) };
  segs.push(['CTT', String(totals.lineCount), num(totals.quantityHash)]);
  return build(env, 'SH', '856', segs);
}

export interface Read856 {
  asn: Asn & { totals: { lineCount: number; quantityHash: number } | undefined };
  /** HL structure faults (a parent that does not exist, an item outside an order). */
  errors: SegmentError[];
}

export function read856(tx: Transaction): Read856 {
  const bsn = tx.segments.find((s) => s.tag === 'BSN');
  const errors: SegmentError[] = [];
  const levels = new Map<string, string>();
  let level = '';
  let poNumber = '';
  let orderNumber: string | undefined;
  let correlationId: string | undefined;
  let warehouse: string | undefined;
  let shippedAt = toDate(el(bsn, 3), el(bsn, 4)) ?? '';
  const lines: AsnLine[] = [];
  let line: AsnLine | undefined;
  for (const s of tx.segments) {
    switch (s.tag) {
      case 'HL': {
        const parent = el(s, 2);
        level = el(s, 3);
        if (parent && !levels.has(parent)) {
          errors.push({ segment: 'HL', position: s.position, loopId: 'HL', segmentCode: '8', element: 2, elementRef: '734', elementCode: '7', badValue: parent, message: `HL ${el(s, 1)} names parent ${parent} that does not exist` });
        }
        levels.set(el(s, 1), level);
        if (level === 'I') {
          line = { sku: '', quantity: 0, uom: '' };
          lines.push(line);
        }
        break;
      }
      case 'DTM':
        if (el(s, 1) === '011') shippedAt = toDate(el(s, 2), el(s, 3)) ?? shippedAt;
        break;
      case 'N1':
        if (el(s, 1) === 'SF') warehouse = el(s, 4) || el(s, 2);
        break;
      case 'PRF':
        poNumber = el(s, 1);
        break;
      case 'REF':
        if (el(s, 1) === 'VN') orderNumber = el(s, 2);
        if (el(s, 1) === 'ZZ') correlationId = el(s, 2);
        break;
      case 'LIN':
        if (line) {
          line.lineNo = Number(el(s, 1)) || undefined;
          line.sku = el(s, 3);
        }
        break;
      case 'SN1':
        if (line) {
          line.quantity = Number(el(s, 2));
          line.uom = el(s, 3);
        }
        break;
    }
  }
  const ctt = tx.segments.find((s) => s.tag === 'CTT');
  const totals = ctt ? { lineCount: Number(el(ctt, 1)), quantityHash: Number(el(ctt, 2)) } : undefined;
  return {
    asn: {
      shipmentId: el(bsn, 2),
      shippedAt,
      poNumber,
      ...(orderNumber ? { orderNumber } : {}),
      ...(correlationId ? { correlationId } : {}),
      ...(warehouse ? { warehouse } : {}),
      lines,
      totals,
    },
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// 810 invoice

export interface InvoiceLine {
  lineNo?: number;
  sku: string;
  quantity: number;
  uom: string;
  unitPrice: number;
}

export interface Invoice {
  invoiceNumber: string;
  /** CCYYMMDD */
  invoiceDate: string;
  poNumber: string;
  correlationId?: string;
  lines: InvoiceLine[];
}

export function invoiceTotalCents(lines: InvoiceLine[]): number {
  return lines.reduce((s, l) => s + Math.round(l.quantity * l.unitPrice * 100), 0);
}

export function build810(inv: Invoice, env: Envelope): Built {
  const segs: string[][] = [['BIG', inv.invoiceDate, inv.invoiceNumber, '', inv.poNumber]];
  if (inv.correlationId) segs.push(['REF', 'ZZ', inv.correlationId]);
  inv.lines.forEach((l, i) => segs.push(['IT1', String(l.lineNo ?? i + 1), num(l.quantity), l.uom, num(l.unitPrice), '', 'VP', l.sku]));
  segs.push(['TDS', String(invoiceTotalCents(inv.lines))]);
  segs.push(['CTT', String(inv.lines.length)]);
  return build(env, 'IN', '810', segs);
}

export function read810(tx: Transaction): Invoice & { totalCents: number } {
  const big = tx.segments.find((s) => s.tag === 'BIG');
  const ref = tx.segments.find((s) => s.tag === 'REF' && el(s, 1) === 'ZZ');
  const tds = tx.segments.find((s) => s.tag === 'TDS');
  const lines = tx.segments
    .filter((s) => s.tag === 'IT1')
    .map((s) => ({ lineNo: Number(el(s, 1)) || undefined, sku: el(s, 7), quantity: Number(el(s, 2)), uom: el(s, 3), unitPrice: Number(el(s, 4)) }));
  return {
    invoiceNumber: el(big, 2),
    invoiceDate: el(big, 1),
    poNumber: el(big, 4),
    ...(ref ? { correlationId: el(ref, 2) } : {}),
    lines,
    totalCents: Number(el(tds, 1)),
  };
}

// ---------------------------------------------------------------------------------------------

/** The first transaction set of a parsed interchange, with its group's control number. */
export function firstTransaction(ic: Interchange): { transaction: Transaction; groupControlNumber: string; functionalId: string } | undefined {
  for (const g of ic.groups) {
    const t = g.transactions[0];
    if (t) return { transaction: t, groupControlNumber: g.controlNumber, functionalId: g.functionalId };
  }
  return undefined;
}

export type { Segment };
