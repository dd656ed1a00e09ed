import { ITEMS, ITEM_BY_SKU, WAREHOUSES, WAREHOUSE_NAMES, isWarehouse, openingStock, stockKey, type Warehouse } from '../catalog.ts';
import { idGenerator, isSynthetic, type ServiceContext, type TokenSource } from '../context.ts';
import { HttpError, Router, iso, requireObject } from '../http/server.ts';
import { errorMessage, type CallResult } from '../http/client.ts';
import { destinationOf, type PublishedEventName, type PublishedLog } from './published.ts';

/**
 * The WMS: three warehouses, allocation, pick/pack/ship of released orders, the ASN back to the ERP,
 * and stock adjustments that each warehouse's connector publishes to the middleware with that
 * warehouse's own OAuth client.
 */
type WmsStatus = 'released' | 'allocated' | 'picked' | 'packed' | 'shipped' | 'cancelled';

interface WmsOrder {
  wmsOrderId: string;
  erpOrderNumber: string;
  warehouse: Warehouse;
  status: WmsStatus;
  correlationId: string;
  receivedAt: number;
  allocatedAt: number | null;
  shippedAt: number | null;
  asn: { asnNumber: string; sentAt: number | null; acknowledged: boolean } | null;
  lines: Array<{ lineNo: number; item: string; quantity: number; uom: string }>;
}

export interface Adjustment {
  adjustmentId: string;
  warehouse: Warehouse;
  item: string;
  quantity: number;
  reason: string;
  reference: string;
  correlationId: string;
  adjustedAt: number;
  reverses: string | null;
  reversedBy: string | null;
  publication: { status: 'pending' | 'sent' | 'failed'; at: number | null; reason: string | null };
}

export class WmsService {
  private readonly orders = new Map<string, WmsOrder>();
  private readonly byErpOrder = new Map<string, WmsOrder[]>();
  private readonly byCorrelation = new Map<string, WmsOrder[]>();
  readonly adjustments = new Map<string, Adjustment>();
  private readonly adjByCorrelation = new Map<string, Adjustment[]>();
  private readonly stock = new Map<string, { onHand: number; updatedAt: number }>();
  /** Shipped orders whose ASN is held back (wms.confirmationBacklog). */
  private readonly backlog = new Set<WmsOrder>();
  private readonly orderIds = idGenerator('WO-');
  private readonly asnIds = idGenerator('ASN-');
  private readonly adjIds = idGenerator('ADJ-');

  constructor(
    private readonly ctx: ServiceContext,
    /** Per-warehouse connector credentials (client wms-<WH>). */
    private readonly connectors: () => Record<Warehouse, TokenSource>,
    /** Where every event the WMS sends is recorded as sent (message pact verification reads it). */
    private readonly published?: PublishedLog,
  ) {
    this.reset();
    ctx.faults.onChange((name) => {
      if (name === 'wms.confirmationBacklog' && !ctx.faults.has(name)) this.flushBacklog();
    });
  }

  reset(): void {
    this.orders.clear();
    this.byErpOrder.clear();
    this.byCorrelation.clear();
    this.adjustments.clear();
    this.adjByCorrelation.clear();
    this.backlog.clear();
    this.orderIds.reset();
    this.asnIds.reset();
    this.adjIds.reset();
    const now = Date.now();
    this.stock.clear();
    for (const i of ITEMS) for (const w of WAREHOUSES) this.stock.set(stockKey(i.sku, w), { onHand: openingStock(i.sku, w), updatedAt: now });
  }

  routes(): Router {
    const r = new Router();
    r.get('/api/warehouses', () => ({ json: { items: WAREHOUSES.map((code) => ({ code, name: WAREHOUSE_NAMES[code] })) } }));
    r.post('/api/releases', (req) => {
      const b = requireObject(req.body, 'POST /api/releases');
      const lines = Array.isArray(b.lines) ? (b.lines as Array<Record<string, unknown>>) : [];
      if (typeof b.orderNumber !== 'string' || lines.length === 0) throw new HttpError(400, 'invalid_request', "fields 'orderNumber' and 'lines' are required");
      const existing = this.byErpOrder.get(b.orderNumber);
      if (existing) return { status: 200, json: { items: existing.map(renderOrder) } };
      // One warehouse order per shipping warehouse on the sales order.
      const byWh = new Map<Warehouse, WmsOrder['lines']>();
      for (const l of lines) {
        const wh = String(l.warehouse);
        if (!isWarehouse(wh)) throw new HttpError(422, 'unknown_warehouse', `no warehouse '${wh}'`);
        const list = byWh.get(wh) ?? [];
        list.push({ lineNo: Number(l.lineNo ?? list.length + 1), item: String(l.item), quantity: Number(l.quantity), uom: String(l.uom) });
        byWh.set(wh, list);
      }
      const created: WmsOrder[] = [];
      for (const [warehouse, whLines] of byWh) {
        const o: WmsOrder = {
          wmsOrderId: this.orderIds.next(),
          erpOrderNumber: b.orderNumber,
          warehouse,
          status: 'released',
          correlationId: req.correlationId,
          receivedAt: Date.now(),
          allocatedAt: null,
          shippedAt: null,
          asn: null,
          lines: whLines,
        };
        this.orders.set(o.wmsOrderId, o);
        push(this.byErpOrder, o.erpOrderNumber, o);
        push(this.byCorrelation, o.correlationId, o);
        created.push(o);
        this.ctx.latency.after('wms.allocate', () => this.allocate(o));
      }
      return { status: 201, json: { items: created.map(renderOrder) } };
    });
    r.get('/api/orders', (req) => {
      const n = req.query.get('erpOrderNumber');
      const cid = req.query.get('correlationId');
      if (!n && !cid) throw new HttpError(400, 'invalid_request', 'give erpOrderNumber or correlationId');
      const list = n ? (this.byErpOrder.get(n) ?? []) : (this.byCorrelation.get(cid!) ?? []);
      // A release waiting for allocation is still in the inbound queue, not yet a warehouse order.
      return { json: { items: list.filter((o) => o.status !== 'released').map(renderOrder) } };
    });
    r.post('/api/orders/cancel', (req) => {
      const b = requireObject(req.body, 'POST /api/orders/cancel');
      const list = this.byErpOrder.get(String(b.erpOrderNumber ?? '')) ?? [];
      for (const o of list) if (o.status !== 'shipped') o.status = 'cancelled';
      return { json: { items: list.map(renderOrder) } };
    });
    r.get('/api/outbound/unacknowledged', () => {
      const items = [...this.orders.values()].filter((o) => o.status === 'shipped' && !o.asn?.acknowledged);
      return { json: { count: items.length, items: items.map(renderOrder) } };
    });
    r.get('/api/stock', (req) => {
      const item = req.query.get('item');
      const wh = req.query.get('warehouse');
      const items = [];
      for (const i of ITEMS) {
        if (item && i.sku !== item) continue;
        for (const w of WAREHOUSES) {
          if (wh && w !== wh) continue;
          const s = this.stock.get(stockKey(i.sku, w))!;
          items.push({ item: i.sku, warehouse: w, onHand: s.onHand, uom: i.uom, updatedAt: iso(s.updatedAt) });
        }
      }
      if (items.length === 0) throw new HttpError(404, 'not_found', `no stock for item '${item ?? '*'}' in warehouse '${wh ?? '*'}'`);
      return { json: { items } };
    });
    r.post('/api/adjustments', (req) => {
      const b = requireObject(req.body, 'POST /api/adjustments');
      const warehouse = String(b.warehouse ?? '');
      if (!isWarehouse(warehouse)) throw new HttpError(422, 'unknown_warehouse', `warehouse: no warehouse '${warehouse}' (${WAREHOUSES.join(', ')})`);
      if (!ITEM_BY_SKU.has(String(b.item))) throw new HttpError(422, 'unknown_item', `item: no item '${String(b.item)}'`);
      if (typeof b.quantity !== 'number' || !Number.isFinite(b.quantity) || b.quantity === 0) throw new HttpError(400, 'invalid_request', 'quantity must be a non-zero number (+ to add, - to remove)');
      if (b.reason !== 'cycle_count' && b.reason !== 'receipt') throw new HttpError(400, 'invalid_request', "reason must be 'cycle_count' or 'receipt'");
      if (typeof b.reference !== 'string' || !b.reference) throw new HttpError(400, 'invalid_request', "field 'reference' is required");
      const adj = this.adjust({ warehouse, item: String(b.item), quantity: b.quantity, reason: b.reason, reference: b.reference, correlationId: req.correlationId, reverses: null });
      return { status: 201, json: renderAdjustment(adj) };
    });
    r.get('/api/adjustments', (req) => {
      const cid = req.query.get('correlationId');
      if (!cid) throw new HttpError(400, 'invalid_request', 'give correlationId');
      return { json: { items: (this.adjByCorrelation.get(cid) ?? []).map(renderAdjustment) } };
    });
    r.get('/api/adjustments/:id', (req) => ({ json: renderAdjustment(this.adjustment(req.params.id!)) }));
    r.post('/api/adjustments/:id/reverse', (req) => {
      const orig = this.adjustment(req.params.id!);
      if (orig.reverses) throw new HttpError(409, 'is_reversal', `${orig.adjustmentId} is itself a reversal of ${orig.reverses}`);
      if (orig.reversedBy) throw new HttpError(409, 'already_reversed', `${orig.adjustmentId} was already reversed by ${orig.reversedBy}`);
      const rev = this.adjust({
        warehouse: orig.warehouse,
        item: orig.item,
        quantity: -orig.quantity,
        reason: 'reversal',
        reference: orig.reference,
        correlationId: req.correlationIdGiven ? req.correlationId : orig.correlationId,
        reverses: orig.adjustmentId,
      });
      orig.reversedBy = rev.adjustmentId;
      return { status: 201, json: renderAdjustment(rev) };
    });
    return r;
  }

  private adjustment(id: string): Adjustment {
    const a = this.adjustments.get(id);
    if (!a) throw new HttpError(404, 'not_found', `no adjustment '${id}'`);
    return a;
  }

  private adjust(a: Omit<Adjustment, 'adjustmentId' | 'adjustedAt' | 'reversedBy' | 'publication'>): Adjustment {
    const adj: Adjustment = { ...a, adjustmentId: this.adjIds.next(), adjustedAt: Date.now(), reversedBy: null, publication: { status: 'pending', at: null, reason: null } };
    const s = this.stock.get(stockKey(adj.item, adj.warehouse))!;
    s.onHand += adj.quantity;
    s.updatedAt = adj.adjustedAt;
    this.adjustments.set(adj.adjustmentId, adj);
    push(this.adjByCorrelation, adj.correlationId, adj);
    this.ctx.truth.record(adj.correlationId, adj.reverses ? 'wms.adjustmentReversed' : 'wms.adjusted', 'wms', adj.adjustmentId, adj.adjustedAt);
    const delay = this.ctx.faults.get('inventory.delay', adj.warehouse)?.ms ?? 0;
    this.ctx.latency.after('inventory.publish', () => this.publish(adj), delay);
    return adj;
  }

  /** The warehouse connector publishes the adjustment to the middleware with its own token. */
  private async publish(adj: Adjustment, attempt = 1): Promise<void> {
    let token: string;
    try {
      token = await this.connectors()[adj.warehouse].getToken();
    } catch (err) {
      adj.publication = { status: 'failed', at: Date.now(), reason: `connector ${adj.warehouse} could not get a token: ${(err as Error).message}` };
      return;
    }
    if (this.ctx.faults.has('wms.tokenExpired', adj.warehouse)) token = expiredCopy(token);
    const res = await this.send('inventory-adjusted', `${this.ctx.urls.middleware}/events/inventory`, token, adj.correlationId, attempt, {
      adjustmentId: adj.adjustmentId,
      warehouse: adj.warehouse,
      item: adj.item,
      quantity: adj.quantity,
      reason: adj.reason,
      reference: adj.reference,
      correlationId: adj.correlationId,
      adjustedAt: iso(adj.adjustedAt),
    });
    if (res.status >= 200 && res.status < 300) {
      adj.publication = { status: 'sent', at: Date.now(), reason: null };
      return;
    }
    if (attempt < this.ctx.retry.maxAttempts && (res.status === 0 || res.status === 429 || res.status >= 500)) {
      this.ctx.latency.afterMs(this.ctx.retry.baseMs * 2 ** (attempt - 1), () => this.publish(adj, attempt + 1));
      return;
    }
    adj.publication = { status: 'failed', at: Date.now(), reason: `middleware: ${errorMessage(res as never)}` };
  }

  /** One delivery of an event, recorded as it went on the wire with the receiver's answer. */
  private async send(event: PublishedEventName, url: string, bearer: string, correlationId: string, attempt: number, body: Record<string, unknown>): Promise<CallResult> {
    const sentAt = Date.now();
    const res = await this.ctx.client.call('POST', url, { bearer, correlationId, json: body }).catch((err: Error): CallResult => ({ status: 0, headers: {}, body: err.message }));
    this.published?.record({
      event,
      producer: 'wms',
      correlationId,
      destination: destinationOf('POST', url, this.ctx.urls),
      url,
      // ServiceClient sends a json body serialized, as application/json.
      contentType: 'application/json',
      content: JSON.parse(JSON.stringify(body)) as unknown,
      attempt,
      sentAt,
      status: res.status,
    });
    return res;
  }

  /** Provider state: an allocated outbound order for an ERP sales order, held there (no picking, no ASN). */
  seedOutbound(erpOrderNumber: string, correlationId: string, warehouse: Warehouse = 'WH-EAST'): Record<string, unknown> {
    const existing = this.byErpOrder.get(erpOrderNumber)?.find((o) => o.status !== 'released');
    if (existing) return renderOrder(existing);
    const now = Date.now();
    const o: WmsOrder = {
      wmsOrderId: this.orderIds.next(),
      erpOrderNumber,
      warehouse,
      status: 'allocated',
      correlationId,
      receivedAt: now,
      allocatedAt: now,
      shippedAt: null,
      asn: null,
      lines: [{ lineNo: 1, item: 'SKU-1001', quantity: 2, uom: 'EA' }],
    };
    this.orders.set(o.wmsOrderId, o);
    push(this.byErpOrder, o.erpOrderNumber, o);
    push(this.byCorrelation, o.correlationId, o);
    return renderOrder(o);
  }

  private allocate(o: WmsOrder): void {
    if (o.status !== 'released') return;
    o.status = 'allocated';
    o.allocatedAt = Date.now();
    this.ctx.truth.record(o.correlationId, 'wms.allocated', 'wms', o.wmsOrderId, o.allocatedAt);
    this.pickPackShip(o);
  }

  /** Pick and pack take the first two thirds of the wms.ship delay, shipping the rest. */
  private pickPackShip(o: WmsOrder): void {
    const d = this.ctx.latency.delayOf('wms.ship');
    this.ctx.latency.afterMs(Math.round(d / 3), () => {
      if (o.status !== 'allocated') return;
      o.status = 'picked';
      this.ctx.latency.afterMs(Math.round(d / 3), () => {
        if (o.status !== 'picked') return;
        o.status = 'packed';
        this.ctx.latency.afterMs(d - 2 * Math.round(d / 3), () => this.ship(o));
      });
    });
  }

  private ship(o: WmsOrder): void {
    if (o.status !== 'packed') return;
    o.status = 'shipped';
    o.shippedAt = Date.now();
    o.asn = { asnNumber: this.asnIds.next(), sentAt: null, acknowledged: false };
    this.ctx.truth.record(o.correlationId, 'wms.shipped', 'wms', o.wmsOrderId, o.shippedAt);
    if (this.ctx.faults.has('wms.confirmationBacklog')) this.backlog.add(o);
    else this.ctx.latency.after('erp.confirmShipment', () => this.sendAsn(o));
  }

  private flushBacklog(): void {
    const held = [...this.backlog];
    this.backlog.clear();
    for (const o of held) this.ctx.latency.after('erp.confirmShipment', () => this.sendAsn(o));
  }

  private async sendAsn(o: WmsOrder, attempt = 1): Promise<void> {
    if (!o.asn || o.asn.acknowledged) return;
    if (this.ctx.faults.has('wms.confirmationBacklog')) {
      this.backlog.add(o);
      return;
    }
    let token: string;
    try {
      token = await this.connectors()[o.warehouse].getToken();
    } catch {
      token = '';
    }
    o.asn.sentAt = Date.now();
    const res = await this.send('shipment-confirmed', `${this.ctx.urls.erp}/api/shipment-confirmations`, token, o.correlationId, attempt, {
      orderNumber: o.erpOrderNumber,
      asnNumber: o.asn.asnNumber,
      shippedAt: iso(o.shippedAt),
      correlationId: o.correlationId,
      warehouse: o.warehouse,
    });
    if (res.status >= 200 && res.status < 300) {
      o.asn.acknowledged = true;
      return;
    }
    if (res.status === 401) this.connectors()[o.warehouse].invalidate();
    if (attempt < this.ctx.retry.maxAttempts && res.status !== 404 && res.status !== 409) {
      this.ctx.latency.afterMs(this.ctx.retry.baseMs * 2 ** (attempt - 1), () => this.sendAsn(o, attempt + 1));
    }
  }

  /** Synthetic adjustments not yet reversed (admin /synthetic). */
  syntheticOpen(): Adjustment[] {
    return [...this.adjustments.values()].filter((a) => !a.reverses && !a.reversedBy && isSynthetic(this.ctx.marker, undefined, a.reference));
  }

  renderAdjustment = renderAdjustment;
}

/**
 * wms.tokenExpired: the connector presents its token with the expiry moved into the past. The
 * signature no longer matches, and the ERP refuses it just as it would a stale token.
 */
function expiredCopy(token: string): string {
  const [h, p, s] = token.split('.');
  try {
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    payload.iat = now - 7200;
    payload.exp = now - 3600;
    return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
  } catch {
    return 'expired';
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function renderOrder(o: WmsOrder) {
  return {
    wmsOrderId: o.wmsOrderId,
    erpOrderNumber: o.erpOrderNumber,
    warehouse: o.warehouse,
    status: o.status,
    correlationId: o.correlationId,
    receivedAt: iso(o.receivedAt),
    allocatedAt: iso(o.allocatedAt),
    shippedAt: iso(o.shippedAt),
    asn: o.asn ? { asnNumber: o.asn.asnNumber, sentAt: iso(o.asn.sentAt), acknowledged: o.asn.acknowledged } : null,
    lines: o.lines,
  };
}

function renderAdjustment(a: Adjustment) {
  return {
    adjustmentId: a.adjustmentId,
    warehouse: a.warehouse,
    item: a.item,
    quantity: a.quantity,
    reason: a.reason,
    reference: a.reference,
    correlationId: a.correlationId,
    adjustedAt: iso(a.adjustedAt),
    reverses: a.reverses,
    reversedBy: a.reversedBy,
    publication: { status: a.publication.status, at: iso(a.publication.at), reason: a.publication.reason },
  };
}
