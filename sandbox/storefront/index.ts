import { randomUUID } from 'node:crypto';
import { ITEMS, ITEM_BY_SKU, WAREHOUSES, isWarehouse, openingStock, stockKey, CHANNEL_WAREHOUSES } from '../catalog.ts';
import { idGenerator, type ServiceContext } from '../context.ts';
import { HttpError, Router, iso, requireObject, type Request } from '../http/server.ts';
import { cartPage, catalogPage, checkoutPage, orderPage } from './html.ts';

/**
 * The storefront: HTML catalog with availability per warehouse, cart, checkout and order status
 * pages, and a JSON API. Orders go to the middleware's storefront channel; status and
 * availability come back from the middleware.
 */
type SfStatus = 'accepted' | 'confirmed' | 'shipped' | 'cancelled';

interface SfOrder {
  orderId: string;
  correlationId: string;
  customer: string;
  poNumber: string;
  warehouse: string;
  lines: Array<{ sku: string; quantity: number; uom: string }>;
  status: SfStatus;
  acceptedAt: number;
  updatedAt: number;
  erpOrderNumber: string | null;
  forwarded: 'pending' | 'sent' | 'failed';
}

const STATUS_RANK: Record<SfStatus, number> = { accepted: 0, confirmed: 1, shipped: 2, cancelled: 3 };

export class StorefrontService {
  private readonly orders = new Map<string, SfOrder>();
  private readonly byCorrelation = new Map<string, SfOrder>();
  private readonly carts = new Map<string, Map<string, number>>();
  private readonly availability = new Map<string, { available: number; updatedAt: number }>();
  private readonly ids = idGenerator('SF-');

  constructor(private readonly ctx: ServiceContext) {
    this.reset();
  }

  reset(): void {
    this.orders.clear();
    this.byCorrelation.clear();
    this.carts.clear();
    this.ids.reset();
    const now = Date.now();
    this.availability.clear();
    for (const i of ITEMS) for (const w of WAREHOUSES) this.availability.set(stockKey(i.sku, w), { available: openingStock(i.sku, w), updatedAt: now });
  }

  routes(): Router {
    const r = new Router();
    r.get('/', () => ({ html: catalogPage((sku, wh) => this.availability.get(stockKey(sku, wh))?.available ?? 0) }));
    r.get('/cart', (req) => ({ html: cartPage(this.cartLines(req)) }));
    r.post('/cart/add', (req) => {
      const sku = req.form?.get('sku') ?? '';
      const qty = Number(req.form?.get('qty') ?? '1');
      if (!ITEM_BY_SKU.has(sku)) throw new HttpError(400, 'invalid_request', `no product '${sku}'`);
      if (!Number.isInteger(qty) || qty < 1) throw new HttpError(400, 'invalid_request', `quantity must be a whole number >= 1, got '${req.form?.get('qty')}'`);
      let cartId = req.cookies.sp_cart;
      let cart = cartId ? this.carts.get(cartId) : undefined;
      if (!cart || !cartId) {
        cartId = randomUUID();
        this.carts.set(cartId, (cart = new Map()));
      }
      cart.set(sku, (cart.get(sku) ?? 0) + qty);
      return { redirect: '/cart', headers: { 'set-cookie': `sp_cart=${cartId}; Path=/; HttpOnly; Secure; SameSite=Lax` } };
    });
    r.get('/checkout', (req) => ({ html: checkoutPage(this.cartLines(req).length) }));
    r.post('/checkout', (req) => {
      const lines = this.cartLines(req);
      const f = req.form ?? new URLSearchParams();
      const input = { customer: f.get('customer') ?? '', poNumber: f.get('poNumber') ?? '', warehouse: f.get('warehouse') ?? '' };
      if (lines.length === 0) return { status: 400, html: checkoutPage(0, 'Your cart is empty: add products first.') };
      const problem = orderProblem({ ...input, lines: lines.map((l) => ({ sku: l.sku, quantity: l.qty, uom: l.uom })) });
      if (problem) return { status: 400, html: checkoutPage(lines.length, problem) };
      const o = this.place(req, { ...input, lines: lines.map((l) => ({ sku: l.sku, quantity: l.qty, uom: l.uom })) });
      this.carts.delete(req.cookies.sp_cart!);
      return { redirect: `/orders/${encodeURIComponent(o.orderId)}`, headers: { 'set-cookie': 'sp_cart=; Path=/; Max-Age=0; Secure' } };
    });
    r.get('/orders/:id', (req) => {
      const o = this.order(req.params.id!);
      return { html: orderPage({ ...o, updatedAt: iso(o.updatedAt)! }) };
    });
    r.post('/api/orders', (req) => {
      const b = requireObject(req.body, 'POST /api/orders');
      const input = {
        customer: String(b.customer ?? ''),
        poNumber: String(b.poNumber ?? ''),
        warehouse: String(b.warehouse ?? ''),
        lines: Array.isArray(b.lines) ? (b.lines as Array<Record<string, unknown>>).map((l) => ({ sku: String(l?.sku ?? ''), quantity: Number(l?.quantity), uom: String(l?.uom ?? ITEM_BY_SKU.get(String(l?.sku))?.uom ?? '') })) : [],
      };
      const problem = orderProblem(input);
      if (problem) throw new HttpError(400, 'invalid_request', `POST /api/orders: ${problem}`);
      const o = this.place(req, input);
      return { status: 202, json: { orderId: o.orderId, status: 'accepted', acceptedAt: iso(o.acceptedAt), correlationId: o.correlationId } };
    });
    r.get('/api/orders', (req) => {
      const cid = req.query.get('correlationId');
      if (!cid) throw new HttpError(400, 'invalid_request', 'give correlationId');
      const o = this.byCorrelation.get(cid);
      return { json: { items: o ? [render(o)] : [] } };
    });
    r.get('/api/orders/:id', (req) => ({ json: render(this.order(req.params.id!)) }));
    r.get('/api/availability', (req) => {
      const sku = req.query.get('sku');
      const wh = req.query.get('warehouse');
      if (!sku) throw new HttpError(400, 'invalid_request', 'query parameter sku is required');
      if (!ITEM_BY_SKU.has(sku)) throw new HttpError(404, 'not_found', `no product '${sku}'`);
      const whCode = wh ? (CHANNEL_WAREHOUSES[wh] ?? wh) : undefined;
      if (whCode && !isWarehouse(whCode)) throw new HttpError(404, 'not_found', `no warehouse '${wh}' (${WAREHOUSES.join(', ')})`);
      const warehouses = WAREHOUSES.filter((w) => !whCode || w === whCode).map((w) => {
        const a = this.availability.get(stockKey(sku, w))!;
        return { warehouse: w, available: a.available, updatedAt: iso(a.updatedAt) };
      });
      return { json: { sku, warehouses } };
    });
    // From the middleware.
    r.post('/api/internal/order-status', (req) => {
      const b = requireObject(req.body, 'POST /api/internal/order-status');
      const o = this.order(String(b.orderId ?? ''));
      const status = String(b.status) as SfStatus;
      if (!(status in STATUS_RANK)) throw new HttpError(400, 'invalid_request', `unknown status '${status}'`);
      if (typeof b.erpOrderNumber === 'string') o.erpOrderNumber = b.erpOrderNumber;
      // Events may arrive out of order: a late "confirmed" never overwrites "shipped".
      if (STATUS_RANK[status] > STATUS_RANK[o.status]) {
        o.status = status;
        o.updatedAt = Date.now();
        if (status === 'shipped') this.ctx.truth.record(o.correlationId, 'storefront.statusUpdated', 'storefront', o.orderId, o.updatedAt);
      }
      return { json: render(o) };
    });
    r.post('/api/internal/availability', (req) => {
      const b = requireObject(req.body, 'POST /api/internal/availability');
      const a = this.availability.get(stockKey(String(b.sku), String(b.warehouse)));
      if (!a) throw new HttpError(422, 'unknown_stock', `no product '${String(b.sku)}' in warehouse '${String(b.warehouse)}'`);
      if (typeof b.available !== 'number') throw new HttpError(400, 'invalid_request', "field 'available' is required (a number)");
      a.available = b.available;
      a.updatedAt = Date.now();
      this.ctx.truth.record(req.correlationId, 'storefront.availabilityUpdated', 'storefront', `${String(b.sku)}@${String(b.warehouse)}`, a.updatedAt);
      return { json: { sku: b.sku, warehouse: b.warehouse, available: a.available, updatedAt: iso(a.updatedAt) } };
    });
    return r;
  }

  private cartLines(req: Request): Array<{ sku: string; qty: number; uom: string }> {
    const cart = req.cookies.sp_cart ? this.carts.get(req.cookies.sp_cart) : undefined;
    return cart ? [...cart].map(([sku, qty]) => ({ sku, qty, uom: ITEM_BY_SKU.get(sku)!.uom })) : [];
  }

  private order(id: string): SfOrder {
    const o = this.orders.get(id);
    if (!o) throw new HttpError(404, 'not_found', `no storefront order '${id}'`);
    return o;
  }

  /** Provider state: an order on record, as accepted, without starting its flow through the stack. */
  seedOrder(correlationId: string, input: { customer: string; poNumber: string; warehouse: string; lines: SfOrder['lines'] }): { orderId: string; correlationId: string } {
    const now = Date.now();
    const o: SfOrder = { orderId: this.ids.next(), correlationId, ...input, status: 'accepted', acceptedAt: now, updatedAt: now, erpOrderNumber: null, forwarded: 'pending' };
    this.orders.set(o.orderId, o);
    this.byCorrelation.set(o.correlationId, o);
    return { orderId: o.orderId, correlationId };
  }

  private place(req: Request, input: { customer: string; poNumber: string; warehouse: string; lines: SfOrder['lines'] }): SfOrder {
    const now = Date.now();
    const o: SfOrder = { orderId: this.ids.next(), correlationId: req.correlationId, ...input, status: 'accepted', acceptedAt: now, updatedAt: now, erpOrderNumber: null, forwarded: 'pending' };
    this.orders.set(o.orderId, o);
    this.byCorrelation.set(o.correlationId, o);
    this.ctx.truth.record(o.correlationId, 'channel.accepted', 'storefront', o.orderId, now);
    void this.forward(o);
    return o;
  }

  private async forward(o: SfOrder, attempt = 1): Promise<void> {
    const res = await this.ctx.client
      .call('POST', `${this.ctx.urls.middleware}/channels/storefront/orders`, {
        correlationId: o.correlationId,
        json: { orderId: o.orderId, customer: o.customer, poNumber: o.poNumber, warehouse: o.warehouse, lines: o.lines },
      })
      .catch((err: Error) => ({ status: 0, headers: {}, body: err.message }));
    if (res.status >= 200 && res.status < 300) {
      o.forwarded = 'sent';
      return;
    }
    if (attempt < this.ctx.retry.maxAttempts && (res.status === 0 || res.status === 429 || res.status >= 500)) {
      this.ctx.latency.afterMs(this.ctx.retry.baseMs * 2 ** (attempt - 1), () => this.forward(o, attempt + 1));
    } else o.forwarded = 'failed';
  }
}

function orderProblem(o: { customer: string; poNumber: string; warehouse: string; lines: Array<{ sku: string; quantity: number; uom: string }> }): string | undefined {
  if (!o.customer.trim()) return 'customer is required';
  if (!o.poNumber.trim()) return 'PO number is required';
  if (!CHANNEL_WAREHOUSES[o.warehouse] && !isWarehouse(o.warehouse)) return `warehouse must be one of ${Object.keys(CHANNEL_WAREHOUSES).join(', ')}, got '${o.warehouse}'`;
  if (o.lines.length === 0) return 'at least one line is required';
  for (const [i, l] of o.lines.entries()) {
    if (!ITEM_BY_SKU.has(l.sku)) return `lines[${i}]: no product '${l.sku}'`;
    if (!Number.isFinite(l.quantity) || l.quantity <= 0) return `lines[${i}]: quantity must be > 0`;
  }
  return undefined;
}

function render(o: SfOrder) {
  return {
    orderId: o.orderId,
    status: o.status,
    updatedAt: iso(o.updatedAt),
    acceptedAt: iso(o.acceptedAt),
    correlationId: o.correlationId,
    customer: o.customer,
    poNumber: o.poNumber,
    warehouse: o.warehouse,
    erpOrderNumber: o.erpOrderNumber,
    lines: o.lines,
  };
}

