import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../core/errors.ts';
import type { LookupSpec, SystemConfig } from '../config/types.ts';
import { defineScenario, type DataMismatch, type Diagnosis, type Milestone, type NormalizedRecord, type ScenarioContext, type ScenarioDefinition } from '../engine/index.ts';
import { checkAckText, checkAsnText, type EdiCheckDocument } from './checks.ts';
import { ControlNumberFile, ControlNumbers } from './control-numbers.ts';
import { build850, describeTA1, firstTransaction, read855, readTA1, type OrderLine } from './documents.ts';
import { parseX12 } from './x12.ts';

/**
 * The EDI order scenario: a synthetic 850 sent to the trading-partner gateway is followed through
 * 997 acknowledgement, ERP order creation, 855, shipment and the 856 ASN, whose control totals must
 * match the order. Cleanup cancels the ERP order(s) of the synthetic PO.
 */

const time = (path: string) => ({ path, type: 'time' as const });

const mailboxFields: LookupSpec['fields'] = {
  id: 'id',
  type: 'type',
  correlationId: 'correlationId',
  poNumber: 'poNumber',
  interchangeControlNumber: 'interchangeControlNumber',
  groupControlNumber: 'groupControlNumber',
  ackGroupControlNumber: 'acknowledges.groupControlNumber',
  ackStatus: 'acknowledges.status',
  createdAt: time('createdAt'),
  availableAt: time('availableAt'),
  body: 'body',
};

/**
 * The EDI gateway as a system: where its mailbox and purchase orders are. `partner` is the synthetic
 * buyer's interchange id (ISA06 of the 850s it sends), `receiver` the distributor's (ISA08).
 */
export function ediSystem(opts: { baseUrl?: string; ca?: string; partner?: string; receiver?: string } = {}): SystemConfig {
  return {
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    ...(opts.ca ? { ca: opts.ca } : {}),
    settings: { partner: opts.partner ?? 'SYNTHPROBE', receiver: opts.receiver ?? 'SANDBOXDIST', as2Path: '/as2' },
    lookups: {
      mailbox: { path: '/mailbox/{partner}', query: { type: '{type}', correlationId: '{correlationId}', body: '1' }, items: 'documents', fields: mailboxFields },
      purchaseOrders: {
        path: '/purchase-orders',
        query: { correlationId: '{correlationId}' },
        items: 'items',
        fields: { poNumber: 'poNumber', status: 'status', reason: 'reason', ackStatus: 'ackStatus', orderNumber: 'orderNumber', receivedAt: time('receivedAt'), groupControlNumber: 'groupControlNumber' },
      },
    },
  };
}

export interface EdiOrderScenarioSpec {
  name?: string;
  /** Channel-side ship-from code in N1*SF (EAST), and the ERP warehouse it maps to (tag). */
  shipFrom: string;
  warehouse: string;
  /** The PO lines, in X12 units (EA, CA). */
  lines: OrderLine[];
  /** What the ERP order must hold, in the ERP's units. */
  erpLines: { sku: string; quantity: number; uom: string }[];
  /** SLA per milestone, ms, where the config has none. */
  sla?: Partial<Record<EdiMilestone, number>>;
  labels?: string[];
}

export type EdiMilestone = 'edi.accepted' | 'edi.acknowledged' | 'erp.created' | 'edi.poAcknowledged' | 'wms.shipped' | 'edi.asnReceived';

// Control numbers must never repeat for a partner (they refuse a repeated ISA13 with TA1 025): they are
// kept in a file shared by every process sending as that party, first seeded from the clock.
const numberFiles = new Map<string, ControlNumberFile>();
async function controlNumbers(path: string): Promise<ControlNumbers> {
  let f = numberFiles.get(path);
  if (!f) {
    const clock = (Math.floor(Date.now() / 1000) % 900_000_000) + 1;
    numberFiles.set(path, (f = new ControlNumberFile(path, () => ({ interchange: clock, group: clock, transaction: 1 }))));
  }
  return new ControlNumbers(await f.take());
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? undefined : String(v));

function settingsOf(ctx: ScenarioContext): { partner: string; receiver: string; as2Path: string; controlNumberFile: string } {
  const s = ctx.system('edi').system.settings ?? {};
  const partner = str(s.partner) ?? 'SYNTHPROBE';
  return {
    partner,
    receiver: str(s.receiver) ?? 'SANDBOXDIST',
    as2Path: str(s.as2Path) ?? '/as2',
    // Where the sending party's control numbers are kept; give every host that sends as it the same file.
    controlNumberFile: str(s.controlNumberFile) ?? join(tmpdir(), `syncprobe-edi-control-numbers-${partner.replace(/[^A-Za-z0-9_-]/g, '_')}.json`),
  };
}

/** A check document's problems as milestone data mismatches. */
export function mismatchesOf(doc: EdiCheckDocument, field: string): DataMismatch[] {
  if (doc.status === 'ok') return [];
  return doc.problems.map((p) => ({ field: p.segment ? `${field}.${p.segment}${p.element !== undefined ? String(p.element).padStart(2, '0') : ''}` : field, expected: null, actual: p.code, message: p.message, class: p.failureClass ?? 'data' }));
}

/** A TA1 that rejects the interchange: the envelope was refused before any PO in it was read. */
function ta1Mismatches(text: string): DataMismatch[] {
  const t = readTA1(text);
  if (!t.ack) return [{ field: 'TA1', expected: 'a TA1 segment', actual: null, message: `the partner sent an unreadable interchange acknowledgement: ${t.problems.join('; ')}`, class: 'data' }];
  return [
    {
      field: 'TA1.TA105',
      expected: '000',
      actual: t.ack.note,
      message: `the partner rejected the interchange at the envelope (${describeTA1(t.ack)}): none of its purchase orders was read and no 997 will come; check the ISA sender and receiver ids and qualifiers agreed with the partner`,
      class: 'data',
    },
  ];
}

async function cancelErpOrders(ctx: ScenarioContext): Promise<void> {
  const path = str(ctx.system('erp').system.settings?.cancelPath) ?? '/api/sales-orders/{orderNumber}/cancel';
  const found = new Map<string, NormalizedRecord>();
  for (const r of await ctx.lookup('erp', 'salesOrdersByCorrelation', { correlationId: ctx.correlationId })) found.set(String(r.orderNumber), r);
  for (const r of await ctx.lookup('erp', 'salesOrdersByReference', { reference: ctx.reference })) found.set(String(r.orderNumber), r);
  for (const [num, r] of found) {
    if (r.status === 'cancelled') continue;
    await ctx.request('erp', { method: 'POST', path: path.replace('{orderNumber}', encodeURIComponent(num)) });
  }
}

async function diagnose(ctx: ScenarioContext, m: Milestone): Promise<Diagnosis | undefined> {
  const scope = { channel: 'edi', warehouse: ctx.tags.warehouse, system: 'edi' };
  const pos = await ctx.lookup('edi', 'purchaseOrders', { correlationId: ctx.correlationId });
  const po = pos[pos.length - 1];
  if (m.name === 'edi.acknowledged') {
    if (!po) return { class: 'business', reason: `the gateway holds no purchase order for ${ctx.correlationId}: the 850 never reached its translator`, scope };
    return { class: 'business', reason: `no 997 functional acknowledgement for PO ${String(po.poNumber)} (group ${String(po.groupControlNumber)}): the gateway received it (status ${String(po.status)}) but never acknowledged it`, scope };
  }
  if (m.name === 'erp.created' && !po) {
    const ta1 = (await ctx.lookup('edi', 'mailbox', { partner: settingsOf(ctx).partner, type: 'TA1', correlationId: ctx.correlationId })).map((r) => readTA1(String(r.body)).ack).find((a) => a?.status === 'R');
    if (ta1) return { class: 'data', reason: `the ERP never got the PO: the partner rejected its interchange at the envelope (${describeTA1(ta1)}), see edi.acknowledged`, scope };
  }
  if (m.name === 'erp.created' && po) {
    if (po.status === 'rejected') return { class: 'data', reason: `the ERP never got PO ${String(po.poNumber)}: the partner's translator rejected the 850 (997 AK5 ${String(po.ackStatus)}), see edi.acknowledged`, scope };
    if (po.status === 'refused') return { class: 'business', reason: `the middleware refused PO ${String(po.poNumber)}: ${String(po.reason)}`, scope: { ...scope, system: 'middleware' } };
  }
  if ((m.name === 'edi.poAcknowledged' || m.name === 'edi.asnReceived') && po) {
    const doc = m.name === 'edi.poAcknowledged' ? '855' : '856';
    return { class: 'business', reason: `the gateway has PO ${String(po.poNumber)} in status ${String(po.status)} but sent no ${doc}`, scope };
  }
  return undefined;
}

export function ediOrderScenario(spec: EdiOrderScenarioSpec): ScenarioDefinition {
  const sla = spec.sla ?? {};
  const mailbox = (type: string) => ({
    lookup: 'mailbox',
    params: (ctx: ScenarioContext) => ({ partner: settingsOf(ctx).partner, type, correlationId: ctx.correlationId }),
    until: (rs: NormalizedRecord[]) => rs.find((r) => r.type === type && typeof r.body === 'string'),
  });
  const milestones: Milestone[] = [
    { name: 'edi.accepted', title: 'partner gateway accepted the 850 (receipt processed)', system: 'edi', markedByStep: true },
    {
      name: 'edi.acknowledged',
      title: '997 functional acknowledgement accepted',
      system: 'edi',
      from: 'edi.accepted',
      timestamp: 'availableAt',
      ...(sla['edi.acknowledged'] !== undefined ? { slaMs: sla['edi.acknowledged'] } : {}),
      // Every document for this transaction: a 997, or a TA1 rejecting the interchange (then no 997 comes).
      poll: {
        lookup: 'mailbox',
        params: (ctx: ScenarioContext) => ({ partner: settingsOf(ctx).partner, correlationId: ctx.correlationId }),
        until: (rs: NormalizedRecord[]) => rs.find((r) => r.type === '997' && typeof r.body === 'string') ?? rs.find((r) => r.type === 'TA1' && typeof r.body === 'string' && readTA1(r.body).ack?.status === 'R'),
      },
      check: (r, ctx) =>
        r.type === 'TA1'
          ? ta1Mismatches(String(r.body))
          : mismatchesOf(checkAckText(String(r.body), { groupControlNumber: str(ctx.vars.ediGroupControlNumber), transactionControlNumber: str(ctx.vars.ediTransactionControlNumber) }), '997'),
    },
    {
      name: 'erp.created',
      title: 'ERP sales order created',
      system: 'erp',
      from: 'edi.accepted',
      after: 'edi.accepted',
      timestamp: 'createdAt',
      ...(sla['erp.created'] !== undefined ? { slaMs: sla['erp.created'] } : {}),
      poll: { lookup: 'salesOrdersByReference', params: (ctx) => ({ reference: ctx.reference }), until: (rs, ctx) => rs.find((r) => r.reference === ctx.reference || r.correlationId === ctx.correlationId) },
      check: (r) => {
        const out: DataMismatch[] = [];
        const lines = r.lines ?? [];
        for (const want of spec.erpLines) {
          const got = lines.find((l) => l.sku === want.sku);
          if (!got) out.push({ field: `lines.${want.sku}`, expected: want, actual: null, message: `the ERP order has no line for ${want.sku}` });
          else if (got.quantity !== want.quantity || got.uom !== want.uom)
            out.push({ field: `lines.${want.sku}`, expected: `${want.quantity} ${want.uom}`, actual: `${String(got.quantity)} ${String(got.uom)}`, message: `the ERP order holds ${String(got.quantity)} ${String(got.uom)} of ${want.sku}, the 850 asked for ${want.quantity} ${want.uom}` });
        }
        return out;
      },
      capture: (r, ctx) => {
        ctx.vars.erpOrderNumber = r.orderNumber;
      },
    },
    {
      name: 'edi.poAcknowledged',
      title: '855 purchase order acknowledgement sent',
      system: 'edi',
      from: 'erp.created',
      after: 'erp.created',
      timestamp: 'availableAt',
      ...(sla['edi.poAcknowledged'] !== undefined ? { slaMs: sla['edi.poAcknowledged'] } : {}),
      poll: mailbox('855'),
      check: (r, ctx) => {
        const parsed = parseX12(String(r.body));
        const tx = parsed.ok ? firstTransaction(parsed.interchange)?.transaction : undefined;
        if (!tx) return [{ field: '855', expected: 'a readable 855', actual: parsed.problems[0]?.code ?? 'no transaction set', message: `855 cannot be read: ${parsed.problems.map((p) => p.message).join('; ')}` }];
        const ack = read855(tx);
        const out: DataMismatch[] = [];
        if (ack.ackType !== 'AC' && ack.ackType !== 'AD' && ack.ackType !== 'AK')
          out.push({ field: '855.BAK02', expected: 'AC', actual: ack.ackType, class: 'business', message: `855 acknowledges PO ${ack.poNumber} with BAK02 ${ack.ackType}${ack.reason ? `: ${ack.reason}` : ''}` });
        if (ctx.vars.erpOrderNumber !== undefined && ack.orderNumber !== str(ctx.vars.erpOrderNumber))
          out.push({ field: '855.BAK08', expected: ctx.vars.erpOrderNumber, actual: ack.orderNumber ?? null, message: `855 names seller order ${ack.orderNumber ?? '(none)'}, the ERP created ${String(ctx.vars.erpOrderNumber)}` });
        return out;
      },
    },
    {
      name: 'wms.shipped',
      title: 'WMS shipped the order',
      system: 'wms',
      from: 'erp.created',
      after: 'erp.created',
      timestamp: 'shippedAt',
      ...(sla['wms.shipped'] !== undefined ? { slaMs: sla['wms.shipped'] } : {}),
      poll: { lookup: 'ordersByErpOrder', params: (ctx) => ({ orderNumber: str(ctx.vars.erpOrderNumber) }), until: (rs) => rs.find((r) => typeof r.shippedAt === 'number') },
    },
    {
      name: 'edi.asnReceived',
      title: '856 ASN sent, control totals matching the order',
      system: 'edi',
      from: 'wms.shipped',
      after: 'wms.shipped',
      timestamp: 'availableAt',
      ...(sla['edi.asnReceived'] !== undefined ? { slaMs: sla['edi.asnReceived'] } : {}),
      poll: mailbox('856'),
      check: (r, ctx) => mismatchesOf(checkAsnText(String(r.body), { poNumber: ctx.reference, lines: spec.lines }), '856'),
    },
  ];
  return defineScenario({
    name: spec.name ?? `edi-order/${spec.warehouse}`,
    description: 'Synthetic EDI purchase order (850) followed through 997, ERP order, 855, shipment and 856 ASN control totals',
    tags: { channel: 'edi', warehouse: spec.warehouse, flow: 'order' },
    labels: ['order', 'edi', ...(spec.labels ?? [])],
    writes: true,
    steps: [
      {
        name: 'send 850 purchase order',
        system: 'edi',
        async run(ctx) {
          const s = settingsOf(ctx);
          const built = build850(
            { poNumber: ctx.reference, buyer: ctx.marker.customer, shipFrom: spec.shipFrom, correlationId: ctx.correlationId, lines: spec.lines },
            { sender: { id: s.partner }, receiver: { id: s.receiver }, controlNumbers: await controlNumbers(s.controlNumberFile), usage: 'T' },
          );
          ctx.vars.ediGroupControlNumber = built.groupControlNumber;
          ctx.vars.ediTransactionControlNumber = built.transactionControlNumber;
          ctx.onCleanup('cancel ERP orders of the synthetic PO', cancelErpOrders);
          const sentAt = Date.now();
          const res = await ctx.request<{ disposition?: string; receivedAt?: string; problems?: { message: string }[] }>('edi', {
            method: 'POST',
            path: s.as2Path,
            body: { interchange: built.text },
            headers: { 'as2-from': s.partner, 'as2-to': s.receiver },
          });
          const receivedAt = Date.now();
          const disposition = res.body.disposition ?? '';
          if (!disposition.includes('processed') || disposition.includes('error')) {
            throw new DataError(`the gateway did not process the 850 (${disposition || 'no disposition'}): ${(res.body.problems ?? []).map((p) => p.message).join('; ')}`, { system: 'edi' });
          }
          const systemAt = res.body.receivedAt ? Date.parse(res.body.receivedAt) : NaN;
          ctx.mark('edi.accepted', { sentAt, receivedAt, systemAt: Number.isFinite(systemAt) ? systemAt : null });
        },
      },
    ],
    milestones,
    diagnose,
  });
}
