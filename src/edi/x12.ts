import { X12FunctionalGroup, X12Interchange, X12Parser, X12Transaction, type X12Segment } from 'node-x12';

/**
 * X12 interchanges as plain data, on top of node-x12 (tokenising, envelopes, generation).
 * The library reports envelope faults as free text or, for some nestings, throws; this layer turns
 * every fault into a problem naming the segment and element, so malformed EDI is a verdict, not a crash.
 */

export interface Segment {
  tag: string;
  /** Data elements, 0-based here: elements[0] is the X12 element 01. Use el(). */
  elements: string[];
  /** 1-based position within its transaction set, ST = 1 (what a 997 AK302 reports); 0 for envelope segments. */
  position: number;
}

export interface Transaction {
  type: string;
  controlNumber: string;
  /** Body segments between ST and SE. */
  segments: Segment[];
}

export interface FunctionalGroup {
  functionalId: string;
  senderCode: string;
  receiverCode: string;
  date: string;
  time: string;
  controlNumber: string;
  version: string;
  transactions: Transaction[];
}

export interface Delimiters {
  element: string;
  subElement: string;
  segment: string;
  repetition: string;
}

export interface Interchange {
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  date: string;
  time: string;
  version: string;
  controlNumber: string;
  ackRequested: boolean;
  usage: 'P' | 'T' | string;
  delimiters: Delimiters;
  groups: FunctionalGroup[];
}

export interface X12Problem {
  code: string;
  message: string;
  /** Segment id (ISA, GS, SE, PO1...) and element number (1-based) the problem is about. */
  segment?: string;
  element?: number;
  /** Position of the segment in its transaction set (ST = 1), when known. */
  position?: number;
  groupControlNumber?: string;
  transactionControlNumber?: string;
}

export type ParseResult =
  | { ok: true; interchange: Interchange; problems: X12Problem[] }
  | { ok: false; interchange?: Interchange; problems: X12Problem[] };

/** Element n (1-based, as X12 numbers them) of a segment; '' when absent. */
export function el(seg: Segment | undefined, n: number): string {
  return seg?.elements[n - 1] ?? '';
}

export const ISA_LENGTH = 106;
// ISA01..ISA16 are fixed width; a partner's translator rejects an ISA that is off by one character.
export const ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1] as const;

function show(ch: string): string {
  return JSON.stringify(ch);
}

/** Checks the fixed-width ISA and the delimiters it declares; returns them or the problems. */
function readIsa(text: string): { delimiters: Delimiters; isa: string[] } | { problems: X12Problem[] } {
  if (!text.startsWith('ISA')) {
    const start = JSON.stringify(text.slice(0, 20));
    return { problems: [{ code: 'x12.noIsa', segment: 'ISA', message: `document does not start with an ISA interchange header (starts with ${start})` }] };
  }
  const elementSep = text.charAt(3);
  if (/[A-Za-z0-9 ]/.test(elementSep) || elementSep === '') {
    return { problems: [{ code: 'x12.isa', segment: 'ISA', message: `ISA element separator ${show(elementSep)} (character 4) must not be a letter, digit or space` }] };
  }
  // Find the 16 element separators of the ISA without trusting the terminator yet.
  const seps: number[] = [];
  for (let i = 3; i < text.length && seps.length < 16; i++) if (text[i] === elementSep) seps.push(i);
  if (seps.length < 16) {
    return { problems: [{ code: 'x12.isa', segment: 'ISA', message: `ISA has ${seps.length} of its 16 elements: the interchange header is truncated` }] };
  }
  const isa: string[] = [];
  for (let n = 0; n < 16; n++) isa.push(text.slice(seps[n]! + 1, n < 15 ? seps[n + 1] : seps[15]! + 2));
  for (let n = 0; n < 16; n++) {
    const want = ISA_WIDTHS[n]!;
    if (isa[n]!.length !== want) {
      const name = `ISA${String(n + 1).padStart(2, '0')}`;
      return {
        problems: [
          {
            code: 'x12.isaLength',
            segment: 'ISA',
            element: n + 1,
            message: `ISA must be ${ISA_LENGTH} characters (fixed width): ${name} is ${isa[n]!.length} characters (${JSON.stringify(isa[n])}), must be ${want}`,
          },
        ],
      };
    }
  }
  const segmentSep = text.charAt(ISA_LENGTH - 1);
  const subSep = isa[15]!;
  const repetition = isa[10]!;
  const problems: X12Problem[] = [];
  if (segmentSep === '' || /[A-Za-z0-9]/.test(segmentSep) || segmentSep === elementSep || segmentSep === subSep) {
    problems.push({
      code: 'x12.segmentTerminator',
      segment: 'ISA',
      message: `segment terminator ${show(segmentSep)} after ISA16 (character ${ISA_LENGTH}) is not usable: it must differ from the element and component separators and not be a letter or digit`,
    });
  }
  if (subSep === elementSep) {
    problems.push({ code: 'x12.isa', segment: 'ISA', element: 16, message: `ISA16 component separator ${show(subSep)} equals the element separator` });
  }
  return problems.length > 0 ? { problems } : { delimiters: { element: elementSep, subElement: subSep, segment: segmentSep, repetition }, isa };
}

/** Segments after the ISA must end with the terminator the ISA declared. */
function checkTerminator(text: string, d: Delimiters): X12Problem | undefined {
  const whitespaceTerminator = /\s/.test(d.segment);
  const rest = whitespaceTerminator ? text.slice(ISA_LENGTH) : text.slice(ISA_LENGTH).replace(/\s+$/, '');
  if (rest.trim().length === 0) return { code: 'x12.envelope', segment: 'GS', message: 'interchange has an ISA and nothing else: no GS functional group and no IEA trailer' };
  const sep = escapeRe(d.element);
  // An envelope tag that starts after some other character inside one "segment" means the sender
  // ended its segments with a different character than the ISA declares.
  const boundary = new RegExp(`([^A-Za-z0-9 ${sep}${escapeRe(d.subElement)}${escapeRe(d.repetition)}])\\s*(?:GS|ST|SE|GE|IEA)${sep}`);
  let used: string | undefined;
  for (const piece of rest.split(d.segment)) {
    const m = piece.replace(/^\s+/, '').match(boundary);
    if (m) {
      used = m[1]!;
      break;
    }
  }
  if (used !== undefined) {
    return {
      code: 'x12.segmentTerminator',
      segment: 'ISA',
      message: `ISA declares segment terminator ${show(d.segment)} (character ${ISA_LENGTH}) but the segments after it end with ${show(used)}: the sender and the ISA disagree on the terminator`,
    };
  }
  if (whitespaceTerminator || rest.endsWith(d.segment)) return undefined;
  const last = rest.slice(rest.lastIndexOf(d.segment) + 1).trim();
  return {
    code: 'x12.segmentTerminator',
    segment: last.split(d.element)[0] || undefined,
    message: `the last segment ${JSON.stringify(last.slice(0, 40))} is not ended by the declared terminator ${show(d.segment)}: the document is truncated or uses another terminator`,
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\\-]/g, '\\$&');
}

function toSegment(s: X12Segment, position: number): Segment {
  return { tag: s.tag, elements: s.elements.map((e) => e.value), position };
}

/** The library's own envelope diagnostics, as problems naming the segment and element. */
function fromDiagnostic(message: string): X12Problem {
  const text = message.replace(/^X12 Standard:\s*/, '');
  const m = text.match(/value in ([A-Z]{2,3})(\d{2})/);
  if (m) {
    const segment = m[1]!;
    const element = Number(m[2]);
    const what = element === 1 ? 'Count' : 'ControlNumber';
    return { code: `x12.${segment.toLowerCase()}${what}`, segment, element, message: text };
  }
  const seg = text.match(/^(?:Missing )?([A-Z][A-Z0-9]{1,2}) segment/);
  return { code: 'x12.envelope', segment: seg?.[1], message: text };
}

// Counts and control numbers are checked here rather than taken from node-x12's diagnostics so that
// each problem names the group and transaction set it belongs to (a 997 answers per set).
const COUNT_CODES = new Set(['x12.ieaCount', 'x12.ieaControlNumber', 'x12.geCount', 'x12.geControlNumber', 'x12.seCount', 'x12.seControlNumber']);

function sameNumber(a: string, b: string): boolean {
  return a === b || (/^\d+$/.test(a) && /^\d+$/.test(b) && Number(a) === Number(b));
}

/** Envelope structure, counts and control numbers, each problem attributed to its group and set. */
function structureProblems(ic: X12Interchange): X12Problem[] {
  const out: X12Problem[] = [];
  const isa13 = ic.header.valueOf(13) ?? '';
  if (!ic.trailer) out.push({ code: 'x12.envelope', segment: 'IEA', message: 'interchange has no IEA trailer' });
  else {
    const iea01 = ic.trailer.valueOf(1) ?? '';
    const iea02 = ic.trailer.valueOf(2) ?? '';
    if (!sameNumber(iea01, String(ic.functionalGroups.length))) {
      out.push({ code: 'x12.ieaCount', segment: 'IEA', element: 1, message: `IEA01 says ${iea01} functional groups, the interchange has ${ic.functionalGroups.length}` });
    }
    if (!sameNumber(iea02, isa13)) {
      out.push({ code: 'x12.ieaControlNumber', segment: 'IEA', element: 2, message: `IEA02 control number ${iea02} does not match ISA13 ${isa13}` });
    }
  }
  if (ic.functionalGroups.length === 0) out.push({ code: 'x12.envelope', segment: 'GS', message: 'interchange has no GS functional group' });
  for (const g of ic.functionalGroups) {
    const gcn = g.header?.valueOf(6) ?? '';
    if (!g.trailer) out.push({ code: 'x12.envelope', segment: 'GE', groupControlNumber: gcn, message: `functional group GS06=${gcn} has no GE trailer` });
    else {
      const ge01 = g.trailer.valueOf(1) ?? '';
      const ge02 = g.trailer.valueOf(2) ?? '';
      if (!sameNumber(ge01, String(g.transactions.length))) {
        out.push({ code: 'x12.geCount', segment: 'GE', element: 1, groupControlNumber: gcn, message: `GE01 of group GS06=${gcn} says ${ge01} transaction sets, the group has ${g.transactions.length}` });
      }
      if (ge02 !== gcn) out.push({ code: 'x12.geControlNumber', segment: 'GE', element: 2, groupControlNumber: gcn, message: `GE02 control number ${ge02} does not match GS06 ${gcn}` });
    }
    if (g.transactions.length === 0) out.push({ code: 'x12.envelope', segment: 'ST', groupControlNumber: gcn, message: `functional group GS06=${gcn} has no ST transaction set` });
    for (const t of g.transactions) {
      const tcn = t.header?.valueOf(2) ?? '';
      const ids = { groupControlNumber: gcn, transactionControlNumber: tcn };
      if (!t.trailer) {
        out.push({ code: 'x12.envelope', segment: 'SE', ...ids, message: `transaction set ST02=${tcn} in group GS06=${gcn} has no SE trailer` });
        continue;
      }
      const se01 = t.trailer.valueOf(1) ?? '';
      const se02 = t.trailer.valueOf(2) ?? '';
      const count = t.segments.length + 2;
      if (!sameNumber(se01, String(count))) {
        out.push({ code: 'x12.seCount', segment: 'SE', element: 1, position: count, ...ids, message: `SE01 of transaction set ST02=${tcn} says ${se01} segments, the set has ${count} (ST to SE)` });
      }
      if (se02 !== tcn) out.push({ code: 'x12.seControlNumber', segment: 'SE', element: 2, position: count, ...ids, message: `SE02 control number ${se02} does not match ST02 ${tcn}` });
    }
  }
  return out;
}

/**
 * Parses one X12 interchange. Never throws: every fault of the envelope (fixed-width ISA, delimiters,
 * segment terminator, ISA/IEA, GS/GE, ST/SE control numbers and counts) is a problem naming its
 * segment and element. `ok` is false when there is any problem.
 */
export function parseX12(input: string | Buffer): ParseResult {
  const text = (typeof input === 'string' ? input : input.toString('utf8')).replace(/^\uFEFF/, '').replace(/^\s+/, '');
  if (text.length === 0) return { ok: false, problems: [{ code: 'x12.empty', message: 'document is empty' }] };
  const isa = readIsa(text);
  if ('problems' in isa) return { ok: false, problems: isa.problems };
  const terminatorProblem = checkTerminator(text, isa.delimiters);
  if (terminatorProblem) return { ok: false, problems: [terminatorProblem] };

  const d = isa.delimiters;
  const moreIsa = text.slice(ISA_LENGTH).split(new RegExp(`${escapeRe(d.segment)}\\s*ISA${escapeRe(d.element)}`)).length - 1;
  if (moreIsa > 0) {
    return { ok: false, problems: [{ code: 'x12.envelope', segment: 'ISA', message: `document holds ${moreIsa + 1} interchanges (ISA..IEA); send one per document` }] };
  }
  const parser = new X12Parser(false);
  let parsed: X12Interchange | undefined;
  try {
    const out = parser.parse(text);
    if (Array.isArray(out)) {
      return { ok: false, problems: [{ code: 'x12.envelope', segment: 'ISA', message: `document holds ${out.length} interchanges; send one ISA..IEA per document` }] };
    }
    parsed = out as X12Interchange | undefined;
  } catch (err) {
    // node-x12 throws on some nestings in lenient mode (a GE without GS, an SE without ST).
    const problems = parser.diagnostics.map((d) => fromDiagnostic(d.message));
    const msg = err instanceof Error ? err.message : String(err);
    if (problems.length === 0) problems.push({ code: 'x12.envelope', message: `envelope segments out of order (${msg})` });
    return { ok: false, problems };
  }
  if (!parsed || !parsed.header) {
    const problems = parser.diagnostics.map((d) => fromDiagnostic(d.message));
    if (problems.length === 0) problems.push({ code: 'x12.envelope', segment: 'ISA', message: 'no interchange found' });
    return { ok: false, problems };
  }

  const problems = [...parser.diagnostics.map((d) => fromDiagnostic(d.message)).filter((p) => !COUNT_CODES.has(p.code)), ...structureProblems(parsed)];
  for (const g of parsed.functionalGroups) {
    for (const t of g.transactions) {
      if (!t.header) continue;
      // Envelope segments out of place inside a transaction are a structural fault too.
      const stray = t.segments.find((s) => s.tag === 'ISA' || s.tag === 'GS');
      if (stray) problems.push({ code: 'x12.envelope', segment: stray.tag, message: `${stray.tag} segment inside transaction set ST02=${t.header.valueOf(2)}` });
    }
  }
  const isaEl = isa.isa;
  const interchange: Interchange = {
    senderQualifier: isaEl[4]!,
    senderId: isaEl[5]!.trim(),
    receiverQualifier: isaEl[6]!,
    receiverId: isaEl[7]!.trim(),
    date: isaEl[8]!,
    time: isaEl[9]!,
    version: isaEl[11]!,
    controlNumber: isaEl[12]!,
    ackRequested: isaEl[13] === '1',
    usage: isaEl[14]!,
    delimiters: isa.delimiters,
    groups: parsed.functionalGroups.map((g: X12FunctionalGroup) => ({
      functionalId: g.header?.valueOf(1) ?? '',
      senderCode: g.header?.valueOf(2) ?? '',
      receiverCode: g.header?.valueOf(3) ?? '',
      date: g.header?.valueOf(4) ?? '',
      time: g.header?.valueOf(5) ?? '',
      controlNumber: g.header?.valueOf(6) ?? '',
      version: g.header?.valueOf(8) ?? '',
      transactions: g.transactions.map((t: X12Transaction) => ({
        type: t.header?.valueOf(1) ?? '',
        controlNumber: t.header?.valueOf(2) ?? '',
        segments: t.segments.map((s, i) => toSegment(s, i + 2)),
      })),
    })),
  };
  return problems.length === 0 ? { ok: true, interchange, problems } : { ok: false, interchange, problems };
}

/** One human line per problem, for error messages and 997 notes. */
export function describeProblems(problems: X12Problem[]): string {
  return problems.map((p) => p.message).join('; ');
}

// ---------------------------------------------------------------------------------------------
// Building

export interface Party {
  /** ISA05/ISA07 qualifier, e.g. ZZ (mutually defined), 01 (DUNS). */
  qualifier?: string;
  /** ISA06/ISA08, up to 15 characters. */
  id: string;
  /** GS02/GS03 application code; defaults to id. */
  code?: string;
}

export interface TransactionSpec {
  type: string;
  controlNumber: string;
  /** Body segments as [tag, ...elements]; ST/SE are added with the right count. */
  segments: (readonly string[])[];
}

export interface InterchangeSpec {
  sender: Party;
  receiver: Party;
  interchangeControlNumber: number | string;
  groupControlNumber: number | string;
  /** GS01: PO (850), FA (997), PR (855), SH (856), IN (810). */
  functionalId: string;
  transactions: TransactionSpec[];
  at?: Date;
  usage?: 'P' | 'T';
  ackRequested?: boolean;
  version?: string;
  delimiters?: Partial<Delimiters>;
}

export const DEFAULT_DELIMITERS: Delimiters = { element: '*', subElement: '>', segment: '~', repetition: 'U' };

function yymmdd(d: Date): string {
  return d.toISOString().slice(2, 10).replace(/-/g, '');
}
export function ccyymmdd(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}
export function hhmm(d: Date): string {
  return d.toISOString().slice(11, 16).replace(':', '');
}

function checkValue(where: string, v: string, d: Delimiters): void {
  for (const ch of [d.element, d.segment, d.subElement]) {
    if (v.includes(ch)) throw new Error(`${where}: value ${JSON.stringify(v)} contains the delimiter ${JSON.stringify(ch)}`);
  }
}

/** Builds one interchange with ISA (106 characters), GS and ST envelopes and matching trailers. */
export function buildX12(spec: InterchangeSpec): string {
  const d = { ...DEFAULT_DELIMITERS, ...spec.delimiters };
  const at = spec.at ?? new Date();
  const version = spec.version ?? '004010';
  const icn = String(spec.interchangeControlNumber).padStart(9, '0');
  if (!/^\d{9}$/.test(icn)) throw new Error(`interchange control number ${spec.interchangeControlNumber} must be 1..999999999`);
  for (const p of [spec.sender, spec.receiver]) if (p.id.length > 15) throw new Error(`ISA party id ${JSON.stringify(p.id)} is longer than 15 characters`);

  const ic = new X12Interchange({ segmentTerminator: d.segment, elementDelimiter: d.element, subElementDelimiter: d.subElement, repetitionDelimiter: d.repetition });
  ic.setHeader([
    '00', '', '00', '',
    spec.sender.qualifier ?? 'ZZ', spec.sender.id,
    spec.receiver.qualifier ?? 'ZZ', spec.receiver.id,
    yymmdd(at), hhmm(at),
    d.repetition, '00401', icn,
    spec.ackRequested ? '1' : '0',
    spec.usage ?? 'T',
    d.subElement,
  ]);
  const g = ic.addFunctionalGroup();
  g.setHeader([
    spec.functionalId,
    spec.sender.code ?? spec.sender.id,
    spec.receiver.code ?? spec.receiver.id,
    ccyymmdd(at), hhmm(at),
    String(spec.groupControlNumber),
    'X', version,
  ]);
  for (const t of spec.transactions) {
    const tx = g.addTransaction();
    tx.setHeader([t.type, t.controlNumber]);
    for (const [tag, ...elements] of t.segments) {
      if (!tag) throw new Error(`transaction ${t.type} ${t.controlNumber}: a segment has no tag`);
      elements.forEach((v, i) => checkValue(`${tag}${String(i + 1).padStart(2, '0')}`, v, d));
      // X12 drops trailing empty elements.
      let end = elements.length;
      while (end > 0 && elements[end - 1] === '') end--;
      tx.addSegment(tag, elements.slice(0, end));
    }
  }
  return ic.toString();
}
