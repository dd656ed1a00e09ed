import { createHash, randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  acknowledge,
  build810,
  build855,
  build856,
  build997,
  buildTA1,
  ControlNumbers,
  el,
  parseX12,
  read850,
  read997,
  type Built,
  type Envelope,
  type FunctionalAck,
  type Party,
  type PurchaseOrder,
  type X12Problem,
} from '../../src/edi/index.ts';

/**
 * The sandbox's EDI trading-partner gateway, in the manner of a distributor's EDI translator:
 * inbound X12 850 purchase orders over HTTPS (AS2-like: POST the interchange, get a synchronous
 * MDN-like receipt) and through a file-drop folder (SFTP-like: an inbox that is watched); outbound
 * 997, 855, 856 and 810 to an outbox folder per partner and to an HTTPS mailbox.
 *
 * Self-contained: the sandbox mounts it by passing how to submit an order to its middleware and
 * calling notifyOrderCreated / notifyShipment when the ERP and WMS get that far.
 */

export interface EdiOrder {
  poNumber: string;
  /** The buyer's code from N1*BY. */
  buyer: string;
  /** Ship-from warehouse code from N1*SF (channel-side code such as EAST), when given. */
  warehouse?: string;
  /** Units mapped to the sandbox's (X12 CA -> CS12). */
  lines: { sku: string; quantity: number; uom: string }[];
  correlationId: string;
  /** The trading partner (ISA06 of the 850). */
  partner: string;
}

export type EdiHop = 'edi.ack' | 'edi.poAck' | 'edi.asn' | 'edi.invoice';

export const EDI_HOPS: readonly EdiHop[] = ['edi.ack', 'edi.poAck', 'edi.asn', 'edi.invoice'];

export interface EdiGatewayOptions {
  tls: { keyPem: string; certPem: string };
  /** 0 (default): a free port. Binds 127.0.0.1 only. */
  port?: number;
  /** Folder with inbox/, outbox/<partner>/, archive/ and failed/; a temporary one by default (removed on stop). */
  dropDir?: string;
  /** Hands an accepted 850 to the middleware (channel edi). A refusal becomes an 855 with BAK02 RJ. */
  submitOrder: (order: EdiOrder) => Promise<{ accepted: boolean; reason?: string }>;
  /**
   * Fault switchboard: get(name) returns undefined when the fault is off, else its value (a string,
   * or an object with `value`, as the sandbox's FaultController returns).
   */
  faults: { get(name: string): unknown };
  /** Delay before each outbound document, in ms: one number, or per hop. Default 0. */
  latencyMs?: number | ((hop: EdiHop) => number);
  /** The gateway's own identity in ISA08/ISA06; default ZZ SANDBOXDIST. */
  self?: Party;
  /** X12 unit codes accepted in PO103 and their sandbox units; default EA -> EA, CA -> CS12. */
  uomMap?: Record<string, string>;
  /** Inbox scan interval backing up the folder watcher; default 100 ms. */
  pollMs?: number;
  /** Length of one minute for edi.lateFile, so tests can shrink it; default 60000. */
  minuteMs?: number;
  /** Ground truth: called for every business transition (edi.received, edi.ackSent, ...). */
  onEvent?: (e: { correlationId: string; event: string; ref: string; at: number }) => void;
}

export interface MailboxEntry {
  id: string;
  partner: string;
  type: string;
  fileName: string;
  interchangeControlNumber: string;
  groupControlNumber: string;
  transactionControlNumber: string;
  correlationId: string | null;
  poNumber: string | null;
  /** For a 997: the group and set it acknowledges; its AK901. */
  acknowledges?: { groupControlNumber: string; transactionControlNumbers: string[]; status: string };
  createdAt: string;
  /** When the document reached the outbox and the mailbox (later than createdAt under latency or edi.lateFile). */
  availableAt: string;
}

export interface TrackedPo {
  poNumber: string;
  partner: string;
  correlationId: string;
  channel: 'as2' | 'file';
  receivedAt: string;
  interchangeControlNumber: string;
  groupControlNumber: string;
  transactionControlNumber: string;
  ackStatus: string;
  status: 'rejected' | 'submitted' | 'refused' | 'acknowledged' | 'shipped';
  reason?: string;
  orderNumber?: string;
  order: PurchaseOrder;
}

/** A 997 the partner sent for one of the gateway's outbound groups. */
export interface InboundAck {
  partner: string;
  receivedAt: string;
  /** AK102: the gateway's group (855, 856 or 810) it acknowledges, and AK101 its functional id. */
  groupControlNumber: string;
  functionalId: string;
  status: string;
}

export interface Receipt {
  messageId: string;
  originalMessageId: string | null;
  /** As an AS2 MDN: "automatic-action/MDN-sent-automatically; processed" or "...; processed/error: <reason>". */
  disposition: string;
  /** Received-Content-MIC: base64 SHA-256 of the body. */
  mic: string;
  receivedAt: string;
  /** ISA06 of the interchange. */
  partner: string | null;
  interchangeControlNumber: string | null;
  purchaseOrders: { poNumber: string; correlationId: string; groupControlNumber: string; transactionControlNumber: string }[];
  problems: X12Problem[];
}

export interface ReceiveMeta {
  channel?: 'as2' | 'file';
  messageId?: string;
  /** Used when the 850 carries no REF*ZZ correlation id. */
  correlationId?: string;
  /** AS2-From: must match ISA06, or the interchange is refused unprocessed. */
  as2From?: string;
}

export interface ShipmentNotice {
  /** Which order: its correlation id, or its PO number. */
  correlationId?: string;
  poNumber?: string;
  shipmentId: string;
  shippedAt?: string;
  warehouse?: string;
  orderNumber?: string;
  /** What shipped, in sandbox units; the PO's lines when absent (a complete shipment). */
  lines?: { sku: string; quantity: number; uom: string }[];
}

export interface EdiGateway {
  url: string;
  dropDir: string;
  inbox: string;
  outbox: string;
  /** The ERP created the sales order: 855 acknowledgement (BAK02 AC) with the order number. */
  notifyOrderCreated(e: { correlationId?: string; poNumber?: string; orderNumber: string }): Promise<MailboxEntry | undefined>;
  /** The WMS shipped: 856 ASN and then 810 invoice. */
  notifyShipment(e: ShipmentNotice): Promise<{ asn: MailboxEntry; invoice: MailboxEntry } | undefined>;
  /** Inbound interchange as if posted (tests, the file channel). */
  receive(body: string, meta?: ReceiveMeta): Promise<Receipt>;
  /** Mailbox contents that have arrived (availableAt <= now). */
  mailbox(q?: { partner?: string; type?: string; correlationId?: string }): MailboxEntry[];
  purchaseOrders(q?: { correlationId?: string; poNumber?: string }): TrackedPo[];
  /** 997s received from partners for the gateway's own documents. */
  inboundAcks(q?: { partner?: string }): InboundAck[];
  reset(): void;
  stop(): Promise<void>;
}

export { EDI_FAULTS } from './faults.ts';

const DEFAULT_UOMS: Record<string, string> = { EA: 'EA', CA: 'CS12' };

/** The TA105 note code for the envelope faults of an interchange. */
function envelopeNoteOf(problems: X12Problem[]): string {
  const codes = new Set(problems.map((p) => p.code));
  if (codes.has('x12.ieaControlNumber')) return '001';
  if (codes.has('x12.segmentTerminator')) return '004';
  if (codes.has('x12.ieaCount')) return '021';
  return '022';
}

/** The correlation id and PO number of the first 850 of an interchange, even one that is not processed. */
function correlationOf(parsed: ReturnType<typeof parseX12>): { correlationId: string | null; poNumber: string | null } {
  for (const g of parsed.interchange?.groups ?? [])
    for (const tx of g.transactions) {
      const ref = tx.segments.find((s) => s.tag === 'REF' && el(s, 1) === 'ZZ');
      const beg = tx.segments.find((s) => s.tag === 'BEG');
      if (ref || beg) return { correlationId: el(ref, 2) || null, poNumber: el(beg, 3) || null };
    }
  return { correlationId: null, poNumber: null };
}

function faultValue(faults: EdiGatewayOptions['faults'], name: string): string | undefined {
  const v = faults.get(name);
  if (v === undefined || v === null || v === false) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && 'value' in v) {
    const inner = (v as { value?: unknown }).value;
    return inner === undefined ? '' : String(inner);
  }
  return '';
}

function dirName(partner: string): string {
  return partner.replace(/[^A-Za-z0-9._-]/g, '_') || '_';
}

export async function startEdiGateway(opts: EdiGatewayOptions): Promise<EdiGateway> {
  const self: Party = opts.self ?? { qualifier: 'ZZ', id: 'SANDBOXDIST' };
  const uomMap = opts.uomMap ?? DEFAULT_UOMS;
  const uomBack = new Map(Object.entries(uomMap).map(([x12, sb]) => [sb, x12]));
  const minuteMs = opts.minuteMs ?? 60_000;
  const ownsDir = opts.dropDir === undefined;
  const dropDir = opts.dropDir ?? (await mkdtemp(join(tmpdir(), 'syncprobe-edi-')));
  const inbox = join(dropDir, 'inbox');
  const outbox = join(dropDir, 'outbox');
  const archive = join(dropDir, 'archive');
  const failed = join(dropDir, 'failed');
  for (const d of [inbox, outbox, archive, failed]) await mkdir(d, { recursive: true });

  // Control numbers per partner, as a translator keeps them per trading-partner agreement.
  const numbers = new Map<string, ControlNumbers>();
  const numbersFor = (partner: string) => {
    let n = numbers.get(partner);
    if (!n) numbers.set(partner, (n = new ControlNumbers()));
    return n;
  };
  const partners = new Map<string, Party>();
  const envelopeFor = (partner: string): Envelope => ({ sender: self, receiver: partners.get(partner) ?? { id: partner }, controlNumbers: numbersFor(partner) });

  const entries: MailboxEntry[] = [];
  const bodies = new Map<string, string>();
  const pos: TrackedPo[] = [];
  const inboundAcks: InboundAck[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const queues = new Map<string, Promise<void>>();
  const pending = new Set<Promise<unknown>>();
  let entrySeq = 0;
  let stopped = false;

  const event = (correlationId: string, name: string, ref: string, at = Date.now()) => {
    try {
      opts.onEvent?.({ correlationId, event: name, ref, at });
    } catch {
      // Ground-truth recording never breaks the EDI flow.
    }
  };
  const delayOf = (hop: EdiHop): number => {
    const base = typeof opts.latencyMs === 'function' ? opts.latencyMs(hop) : (opts.latencyMs ?? 0);
    const late = faultValue(opts.faults, 'edi.lateFile');
    return Math.max(0, base + (late !== undefined && late !== '' ? Number(late) * minuteMs : 0));
  };
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => undefined);
    return p;
  };

  /** Schedules an outbound document: after its delay it is written to outbox/<partner>/ and listed in the mailbox. */
  function emit(partner: string, built: Built, hop: EdiHop, meta: Pick<MailboxEntry, 'correlationId' | 'poNumber' | 'acknowledges'>, truthEvent: string): MailboxEntry {
    const created = Date.now();
    const delay = delayOf(hop);
    const id = `${built.type}-${built.interchangeControlNumber}-${++entrySeq}`;
    const entry: MailboxEntry = {
      id,
      partner,
      type: built.type,
      fileName: `${built.type}_${dirName(partner)}_${built.interchangeControlNumber}.x12`,
      interchangeControlNumber: built.interchangeControlNumber,
      groupControlNumber: built.groupControlNumber,
      transactionControlNumber: built.transactionControlNumber,
      correlationId: meta.correlationId,
      poNumber: meta.poNumber,
      ...(meta.acknowledges ? { acknowledges: meta.acknowledges } : {}),
      createdAt: new Date(created).toISOString(),
      availableAt: new Date(created + delay).toISOString(),
    };
    const deliver = async () => {
      const dir = join(outbox, dirName(partner));
      await mkdir(dir, { recursive: true });
      // Write then rename, so a partner polling the folder never reads half a file.
      const tmp = join(dir, `.${entry.fileName}.tmp`);
      await writeFile(tmp, built.text);
      await rename(tmp, join(dir, entry.fileName));
      entry.availableAt = new Date().toISOString();
      bodies.set(id, built.text);
      entries.push(entry);
      if (meta.correlationId) event(meta.correlationId, truthEvent, id);
    };
    const t = setTimeout(() => {
      timers.delete(t);
      if (stopped) return;
      // One queue per partner keeps documents in the order they were sent (997 before 855 before 856).
      const next = (queues.get(partner) ?? Promise.resolve()).then(deliver).catch((err) => {
        process.stderr.write(`edi gateway: could not deliver ${entry.fileName}: ${(err as Error).message}\n`);
      });
      queues.set(partner, next);
      track(next);
    }, delay);
    timers.add(t);
    return entry;
  }

  function rejectByFault(ack: FunctionalAck, order850: ReturnType<typeof parseX12>, spec: string): FunctionalAck {
    const [segTag, elText] = spec ? spec.split(':') : ['PO1', '3'];
    const wantTag = segTag || 'PO1';
    const wantEl = Number(elText ?? (wantTag === 'PO1' ? '3' : '1')) || 1;
    const groups = order850.interchange?.groups ?? [];
    const transactions = ack.transactions.map((t) => {
      const tx = groups.find((g) => g.controlNumber === ack.groupControlNumber)?.transactions.find((x) => x.controlNumber === t.controlNumber);
      const seg = tx?.segments.find((s) => s.tag === wantTag);
      const elementRef = wantTag === 'PO1' ? ({ 2: '330', 3: '355', 7: '234' } as Record<number, string>)[wantEl] : undefined;
      return {
        ...t,
        status: 'R' as const,
        codes: ['5'],
        errors: [
          {
            segment: wantTag,
            position: seg?.position ?? 2,
            loopId: wantTag === 'PO1' ? 'PO1' : undefined,
            segmentCode: '8',
            element: wantEl,
            elementRef,
            elementCode: '7',
            badValue: seg?.elements[wantEl - 1] ?? '',
            message: '',
          },
        ],
      };
    });
    return { ...ack, status: 'R', accepted: 0, transactions };
  }

  async function receive(body: string, meta: ReceiveMeta = {}): Promise<Receipt> {
    const receivedAt = Date.now();
    const mic = `${createHash('sha256').update(body).digest('base64')}, sha-256`;
    const base = { messageId: `<${randomUUID()}@sandbox.syncprobe>`, originalMessageId: meta.messageId ?? null, mic, receivedAt: new Date(receivedAt).toISOString() };
    const parsed = parseX12(body);
    const result = acknowledge(parsed, (tx) => read850(tx, { uoms: Object.keys(uomMap) }).errors);
    // An envelope the gateway cannot or will not take: a TA1 R to the sender when its ISA can be read
    // (the agreement is "TA1 on error"), and nothing of the interchange is processed.
    const rejectedEnvelope = faultValue(opts.faults, 'edi.envelopeRejected');
    const envelopeNote = !result.acks ? envelopeNoteOf(result.interchangeProblems) : rejectedEnvelope !== undefined ? rejectedEnvelope || '006' : undefined;
    if (envelopeNote && parsed.interchange) {
      const ic = parsed.interchange;
      const ids = correlationOf(parsed);
      emit(ic.senderId, buildTA1({ controlNumber: ic.controlNumber, date: ic.date, time: ic.time, status: 'R', note: envelopeNote }, envelopeFor(ic.senderId)), 'edi.ack', { correlationId: ids.correlationId, poNumber: ids.poNumber }, 'edi.ta1Sent');
      if (result.acks) {
        return {
          ...base,
          // The transport took the message; the translator refused its envelope (the TA1 says why).
          disposition: 'automatic-action/MDN-sent-automatically; processed/warning: interchange-rejected',
          partner: ic.senderId,
          interchangeControlNumber: ic.controlNumber,
          purchaseOrders: [],
          problems: [{ code: 'x12.interchangeRejected', segment: 'ISA', message: `interchange ISA13=${ic.controlNumber} rejected at the envelope: TA1 R ${envelopeNote}` }],
        };
      }
    }
    if (!result.acks) {
      return {
        ...base,
        disposition: 'automatic-action/MDN-sent-automatically; processed/error: unparsable-edi',
        partner: parsed.interchange?.senderId ?? null,
        interchangeControlNumber: parsed.interchange?.controlNumber ?? null,
        purchaseOrders: [],
        problems: result.interchangeProblems,
      };
    }
    const ic = parsed.interchange!;
    const partner = ic.senderId;
    if (meta.as2From !== undefined && meta.as2From !== partner) {
      return {
        ...base,
        disposition: 'automatic-action/MDN-sent-automatically; processed/error: authentication-failed',
        partner,
        interchangeControlNumber: ic.controlNumber,
        purchaseOrders: [],
        problems: [{ code: 'as2.senderMismatch', segment: 'ISA', element: 6, message: `AS2-From ${meta.as2From} does not match the interchange sender ISA06 ${partner}` }],
      };
    }
    partners.set(partner, { qualifier: ic.senderQualifier, id: ic.senderId, code: ic.groups[0]?.senderCode || ic.senderId });
    const receipt: Receipt = { ...base, disposition: 'automatic-action/MDN-sent-automatically; processed', partner, interchangeControlNumber: ic.controlNumber, purchaseOrders: [], problems: parsed.problems };
    const rejectSpec = faultValue(opts.faults, 'edi.ackRejected');
    const noAck = faultValue(opts.faults, 'edi.noAck') !== undefined;

    for (let ack of result.acks) {
      const group = ic.groups.find((g) => g.controlNumber === ack.groupControlNumber)!;
      if (group.functionalId === 'FA') {
        // The partner's 997s for our 855/856/810: kept, never acknowledged themselves.
        for (const tx of group.transactions.filter((t) => t.type === '997')) {
          const fa = read997(tx);
          inboundAcks.push({ partner, receivedAt: new Date(receivedAt).toISOString(), groupControlNumber: fa.groupControlNumber, functionalId: fa.functionalId, status: fa.status });
        }
        continue;
      }
      if (rejectSpec !== undefined && group.functionalId === 'PO') ack = rejectByFault(ack, parsed, rejectSpec);
      const accepted = new Set(ack.transactions.filter((t) => t.status === 'A' || t.status === 'E').map((t) => t.controlNumber));
      let firstCorrelation: string | null = null;
      let firstPo: string | null = null;
      for (const tx of group.transactions) {
        const read = tx.type === '850' ? read850(tx, { uoms: Object.keys(uomMap) }) : undefined;
        const order = read?.order;
        // Even a rejected 850 keeps its correlation id and PO number, so its 997 can be found by them.
        const ref = tx.segments.find((s) => s.tag === 'REF' && el(s, 1) === 'ZZ');
        const beg = tx.segments.find((s) => s.tag === 'BEG');
        const correlationId = order?.correlationId ?? (el(ref, 2) || meta.correlationId || `edi-${randomUUID()}`);
        const poNumber = order?.poNumber ?? el(beg, 3);
        firstCorrelation ??= correlationId;
        firstPo ??= poNumber || null;
        event(correlationId, 'edi.received', `${partner}/${ic.controlNumber}/${tx.controlNumber}`, receivedAt);
        if (!order) continue;
        const tracked: TrackedPo = {
          poNumber,
          partner,
          correlationId,
          channel: meta.channel ?? 'as2',
          receivedAt: new Date(receivedAt).toISOString(),
          interchangeControlNumber: ic.controlNumber,
          groupControlNumber: group.controlNumber,
          transactionControlNumber: tx.controlNumber,
          ackStatus: accepted.has(tx.controlNumber) ? 'A' : 'R',
          status: accepted.has(tx.controlNumber) ? 'submitted' : 'rejected',
          order: { ...order, correlationId },
        };
        pos.push(tracked);
        receipt.purchaseOrders.push({ poNumber, correlationId, groupControlNumber: group.controlNumber, transactionControlNumber: tx.controlNumber });
        if (accepted.has(tx.controlNumber)) {
          event(correlationId, 'channel.accepted', poNumber, receivedAt);
          track(submit(tracked));
        }
      }
      if (!noAck) {
        emit(partner, build997(ack, envelopeFor(partner)), 'edi.ack', {
          correlationId: firstCorrelation,
          poNumber: firstPo,
          acknowledges: { groupControlNumber: ack.groupControlNumber, transactionControlNumbers: ack.transactions.map((t) => t.controlNumber), status: ack.status },
        }, 'edi.ackSent');
      }
    }
    return receipt;
  }

  async function submit(po: TrackedPo): Promise<void> {
    const o = po.order;
    let outcome: { accepted: boolean; reason?: string };
    try {
      outcome = await opts.submitOrder({
        poNumber: o.poNumber,
        buyer: o.buyer,
        ...(o.shipFrom ? { warehouse: o.shipFrom } : {}),
        lines: o.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, uom: uomMap[l.uom] ?? l.uom })),
        correlationId: po.correlationId,
        partner: po.partner,
      });
    } catch (err) {
      outcome = { accepted: false, reason: `could not hand the order to the middleware: ${(err as Error).message}` };
    }
    if (outcome.accepted || stopped) return;
    po.status = 'refused';
    po.reason = outcome.reason ?? 'refused';
    const built = build855(
      { poNumber: o.poNumber, poDate: o.poDate ?? '', ackType: 'RJ', correlationId: po.correlationId, reason: po.reason, lines: o.lines.map((l, i) => ({ lineNo: l.lineNo ?? i + 1, sku: l.sku, quantity: l.quantity, uom: l.uom, status: 'IR' })) },
      envelopeFor(po.partner),
    );
    emit(po.partner, built, 'edi.poAck', { correlationId: po.correlationId, poNumber: o.poNumber }, 'edi.poAckSent');
  }

  function findPo(q: { correlationId?: string; poNumber?: string }): TrackedPo | undefined {
    for (let i = pos.length - 1; i >= 0; i--) {
      const p = pos[i]!;
      if (p.status === 'rejected') continue;
      if ((q.correlationId && p.correlationId === q.correlationId) || (!q.correlationId && q.poNumber && p.poNumber === q.poNumber)) return p;
    }
    return undefined;
  }

  async function notifyOrderCreated(e: { correlationId?: string; poNumber?: string; orderNumber: string }): Promise<MailboxEntry | undefined> {
    const po = findPo(e);
    if (!po || stopped) return undefined;
    po.status = 'acknowledged';
    po.orderNumber = e.orderNumber;
    const o = po.order;
    const built = build855(
      {
        poNumber: o.poNumber,
        poDate: o.poDate ?? '',
        ackType: 'AC',
        orderNumber: e.orderNumber,
        correlationId: po.correlationId,
        lines: o.lines.map((l, i) => ({ lineNo: l.lineNo ?? i + 1, sku: l.sku, quantity: l.quantity, uom: l.uom, status: 'IA' })),
      },
      envelopeFor(po.partner),
    );
    return emit(po.partner, built, 'edi.poAck', { correlationId: po.correlationId, poNumber: o.poNumber }, 'edi.poAckSent');
  }

  async function notifyShipment(e: ShipmentNotice): Promise<{ asn: MailboxEntry; invoice: MailboxEntry } | undefined> {
    const po = findPo(e);
    if (!po || stopped) return undefined;
    po.status = 'shipped';
    const o = po.order;
    const shipped = (e.lines ?? o.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, uom: uomMap[l.uom] ?? l.uom }))).map((l, i) => ({
      lineNo: i + 1,
      sku: l.sku,
      quantity: l.quantity,
      uom: uomBack.get(l.uom) ?? l.uom,
    }));
    const totals = { lineCount: shipped.length, quantityHash: shipped.reduce((s, l) => s + l.quantity, 0) };
    let reported = shipped;
    if (faultValue(opts.faults, 'edi.asnTotalsMismatch') !== undefined && shipped.length > 0) {
      // The translator's mapping drops a unit on the first line: what the ASN says differs from what shipped.
      const first = shipped[0]!;
      reported = [{ ...first, quantity: first.quantity > 1 ? first.quantity - 1 : first.quantity + 1 }, ...shipped.slice(1)];
    }
    const env = envelopeFor(po.partner);
    const orderNumber = e.orderNumber ?? po.orderNumber;
    const asn = emit(
      po.partner,
      build856({ shipmentId: e.shipmentId, shippedAt: e.shippedAt ?? new Date().toISOString(), poNumber: o.poNumber, correlationId: po.correlationId, lines: reported, totals, ...(orderNumber ? { orderNumber } : {}), ...(e.warehouse ? { warehouse: e.warehouse } : {}) }, env),
      'edi.asn',
      { correlationId: po.correlationId, poNumber: o.poNumber },
      'edi.asnSent',
    );
    const price = new Map(o.lines.map((l) => [l.sku, l.unitPrice ?? 10]));
    const invoice = emit(
      po.partner,
      build810(
        {
          invoiceNumber: `INV-${e.shipmentId}`,
          invoiceDate: new Date().toISOString().slice(0, 10).replace(/-/g, ''),
          poNumber: o.poNumber,
          correlationId: po.correlationId,
          lines: shipped.map((l) => ({ ...l, unitPrice: price.get(l.sku) ?? 10 })),
        },
        env,
      ),
      'edi.invoice',
      { correlationId: po.correlationId, poNumber: o.poNumber },
      'edi.invoiceSent',
    );
    return { asn, invoice };
  }

  // ---- file drop (SFTP-like inbox)
  const inFlight = new Set<string>();
  async function scanInbox(): Promise<void> {
    if (stopped) return;
    let names: string[];
    try {
      names = await readdir(inbox);
    } catch {
      return;
    }
    for (const name of names) {
      // Partners upload under a temporary name and rename when complete.
      if (name.startsWith('.') || name.endsWith('.tmp') || name.endsWith('.part') || inFlight.has(name)) continue;
      inFlight.add(name);
      track(processFile(name)).finally(() => inFlight.delete(name));
    }
  }
  async function processFile(name: string): Promise<void> {
    const path = join(inbox, name);
    const stamp = `${Date.now()}-${name}`;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
      await rename(path, join(archive, stamp));
    } catch {
      return; // gone already
    }
    const receipt = await receive(text, { channel: 'file', messageId: name });
    if (receipt.problems.length > 0 || receipt.disposition.includes('error')) {
      await writeFile(join(failed, `${stamp}.receipt.json`), JSON.stringify(receipt, null, 2) + '\n');
    }
  }
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(inbox, () => void scanInbox());
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined;
  }
  const poll = setInterval(() => void scanInbox(), opts.pollMs ?? 100);
  poll.unref();

  // ---- HTTPS: AS2-like inbound, mailbox, purchase orders
  const available = (q: { partner?: string; type?: string; correlationId?: string } = {}) =>
    entries.filter((e) => (!q.partner || e.partner === q.partner) && (!q.type || e.type === q.type) && (!q.correlationId || e.correlationId === q.correlationId));

  const server: Server = createServer({ key: opts.tls.keyPem, cert: opts.tls.certPem }, (req, res) => {
    void handle(req, res).catch((err) => send(res, 500, { error: { code: 'internal', message: (err as Error).message } }));
  });
  function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
    const text = type === 'application/json' ? JSON.stringify(body) : String(body);
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
  async function readBody(req: IncomingMessage, limit = 5_000_000): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > limit) throw Object.assign(new Error('body too large'), { status: 413 });
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const correlationHeader = req.headers['x-correlation-id'];
    if (req.method === 'POST' && url.pathname === '/as2') {
      let body: string;
      try {
        body = await readBody(req);
      } catch (err) {
        return send(res, (err as { status?: number }).status ?? 400, { error: { code: 'bad_body', message: (err as Error).message } });
      }
      // HTTP clients that speak only JSON may wrap the interchange: {"interchange": "ISA*..."}.
      if ((req.headers['content-type'] ?? '').includes('json')) {
        let wrapped: unknown;
        try {
          wrapped = JSON.parse(body);
        } catch {
          wrapped = undefined;
        }
        const inner = wrapped && typeof wrapped === 'object' ? (wrapped as { interchange?: unknown }).interchange : undefined;
        if (typeof inner !== 'string') return send(res, 400, { error: { code: 'bad_body', message: 'a JSON body must be {"interchange": "<X12 text>"}; or POST the X12 itself as application/edi-x12' } });
        body = inner;
      }
      const as2From = req.headers['as2-from'];
      const receipt = await receive(body, {
        channel: 'as2',
        ...(typeof req.headers['message-id'] === 'string' ? { messageId: req.headers['message-id'] } : {}),
        ...(typeof correlationHeader === 'string' ? { correlationId: correlationHeader } : {}),
        ...(typeof as2From === 'string' ? { as2From } : {}),
      });
      const cid = receipt.purchaseOrders[0]?.correlationId;
      res.setHeader('as2-from', self.id);
      if (cid) res.setHeader('x-correlation-id', cid);
      return send(res, 200, receipt);
    }
    if (req.method === 'GET' && parts[0] === 'mailbox' && parts.length === 2) {
      const q = { partner: parts[1]!, type: url.searchParams.get('type') ?? undefined, correlationId: url.searchParams.get('correlationId') ?? undefined };
      const withBody = url.searchParams.get('body') === '1';
      return send(res, 200, { documents: available(q).map((e) => (withBody ? { ...e, body: bodies.get(e.id) } : e)) });
    }
    if (req.method === 'GET' && parts[0] === 'mailbox' && parts.length === 3) {
      const entry = entries.find((e) => e.partner === parts[1] && e.id === parts[2]);
      if (!entry) return send(res, 404, { error: { code: 'not_found', message: `no document ${parts[2]} in the mailbox of ${parts[1]}` } });
      return send(res, 200, bodies.get(entry.id)!, 'application/edi-x12');
    }
    if (req.method === 'GET' && url.pathname === '/purchase-orders') {
      const correlationId = url.searchParams.get('correlationId') ?? undefined;
      const poNumber = url.searchParams.get('poNumber') ?? undefined;
      return send(res, 200, { items: listPos({ correlationId, poNumber }) });
    }
    if (req.method === 'GET' && url.pathname === '/acks') {
      const partner = url.searchParams.get('partner') ?? undefined;
      return send(res, 200, { items: inboundAcks.filter((a) => !partner || a.partner === partner) });
    }
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { status: 'ok', dropDir, inbox, outbox });
    return send(res, 404, { error: { code: 'not_found', message: `no route ${req.method} ${url.pathname}; routes: POST /as2, GET /mailbox/PARTNER, GET /mailbox/PARTNER/ID, GET /purchase-orders` } });
  }
  const listPos = (q: { correlationId?: string; poNumber?: string } = {}) =>
    pos.filter((p) => (!q.correlationId || p.correlationId === q.correlationId) && (!q.poNumber || p.poNumber === q.poNumber)).map(({ order: _o, ...p }) => ({ ...p, lines: _o.lines }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    dropDir,
    inbox,
    outbox,
    notifyOrderCreated,
    notifyShipment,
    receive,
    mailbox: available,
    inboundAcks: (q) => inboundAcks.filter((a) => !q?.partner || a.partner === q.partner),
    purchaseOrders: (q) => pos.filter((p) => (!q?.correlationId || p.correlationId === q.correlationId) && (!q?.poNumber || p.poNumber === q.poNumber)),
    reset() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      queues.clear();
      entries.length = 0;
      bodies.clear();
      pos.length = 0;
      inboundAcks.length = 0;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(poll);
      watcher?.close();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...pending]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownsDir) await rm(dropDir, { recursive: true, force: true });
    },
  };
}
