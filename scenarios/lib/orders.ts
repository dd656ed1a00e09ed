import { defineScenario, type MilestoneResult, type Milestone, type NormalizedRecord, type ScenarioContext, type ScenarioDefinition, type Step, type Diagnosis } from '../../src/engine/index.ts';
import { compareLines, type ExpectedLine } from './compare.ts';
import { classifyReason, quoteReason } from './diagnose.ts';
import { sweepSynthetic } from './sweep.ts';

export type Channel = 'storefront' | 'b2b' | 'marketplace';

export interface OrderScenarioSpec {
  channel: Channel;
  /** ERP warehouse code the order must ship from. */
  warehouse: string;
  /** What the ERP must hold once the middleware has mapped the channel's order. */
  expectedLines: ExpectedLine[];
  /** Places the order in the channel and marks 'channel.accepted'. */
  place: Step;
  labels?: string[];
  /** Browser checkouts run after the API scenarios, one at a time. */
  runAlone?: boolean;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The sales orders the ERP holds for this transaction's reference (duplicates included). */
function ours(records: NormalizedRecord[], ctx: ScenarioContext): NormalizedRecord[] {
  return records.filter((r) => r.reference === ctx.reference || r.correlationId === ctx.correlationId);
}

async function cancelErpOrders(ctx: ScenarioContext): Promise<void> {
  const erp = ctx.system('erp');
  const path = str(erp.system.settings?.cancelPath) ?? '/api/sales-orders/{orderNumber}/cancel';
  // Late deliveries can create the order after the scenario gave up: look by correlation id and by reference.
  const found = new Map<string, NormalizedRecord>();
  for (const r of await ctx.lookup('erp', 'salesOrdersByCorrelation', { correlationId: ctx.correlationId })) found.set(String(r.orderNumber), r);
  for (const r of await ctx.lookup('erp', 'salesOrdersByReference', { reference: ctx.reference })) found.set(String(r.orderNumber), r);
  for (const [num, r] of found) {
    if (r.status === 'cancelled') continue;
    await ctx.request('erp', { method: 'POST', path: path.replace('{orderNumber}', encodeURIComponent(num)) });
  }
}

/** Upstream look for why an order milestone is missing or late: middleware message status, DLQ reason, WMS ASN state. */
async function diagnoseOrder(ctx: ScenarioContext, m: Milestone, channel: Channel, verdict: MilestoneResult): Promise<Diagnosis | undefined> {
  const scope = { channel, warehouse: ctx.tags.warehouse, system: m.system };
  if (verdict.status === 'late') {
    // It did happen: only retries on the way explain a late delivery.
    if (m.name !== 'middleware.delivered' && m.name !== 'erp.created') return undefined;
    const msg = (await ctx.lookup('middleware', 'messages', { correlationId: ctx.correlationId })).find((x) => x.flow === 'order');
    if (msg && typeof msg.attempts === 'number' && msg.attempts > 1)
      return { class: 'application', reason: `the middleware needed ${msg.attempts} delivery attempts (message ${String(msg.messageId)})`, scope: { ...scope, system: 'erp' } };
    return undefined;
  }
  if (m.name === 'middleware.delivered' || m.name === 'erp.created') {
    const msgs = (await ctx.lookup('middleware', 'messages', { correlationId: ctx.correlationId })).filter((x) => x.flow === 'order');
    const msg = msgs[msgs.length - 1];
    if (!msg) return { class: 'business', reason: `middleware has no message for correlation id ${ctx.correlationId}: channel ${channel} never forwarded the order`, scope: { ...scope, system: 'middleware' } };
    const id = String(msg.messageId);
    if (msg.status === 'dropped') return { class: 'business', reason: `ERP never created the order for channel ${channel}: the middleware accepted it (message ${id}) but never forwarded it (dropped)`, scope: { ...scope, system: 'middleware' } };
    // A delivery the ERP refused or did not answer points at the ERP; a mapping failure at the middleware.
    const at = (reason: string) => (/^ERP (answered|unreachable)/.test(reason) ? 'erp' : 'middleware');
    if (msg.status === 'dead-lettered') {
      const reason = String(msg.reason ?? 'no reason given');
      return { class: classifyReason(reason), reason: `ERP never created the order for channel ${channel}: middleware DLQ holds it (message ${id}) with ${quoteReason(reason)}`, scope: { ...scope, system: at(reason) } };
    }
    if (msg.status === 'queued') {
      const reason = msg.reason ? String(msg.reason) : '';
      const last = reason ? `, last attempt: ${quoteReason(reason)}` : '';
      return { class: reason ? classifyReason(reason) : 'business', reason: `order for channel ${channel} still queued in the middleware after ${String(msg.attempts)} attempt(s) (message ${id})${last}`, scope: { ...scope, system: reason ? at(reason) : 'middleware' } };
    }
    if (msg.status === 'delivered' && msg.erpOrderNumber && m.name === 'erp.created') {
      const num = String(msg.erpOrderNumber);
      const recs = await ctx.lookup('erp', 'salesOrder', { orderNumber: num }).catch(() => []);
      const r = recs[0];
      if (r) return { class: 'data', reason: `the middleware delivered the order as ERP ${num}, but the ERP does not find it by reference ${ctx.reference} (its reference field reads ${JSON.stringify(r.reference ?? null)}): the ERP API or the field mapping changed`, scope: { ...scope, system: 'erp' } };
      return { class: 'business', reason: `the middleware says it delivered the order as ERP ${num}, but the ERP has no such order`, scope: { ...scope, system: 'erp' } };
    }
    return undefined;
  }
  if (m.name === 'erp.shipmentConfirmed') {
    const wms = await ctx.lookup('wms', 'ordersByCorrelation', { correlationId: ctx.correlationId });
    const pending = wms.filter((o) => o.shippedAt != null && o.asnAcknowledged !== true);
    if (pending.length)
      return {
        class: 'business',
        reason: `WMS shipped ${pending.map((o) => `${String(o.wmsOrderId)} (ASN ${String(o.asnNumber)})`).join(', ')} but the ERP never received the shipment confirmation: ASN unacknowledged, outbound confirmation backlog`,
        scope: { ...scope, system: 'wms' },
      };
  }
  if (m.name === 'wms.allocated') {
    const wms = await ctx.lookup('wms', 'ordersByCorrelation', { correlationId: ctx.correlationId });
    if (wms.length === 0) return { class: 'business', reason: `ERP released order ${String(ctx.vars.erpOrderNumber)} but the WMS never received it`, scope: { ...scope, system: 'wms' } };
  }
  return undefined;
}

const afterTime = (field: string) => (records: NormalizedRecord[]) => records.find((r) => typeof r[field] === 'number');

/**
 * Order to notification for one channel: channel accepted -> middleware delivered -> ERP created ->
 * released -> WMS allocated -> shipped (ASN) -> ERP shipment confirmed -> customer notified
 * (-> storefront status updated). Cleanup cancels every ERP order of the transaction.
 */
export function orderToNotification(spec: OrderScenarioSpec): ScenarioDefinition {
  const { channel, warehouse } = spec;
  const channelSystem = channel === 'storefront' ? 'storefront' : 'middleware';
  const milestones: Milestone[] = [
    { name: 'channel.accepted', title: `channel ${channel} accepted the order`, system: channelSystem, markedByStep: true, timestamp: 'acceptedAt' },
    {
      name: 'middleware.delivered',
      title: 'middleware delivered the order to the ERP',
      system: 'middleware',
      timestamp: 'deliveredAt',
      poll: {
        lookup: 'messages',
        params: (ctx) => ({ correlationId: ctx.correlationId }),
        until: (rs) => rs.find((r) => r.flow === 'order' && r.status === 'delivered'),
      },
      capture: (r, ctx) => {
        if (r.erpOrderNumber) ctx.vars.erpOrderNumber ??= r.erpOrderNumber;
      },
    },
    {
      name: 'erp.created',
      title: 'ERP sales order created',
      system: 'erp',
      // The ERP creates the order before the middleware records the delivery: it follows the acceptance.
      after: 'channel.accepted',
      timestamp: 'createdAt',
      poll: { lookup: 'salesOrdersByReference', params: (ctx) => ({ reference: ctx.reference }), until: (rs, ctx) => ours(rs, ctx)[0] },
      check: (r, ctx, all) => {
        const mine = ours(all, ctx);
        const out = compareLines(spec.expectedLines, r.lines, 'the ERP order');
        if (r.customer !== undefined && r.customer !== ctx.marker.customer) out.push({ field: 'customer', expected: ctx.marker.customer, actual: r.customer, message: `customer '${String(r.customer)}' instead of the synthetic marker '${ctx.marker.customer}'` });
        if (mine.length > 1)
          out.push({ field: 'orderNumber', expected: 1, actual: mine.length, class: 'business', message: `${mine.length} ERP sales orders for one channel order (${mine.map((x) => String(x.orderNumber)).join(', ')}): duplicate order creation` });
        return out;
      },
      capture: (r, ctx) => {
        ctx.vars.erpOrderNumber = r.orderNumber;
      },
    },
    {
      name: 'erp.released',
      title: 'ERP released the order to the warehouse',
      system: 'erp',
      from: 'erp.created',
      timestamp: 'releasedAt',
      poll: { lookup: 'salesOrder', params: (ctx) => ({ orderNumber: str(ctx.vars.erpOrderNumber) }), until: (rs) => rs.find((r) => r.releasedAt != null || ['released', 'shipped', 'invoiced'].includes(String(r.status))) },
    },
    {
      name: 'wms.allocated',
      title: 'WMS allocated the order',
      system: 'wms',
      from: 'erp.released',
      timestamp: 'allocatedAt',
      poll: { lookup: 'ordersByErpOrder', params: (ctx) => ({ orderNumber: str(ctx.vars.erpOrderNumber) }), until: afterTime('allocatedAt') },
      check: (r) => {
        const exp = spec.expectedLines.map((l) => ({ ...l, warehouse: undefined }));
        const out = compareLines(exp, r.lines, 'the WMS order');
        if (r.warehouse !== warehouse) out.push({ field: 'warehouse', expected: warehouse, actual: r.warehouse, message: `allocated in ${String(r.warehouse)} instead of ${warehouse}` });
        return out;
      },
    },
    { name: 'wms.shipped', title: 'WMS shipped the order (ASN)', system: 'wms', from: 'wms.allocated', timestamp: 'shippedAt', poll: { lookup: 'ordersByErpOrder', params: (ctx) => ({ orderNumber: str(ctx.vars.erpOrderNumber) }), until: afterTime('shippedAt') } },
    {
      name: 'erp.shipmentConfirmed',
      title: 'ERP shipment confirmed',
      system: 'erp',
      from: 'wms.shipped',
      timestamp: 'shippedAt',
      poll: { lookup: 'salesOrder', params: (ctx) => ({ orderNumber: str(ctx.vars.erpOrderNumber) }), until: afterTime('shippedAt') },
    },
    {
      name: 'notifications.shipped',
      title: 'customer notified of the shipment',
      system: 'notifications',
      from: 'wms.shipped',
      timestamp: 'sentAt',
      // By the notification webhook where the environment receives it, by the notifications API elsewhere.
      push: { webhook: 'notificationSent', until: (rs) => rs.find((r) => r.type === 'order_shipped') },
      poll: { lookup: 'notifications', params: (ctx) => ({ correlationId: ctx.correlationId }), until: (rs) => rs.find((r) => r.type === 'order_shipped') },
    },
  ];
  if (channel === 'storefront') {
    milestones.push({
      name: 'storefront.statusUpdated',
      title: 'storefront shows the order shipped',
      system: 'storefront',
      from: 'erp.shipmentConfirmed',
      after: 'erp.shipmentConfirmed',
      timestamp: 'updatedAt',
      poll: { lookup: 'order', params: (ctx) => ({ orderId: str(ctx.vars.orderId) }), until: (rs) => rs.find((r) => r.status === 'shipped') },
    });
  }
  return defineScenario({
    name: `order-to-notification/${channel}`,
    description: `Synthetic ${channel} order followed from channel acceptance to the customer notification`,
    tags: { channel, warehouse, flow: 'order' },
    labels: ['order', channel, ...(spec.labels ?? [])],
    writes: true,
    steps: [spec.place],
    milestones,
    cleanup: [{ name: 'cancel ERP orders', system: 'erp', run: cancelErpOrders }],
    diagnose: (ctx, m, verdict) => diagnoseOrder(ctx, m, channel, verdict),
    runAlone: spec.runAlone,
    sweep: { key: 'synthetic-records', run: sweepSynthetic },
  });
}

/** Marks channel acceptance from a 202 answer: the harness interval around the call and the channel's own timestamp. */
export async function placeJson(ctx: ScenarioContext, system: string, path: string, body: unknown, idField: string): Promise<void> {
  const sentAt = Date.now();
  const res = await ctx.request<Record<string, unknown>>(system, { method: 'POST', path, body, rateLimitRetries: 3 });
  const receivedAt = Date.now();
  ctx.vars[idField] = res.body[idField];
  const acceptedAt = typeof res.body.acceptedAt === 'string' ? Date.parse(res.body.acceptedAt) : NaN;
  ctx.mark('channel.accepted', { sentAt, receivedAt, systemAt: Number.isFinite(acceptedAt) ? acceptedAt : null });
}
