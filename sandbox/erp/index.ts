import { ITEMS, ITEM_BY_SKU, WAREHOUSES, isWarehouse, openingStock, stockKey } from '../catalog.ts';
import { idGenerator, type ServiceContext } from '../context.ts';
import { HttpError, Router, iso, requireObject, type Request } from '../http/server.ts';
import { errorMessage } from '../http/client.ts';
import { bearerToken, type VerifiedToken } from '../oauth.ts';
import { parseCreateRequest, renderSalesOrder, RequestProblem, type ErpVersion, type SalesOrder, type SalesOrderLine } from './versions.ts';

/**
 * The ERP: sales orders, items, on-hand by warehouse and inventory transactions behind OAuth2 bearer
 * tokens. It releases orders to the WMS, takes shipment confirmations (ASN), invoices, and publishes
 * order status events to the middleware, which routes them to channels and notifications.
 */
export interface InventoryTransaction {
  id: string;
  item: string;
  warehouse: string;
  quantity: number;
  type: string;
  reference: string;
  correlationId: string;
  postedAt: number;
  postedBy: string;
  /** The on-hand balance of the item in the warehouse right after this posting. */
  onHandAfter: number;
}

export class ErpService {
  readonly orders = new Map<string, SalesOrder>();
  private readonly byReference = new Map<string, string[]>();
  private readonly byCorrelation = new Map<string, string[]>();
  private readonly onHand = new Map<string, { onHand: number; updatedAt: number }>();
  private readonly transactions: InventoryTransaction[] = [];
  private readonly txByCorrelation = new Map<string, InventoryTransaction[]>();
  private readonly orderIds = idGenerator('SO-', 100001);
  private readonly txIds = idGenerator('IT-');

  constructor(
    private readonly ctx: ServiceContext,
    private readonly verify: () => (token: string | undefined) => Promise<VerifiedToken>,
  ) {
    this.reset();
  }

  reset(): void {
    this.orders.clear();
    this.byReference.clear();
    this.byCorrelation.clear();
    this.transactions.length = 0;
    this.txByCorrelation.clear();
    this.orderIds.reset();
    this.txIds.reset();
    this.onHand.clear();
    const now = Date.now();
    for (const i of ITEMS) for (const w of WAREHOUSES) this.onHand.set(stockKey(i.sku, w), { onHand: openingStock(i.sku, w), updatedAt: now });
  }

  version(): ErpVersion {
    return this.ctx.faults.get('erp.version')?.scope === 'v2' ? 'v2' : 'v1';
  }

  private async authorize(req: Request, scope: 'erp:read' | 'erp:write'): Promise<VerifiedToken> {
    const auth = req.headers.authorization;
    const raw = bearerToken(typeof auth === 'string' ? auth : undefined);
    let token: VerifiedToken;
    try {
      token = await this.verifyCached(raw);
    } catch (err) {
      const reason = (err as { reason?: string }).reason ?? 'invalid';
      throw new HttpError(401, 'invalid_token', (err as Error).message, {
        'www-authenticate': `Bearer realm="erp", error="invalid_token", error_description="${reason}"`,
      });
    }
    const ok = token.scopes.includes(scope) || (scope === 'erp:read' && token.scopes.includes('erp:write'));
    if (!ok) {
      throw new HttpError(403, 'insufficient_scope', `client '${token.clientId}' lacks scope ${scope} (has: ${token.scopes.join(' ') || 'none'})`, {
        'www-authenticate': `Bearer realm="erp", error="insufficient_scope", scope="${scope}"`,
      });
    }
    return token;
  }

  /**
   * Verified tokens are remembered for at most a second (and never past their expiry): under
   * thousands of deliveries a signature check per request is the ERP's biggest cost, and the key
   * set itself is cached longer than that.
   */
  private readonly verified = new Map<string, { token: VerifiedToken; until: number }>();

  private async verifyCached(raw: string | undefined): Promise<VerifiedToken> {
    const now = Date.now();
    const hit = raw ? this.verified.get(raw) : undefined;
    if (hit && hit.until > now) return hit.token;
    const token = await this.verify()(raw);
    if (this.verified.size > 1000) this.verified.clear();
    this.verified.set(raw!, { token, until: Math.min(now + 1000, token.expiresAt * 1000) });
    return token;
  }

  routes(): Router {
    const r = new Router();
    r.get('/api/sales-orders', async (req) => {
      await this.authorize(req, 'erp:read');
      const v = this.version();
      const ref = req.query.get(v === 'v2' ? 'customerReference' : 'externalReference') ?? req.query.get('externalReference');
      const cid = req.query.get('correlationId');
      if (!ref && !cid) throw new HttpError(400, 'invalid_request', `give ${v === 'v2' ? 'customerReference' : 'externalReference'} or correlationId`);
      const numbers = ref ? (this.byReference.get(ref) ?? []) : (this.byCorrelation.get(cid!) ?? []);
      const items = numbers.map((n) => this.orders.get(n)!).filter((o) => !cid || o.correlationId === cid);
      return { json: { items: items.map((o) => renderSalesOrder(o, v)) } };
    });
    r.get('/api/sales-orders/:number', async (req) => {
      await this.authorize(req, 'erp:read');
      return { json: renderSalesOrder(this.order(req.params.number!), this.version()) };
    });
    r.post('/api/sales-orders', async (req) => {
      await this.authorize(req, 'erp:write');
      const v = this.version();
      let parsed;
      try {
        parsed = parseCreateRequest(req.body, v, { rejectDecimal: this.ctx.faults.has('erp.rejectDecimal') });
      } catch (err) {
        if (err instanceof RequestProblem) throw new HttpError(err.status, err.code, err.message);
        throw err;
      }
      const correlationId = req.correlationIdGiven ? req.correlationId : (parsed.correlationId ?? req.correlationId);
      const copies = this.ctx.faults.has('erp.duplicateOrders') ? 2 : 1;
      let first: SalesOrder | undefined;
      for (let i = 0; i < copies; i++) {
        const o = this.createOrder({ ...parsed, correlationId });
        first ??= o;
      }
      return { status: 201, json: renderSalesOrder(first!, v) };
    });
    r.post('/api/sales-orders/:number/cancel', async (req) => {
      await this.authorize(req, 'erp:write');
      const o = this.order(req.params.number!);
      if (o.status !== 'cancelled') this.cancel(o);
      return { json: renderSalesOrder(o, this.version()) };
    });
    r.get('/api/items', async (req) => {
      await this.authorize(req, 'erp:read');
      return { json: { items: ITEMS.map((i) => ({ ...i })) } };
    });
    r.get('/api/items/:sku', async (req) => {
      await this.authorize(req, 'erp:read');
      const i = ITEM_BY_SKU.get(req.params.sku!);
      if (!i) throw new HttpError(404, 'not_found', `no item '${req.params.sku}'`);
      return { json: { ...i } };
    });
    r.get('/api/inventory/on-hand', async (req) => {
      await this.authorize(req, 'erp:read');
      const item = req.query.get('item');
      const warehouse = req.query.get('warehouse');
      if (!item || !warehouse) throw new HttpError(400, 'invalid_request', 'query parameters item and warehouse are required');
      const s = this.onHand.get(stockKey(item, warehouse));
      if (!s) throw new HttpError(404, 'not_found', `no on-hand for item '${item}' in warehouse '${warehouse}' (warehouses: ${WAREHOUSES.join(', ')})`);
      return { json: { item, warehouse, onHand: s.onHand, updatedAt: iso(s.updatedAt) } };
    });
    r.get('/api/inventory/transactions', async (req) => {
      await this.authorize(req, 'erp:read');
      const cid = req.query.get('correlationId');
      const item = req.query.get('item');
      const warehouse = req.query.get('warehouse');
      const sinceRaw = req.query.get('since');
      const since = sinceRaw ? Date.parse(sinceRaw) : NaN;
      if (sinceRaw && !Number.isFinite(since)) throw new HttpError(400, 'invalid_request', `since: '${sinceRaw}' is not an ISO-8601 time`);
      // The stock ledger of one item and warehouse, in posting order; otherwise one transaction's postings or the latest.
      if (item || warehouse || sinceRaw) {
        const list = (cid ? (this.txByCorrelation.get(cid) ?? []) : this.transactions).filter((t) => (!item || t.item === item) && (!warehouse || t.warehouse === warehouse) && (!sinceRaw || t.postedAt >= since));
        return { json: { items: list.slice(-1000).map(renderTx) } };
      }
      const list = cid ? (this.txByCorrelation.get(cid) ?? []) : this.transactions.slice(-100);
      return { json: { items: list.map(renderTx) } };
    });
    r.post('/api/inventory/transactions', async (req) => {
      const token = await this.authorize(req, 'erp:write');
      const b = requireObject(req.body, 'POST /api/inventory/transactions');
      const item = String(b.item ?? '');
      const warehouse = String(b.warehouse ?? '');
      if (!ITEM_BY_SKU.has(item)) throw new HttpError(422, 'unknown_item', `item: no item '${item}'`);
      if (!isWarehouse(warehouse)) throw new HttpError(422, 'unknown_warehouse', `warehouse: no warehouse '${warehouse}'`);
      if (typeof b.quantity !== 'number' || !Number.isFinite(b.quantity) || b.quantity === 0) throw new HttpError(400, 'invalid_request', 'quantity must be a non-zero number');
      const tx: InventoryTransaction = {
        id: this.txIds.next(),
        item,
        warehouse,
        quantity: b.quantity,
        type: String(b.type ?? 'adjustment'),
        reference: String(b.reference ?? ''),
        correlationId: req.correlationIdGiven ? req.correlationId : String(b.correlationId ?? req.correlationId),
        postedAt: Date.now(),
        postedBy: token.clientId,
        onHandAfter: 0,
      };
      const key = stockKey(item, warehouse);
      const s = this.onHand.get(key)!;
      const next = s.onHand + tx.quantity;
      // erp.negativeInventory: the posting is applied with the wrong sign of the balance.
      s.onHand = this.ctx.faults.has('erp.negativeInventory') ? -Math.abs(next) : next;
      s.updatedAt = tx.postedAt;
      tx.onHandAfter = s.onHand;
      this.transactions.push(tx);
      let list = this.txByCorrelation.get(tx.correlationId);
      if (!list) this.txByCorrelation.set(tx.correlationId, (list = []));
      list.push(tx);
      this.ctx.truth.record(tx.correlationId, 'erp.onHandUpdated', 'erp', tx.id, tx.postedAt);
      return { status: 201, json: { transaction: renderTx(tx), onHand: { item, warehouse, onHand: s.onHand, updatedAt: iso(s.updatedAt) } } };
    });
    r.post('/api/shipment-confirmations', async (req) => {
      await this.authorize(req, 'erp:write');
      const b = requireObject(req.body, 'POST /api/shipment-confirmations');
      const o = this.order(String(b.orderNumber ?? ''));
      if (typeof b.asnNumber !== 'string' || !b.asnNumber) throw new HttpError(400, 'invalid_request', "field 'asnNumber' is required");
      if (o.status === 'cancelled') throw new HttpError(409, 'order_cancelled', `sales order ${o.orderNumber} is cancelled; shipment ${b.asnNumber} not posted`);
      if (o.shippedAt === null) {
        o.shippedAt = Date.now();
        o.status = 'shipped';
        o.asnNumber = b.asnNumber;
        this.ctx.truth.record(o.correlationId, 'erp.shipmentConfirmed', 'erp', o.orderNumber, o.shippedAt);
        this.publish(o, 'shipped');
        this.ctx.latency.after('erp.confirmShipment', () => {
          if (o.status !== 'shipped') return;
          o.status = 'invoiced';
          o.invoicedAt = Date.now();
          this.ctx.truth.record(o.correlationId, 'erp.invoiced', 'erp', o.orderNumber, o.invoicedAt);
        });
      }
      return { status: 201, json: renderSalesOrder(o, this.version()) };
    });
    return r;
  }

  private order(number: string): SalesOrder {
    const o = this.orders.get(number);
    if (!o) throw new HttpError(404, 'not_found', `no sales order '${number}'`);
    return o;
  }

  /** Also used by the admin API's provider states. */
  createOrder(req: { externalReference: string; channel: string; customer: string; correlationId: string; lines: Array<Omit<SalesOrderLine, 'lineNo'>> }): SalesOrder {
    const o: SalesOrder = {
      orderNumber: this.orderIds.next(),
      externalReference: req.externalReference,
      correlationId: req.correlationId,
      channel: req.channel,
      customer: req.customer,
      status: 'created',
      createdAt: Date.now(),
      releasedAt: null,
      shippedAt: null,
      invoicedAt: null,
      cancelledAt: null,
      asnNumber: null,
      lines: req.lines.map((l, i) => ({ lineNo: i + 1, ...l })),
    };
    this.orders.set(o.orderNumber, o);
    push(this.byReference, o.externalReference, o.orderNumber);
    push(this.byCorrelation, o.correlationId, o.orderNumber);
    this.ctx.truth.record(o.correlationId, 'erp.created', 'erp', o.orderNumber, o.createdAt);
    this.publish(o, 'confirmed');
    this.ctx.latency.after('erp.release', () => this.release(o));
    return o;
  }

  private async release(o: SalesOrder, attempt = 1): Promise<void> {
    if (o.status !== 'created' && !(o.status === 'released' && attempt > 1)) return;
    if (o.releasedAt === null) {
      o.status = 'released';
      o.releasedAt = Date.now();
      this.ctx.truth.record(o.correlationId, 'erp.released', 'erp', o.orderNumber, o.releasedAt);
      this.publish(o, 'released');
    }
    const res = await this.ctx.client
      .call('POST', `${this.ctx.urls.wms}/api/releases`, {
        correlationId: o.correlationId,
        json: { orderNumber: o.orderNumber, correlationId: o.correlationId, customer: o.customer, lines: o.lines },
      })
      .catch((err: Error) => ({ status: 0, headers: {}, body: err.message }));
    if (res.status >= 200 && res.status < 300) return;
    if (attempt < this.ctx.retry.maxAttempts && o.status === 'released') {
      this.ctx.latency.afterMs(this.ctx.retry.baseMs * 2 ** (attempt - 1), () => this.release(o, attempt + 1));
    } else {
      process.stderr.write(`sandbox erp: release of ${o.orderNumber} to the WMS failed: ${errorMessage(res)}\n`);
    }
  }

  cancel(o: SalesOrder): void {
    const wasReleased = o.releasedAt !== null && o.shippedAt === null;
    o.status = 'cancelled';
    o.cancelledAt = Date.now();
    this.ctx.truth.record(o.correlationId, 'erp.cancelled', 'erp', o.orderNumber, o.cancelledAt);
    this.publish(o, 'cancelled');
    if (wasReleased) {
      void this.ctx.client
        .call('POST', `${this.ctx.urls.wms}/api/orders/cancel`, { correlationId: o.correlationId, json: { erpOrderNumber: o.orderNumber } })
        .catch(() => undefined);
    }
  }

  /** Order status events to the middleware, which routes them to the channel and to notifications. */
  private publish(o: SalesOrder, status: 'confirmed' | 'released' | 'shipped' | 'cancelled', attempt = 1): void {
    const event = { orderNumber: o.orderNumber, externalReference: o.externalReference, correlationId: o.correlationId, channel: o.channel, customer: o.customer, status, at: new Date().toISOString() };
    void this.ctx.client
      .call('POST', `${this.ctx.urls.middleware}/events/order-status`, { correlationId: o.correlationId, json: event })
      .catch((err: Error) => ({ status: 0, headers: {}, body: err.message }))
      .then((res) => {
        if (res.status >= 200 && res.status < 300) return;
        if (attempt < this.ctx.retry.maxAttempts) this.ctx.latency.afterMs(this.ctx.retry.baseMs * 2 ** (attempt - 1), () => this.publish(o, status, attempt + 1));
      });
  }

  /** Provider-state support: set an on-hand balance directly. */
  setOnHand(item: string, warehouse: string, onHand: number): void {
    const s = this.onHand.get(stockKey(item, warehouse));
    if (!s) throw new HttpError(400, 'invalid_request', `no item '${item}' in warehouse '${warehouse}'`);
    s.onHand = onHand;
    s.updatedAt = Date.now();
  }

  getOnHand(item: string, warehouse: string): number | undefined {
    return this.onHand.get(stockKey(item, warehouse))?.onHand;
  }
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function renderTx(t: InventoryTransaction) {
  return { id: t.id, item: t.item, warehouse: t.warehouse, quantity: t.quantity, type: t.type, reference: t.reference, correlationId: t.correlationId, postedAt: iso(t.postedAt), onHandAfter: t.onHandAfter };
}
