import { CHANNELS, type Channel, type Warehouse } from '../catalog.ts';
import { idGenerator, type ServiceContext, type TokenSource } from '../context.ts';
import { HttpError, Router, iso, requireObject, type Request } from '../http/server.ts';
import { errorMessage, type CallResult } from '../http/client.ts';
import { bearerToken } from '../oauth.ts';
import { channelReference, intakeProblems, transformOrder, TransformationError } from './transform.ts';

/**
 * The middleware (iPaaS): takes channel orders, transforms and delivers them to the ERP
 * asynchronously with retries and a dead-letter queue; carries warehouse inventory events to the
 * ERP and on to the storefront; routes the ERP's order status events to the channel and to
 * notifications. Per-flow metrics say what it is doing.
 */
type Flow = 'order' | 'inventory';
type MessageStatus = 'queued' | 'delivered' | 'dead-lettered' | 'dropped';

interface Message {
  messageId: string;
  flow: Flow;
  channel: string;
  correlationId: string;
  status: MessageStatus;
  attempts: number;
  acceptedAt: number;
  deliveredAt: number | null;
  erpOrderNumber: string | null;
  reason: string | null;
  /** What the channel or connector sent, kept for transformation on every attempt and for replay. */
  payload: Record<string, unknown>;
  /** The storefront's own order id, for status updates back to it. */
  channelOrderId: string | null;
  /** Inventory: the connector's bearer, passed through to the ERP. Never rendered. */
  bearer: string | null;
  warehouse: string | null;
}

interface FlowMetrics {
  accepted: number;
  delivered: number;
  queueDepth: number;
  dlqDepth: number;
  transformationExceptions: number;
  replayCount: number;
  replaySuccesses: number;
}

const newFlowMetrics = (): FlowMetrics => ({ accepted: 0, delivered: 0, queueDepth: 0, dlqDepth: 0, transformationExceptions: 0, replayCount: 0, replaySuccesses: 0 });

type Outcome = { ok: true } | { ok: false; retry: boolean; reason: string };

export class MiddlewareService {
  private readonly messages = new Map<string, Message>();
  private readonly byCorrelation = new Map<string, Message[]>();
  private readonly byErpOrder = new Map<string, Message>();
  private readonly dlq = new Map<string, Message>();
  private readonly metrics: Record<Flow, FlowMetrics> = { order: newFlowMetrics(), inventory: newFlowMetrics() };
  private readonly byChannel = new Map<string, { accepted: number; delivered: number; dropped: number; deadLettered: number }>();
  /** ERP orders released to the WMS whose shipment the ERP has not confirmed yet. */
  private readonly unacknowledged = new Set<string>();
  private readonly ids = idGenerator('MSG-');

  constructor(
    private readonly ctx: ServiceContext,
    private readonly erpToken: () => TokenSource,
  ) {}

  reset(): void {
    this.messages.clear();
    this.byCorrelation.clear();
    this.byErpOrder.clear();
    this.dlq.clear();
    this.metrics.order = newFlowMetrics();
    this.metrics.inventory = newFlowMetrics();
    this.byChannel.clear();
    this.unacknowledged.clear();
    this.ids.reset();
  }

  routes(): Router {
    const r = new Router();
    r.post('/channels/:channel/orders', (req) => this.acceptOrder(req));
    r.post('/events/inventory', (req) => this.acceptInventory(req));
    r.post('/events/order-status', (req) => this.routeStatus(req));
    r.get('/messages', (req) => {
      const cid = req.query.get('correlationId');
      const id = req.query.get('messageId');
      const list = id ? [this.messages.get(id)].filter((m): m is Message => !!m) : cid ? (this.byCorrelation.get(cid) ?? []) : undefined;
      if (!list) throw new HttpError(400, 'invalid_request', 'give correlationId or messageId');
      return { json: { messages: list.map(render) } };
    });
    r.get('/dlq', (req) => {
      const flow = req.query.get('flow');
      return { json: { messages: [...this.dlq.values()].filter((m) => !flow || m.flow === flow).map(render) } };
    });
    r.post('/dlq/:id/replay', async (req) => {
      const m = this.dlq.get(req.params.id!);
      if (!m) throw new HttpError(404, 'not_found', `no dead-lettered message '${req.params.id}'${this.messages.has(req.params.id!) ? ' (it is not in the DLQ)' : ''}`);
      const fm = this.metrics[m.flow];
      fm.replayCount++;
      this.dlq.delete(m.messageId);
      fm.dlqDepth--;
      m.status = 'queued';
      fm.queueDepth++;
      const outcome = await this.attempt(m);
      if (outcome.ok) fm.replaySuccesses++;
      else this.deadLetter(m, outcome.reason);
      return { json: { ...render(m), replayed: true, ok: outcome.ok } };
    });
    r.get('/metrics', () => {
      const byChannel: Record<string, unknown> = {};
      for (const c of CHANNELS) byChannel[c] = this.byChannel.get(c) ?? { accepted: 0, delivered: 0, dropped: 0, deadLettered: 0 };
      return { json: { flows: { order: { ...this.metrics.order }, inventory: { ...this.metrics.inventory } }, byChannel, unacknowledgedOutbound: this.unacknowledged.size } };
    });
    return r;
  }

  private channelStats(c: string) {
    let s = this.byChannel.get(c);
    if (!s) this.byChannel.set(c, (s = { accepted: 0, delivered: 0, dropped: 0, deadLettered: 0 }));
    return s;
  }

  private newMessage(flow: Flow, channel: string, correlationId: string, payload: Record<string, unknown>, extra: Partial<Message> = {}): Message {
    const m: Message = {
      messageId: this.ids.next(),
      flow,
      channel,
      correlationId,
      status: 'queued',
      attempts: 0,
      acceptedAt: Date.now(),
      deliveredAt: null,
      erpOrderNumber: null,
      reason: null,
      payload,
      channelOrderId: null,
      bearer: null,
      warehouse: null,
      ...extra,
    };
    this.messages.set(m.messageId, m);
    const l = this.byCorrelation.get(correlationId);
    if (l) l.push(m);
    else this.byCorrelation.set(correlationId, [m]);
    this.metrics[flow].accepted++;
    return m;
  }

  private acceptOrder(req: Request) {
    const channel = req.params.channel as Channel;
    if (!(CHANNELS as readonly string[]).includes(channel)) throw new HttpError(404, 'unknown_channel', `no channel '${channel}' (channels: ${CHANNELS.join(', ')})`);
    const problems = intakeProblems(channel, req.body);
    if (problems.length) throw new HttpError(400, 'invalid_request', `${channel} order: ${problems.join('; ')}`);
    const body = req.body as Record<string, unknown>;
    const m = this.newMessage('order', channel, req.correlationId, body, { channelOrderId: typeof body.orderId === 'string' ? body.orderId : null });
    const stats = this.channelStats(channel);
    stats.accepted++;
    // The storefront and the EDI gateway log their own acceptance; the B2B and marketplace channels are the middleware's.
    if (channel !== 'storefront' && channel !== 'edi') this.ctx.truth.record(m.correlationId, 'channel.accepted', 'middleware', m.messageId, m.acceptedAt);
    if (this.ctx.faults.has('channel.drop', channel)) {
      m.status = 'dropped';
      stats.dropped++;
    } else {
      this.metrics.order.queueDepth++;
      this.ctx.latency.after('middleware.deliver', () => this.deliver(m));
    }
    return { status: 202, json: { messageId: m.messageId, status: 'accepted', acceptedAt: iso(m.acceptedAt), correlationId: m.correlationId, reference: channelReference(channel, body) } };
  }

  private acceptInventory(req: Request) {
    const auth = req.headers.authorization;
    const bearer = bearerToken(typeof auth === 'string' ? auth : undefined);
    if (!bearer) throw new HttpError(401, 'invalid_token', 'inventory events need the warehouse connector bearer token', { 'www-authenticate': 'Bearer realm="middleware"' });
    const b = requireObject(req.body, 'POST /events/inventory');
    for (const f of ['adjustmentId', 'warehouse', 'item', 'reference']) if (typeof b[f] !== 'string') throw new HttpError(400, 'invalid_request', `inventory event: field '${f}' is required`);
    if (typeof b.quantity !== 'number') throw new HttpError(400, 'invalid_request', "inventory event: field 'quantity' is required (a number)");
    const m = this.newMessage('inventory', `wms-${b.warehouse}`, req.correlationId, b, { bearer, warehouse: String(b.warehouse) });
    this.metrics.inventory.queueDepth++;
    this.ctx.latency.after('erp.onHand', () => this.deliver(m));
    return { status: 202, json: { messageId: m.messageId, status: 'accepted', acceptedAt: iso(m.acceptedAt), correlationId: m.correlationId } };
  }

  private async deliver(m: Message): Promise<void> {
    if (m.status !== 'queued') return;
    const outcome = await this.attempt(m);
    if (outcome.ok) return;
    if (outcome.retry && m.attempts < this.ctx.retry.maxAttempts) {
      m.reason = outcome.reason;
      this.ctx.latency.afterMs(this.ctx.retry.baseMs * 2 ** (m.attempts - 1), () => this.deliver(m));
      return;
    }
    this.deadLetter(m, outcome.reason);
  }

  private deadLetter(m: Message, reason: string): void {
    m.status = 'dead-lettered';
    m.reason = reason;
    const fm = this.metrics[m.flow];
    fm.queueDepth--;
    fm.dlqDepth++;
    this.dlq.set(m.messageId, m);
    if (m.flow === 'order') this.channelStats(m.channel).deadLettered++;
  }

  private markDelivered(m: Message): void {
    m.status = 'delivered';
    m.deliveredAt = Date.now();
    m.reason = null;
    const fm = this.metrics[m.flow];
    fm.queueDepth--;
    fm.delivered++;
    if (m.flow === 'order') this.channelStats(m.channel).delivered++;
  }

  /** One delivery attempt; transformation runs each time so a replay after a fix goes through. */
  private async attempt(m: Message): Promise<Outcome> {
    m.attempts++;
    return m.flow === 'order' ? this.attemptOrder(m) : this.attemptInventory(m);
  }

  private async attemptOrder(m: Message): Promise<Outcome> {
    let draft;
    try {
      const wrong = this.ctx.faults.get('middleware.wrongWarehouse')?.scope as Warehouse | undefined;
      draft = transformOrder(m.channel as Channel, m.payload, { badUom: this.ctx.faults.has('middleware.badUom'), ...(wrong ? { wrongWarehouse: wrong } : {}) });
    } catch (err) {
      if (!(err instanceof TransformationError)) throw err;
      this.metrics.order.transformationExceptions++;
      return { ok: false, retry: false, reason: `transformation: ${err.message}` };
    }
    let token: string;
    try {
      token = await this.erpToken().getToken();
    } catch (err) {
      return { ok: false, retry: true, reason: `could not get an ERP token for client 'middleware': ${(err as Error).message}` };
    }
    const res = await this.call('POST', `${this.ctx.urls.erp}/api/sales-orders`, token, m.correlationId, { ...draft, correlationId: m.correlationId });
    if (res.status === 201 || res.status === 200) {
      const orderNumber = String((res.body as { orderNumber?: unknown }).orderNumber ?? '');
      m.erpOrderNumber = orderNumber;
      this.byErpOrder.set(orderNumber, m);
      this.markDelivered(m);
      this.ctx.truth.record(m.correlationId, 'middleware.delivered', 'middleware', m.messageId, m.deliveredAt!);
      return { ok: true };
    }
    if (res.status === 401) this.erpToken().invalidate();
    return this.failure(res);
  }

  private async attemptInventory(m: Message): Promise<Outcome> {
    const p = m.payload;
    // middleware.inventoryUom: the mapping reads the WMS eaches as cases of 12.
    const quantity = this.ctx.faults.has('middleware.inventoryUom') && typeof p.quantity === 'number' ? p.quantity * 12 : p.quantity;
    const res = await this.call('POST', `${this.ctx.urls.erp}/api/inventory/transactions`, m.bearer ?? '', m.correlationId, {
      item: p.item,
      warehouse: p.warehouse,
      quantity,
      type: p.reason,
      reference: p.reference,
      correlationId: m.correlationId,
    });
    if (res.status === 201 || res.status === 200) {
      this.markDelivered(m);
      this.ctx.truth.record(m.correlationId, 'middleware.inventoryDelivered', 'middleware', m.messageId, m.deliveredAt!);
      const onHand = (res.body as { onHand?: { onHand?: number } }).onHand?.onHand;
      this.ctx.latency.after('storefront.availability', () => this.forward(`${this.ctx.urls.storefront}/api/internal/availability`, m.correlationId, { sku: p.item, warehouse: p.warehouse, available: onHand, reference: p.adjustmentId }));
      return { ok: true };
    }
    if (res.status === 401) return { ok: false, retry: false, reason: `ERP refused the ${m.warehouse} connector's token: ${errorMessage(res)}` };
    return this.failure(res);
  }

  private failure(res: CallResult): Outcome {
    const retry = res.status === 0 || res.status === 401 || res.status === 408 || res.status === 429 || res.status >= 500;
    return { ok: false, retry, reason: res.status === 0 ? `ERP unreachable: ${String(res.body)}` : `ERP answered ${errorMessage(res)}` };
  }

  private call(method: string, url: string, bearer: string, correlationId: string, json: unknown): Promise<CallResult> {
    return this.ctx.client.call(method, url, { bearer, correlationId, json }).catch((err: Error) => ({ status: 0, headers: {}, body: err.message }));
  }

  /** Fire-and-forget delivery to a downstream (storefront, notifications), with the usual retries. */
  private forward(url: string, correlationId: string, json: unknown, attempt = 1): void {
    void this.ctx.client
      .call('POST', url, { correlationId, json })
      .catch((err: Error) => ({ status: 0, headers: {}, body: err.message }))
      .then((res) => {
        if (res.status >= 200 && res.status < 300) return;
        if (attempt < this.ctx.retry.maxAttempts && (res.status === 0 || res.status === 429 || res.status >= 500)) {
          this.ctx.latency.afterMs(this.ctx.retry.baseMs * 2 ** (attempt - 1), () => this.forward(url, correlationId, json, attempt + 1));
        }
      });
  }

  private routeStatus(req: Request) {
    const b = requireObject(req.body, 'POST /events/order-status');
    const orderNumber = String(b.orderNumber ?? '');
    const status = String(b.status ?? '');
    const cid = typeof b.correlationId === 'string' ? b.correlationId : req.correlationId;
    // The ERP may announce an order before its answer to the delivery has reached the middleware.
    const m = this.byErpOrder.get(orderNumber) ?? this.byCorrelation.get(cid)?.find((x) => x.flow === 'order' && x.channelOrderId);
    const orderRef = String(b.externalReference ?? orderNumber);
    const recipient = String(b.customer ?? '');
    switch (status) {
      case 'confirmed':
        this.ctx.latency.after('notifications.send', () => this.forward(`${this.ctx.urls.notifications}/api/outbox`, cid, { type: 'order_confirmed', recipient, orderRef, erpOrderNumber: orderNumber, correlationId: cid }));
        break;
      case 'released':
        this.unacknowledged.add(orderNumber);
        break;
      case 'shipped':
        this.unacknowledged.delete(orderNumber);
        this.ctx.latency.after('notifications.send', () => this.forward(`${this.ctx.urls.notifications}/api/outbox`, cid, { type: 'order_shipped', recipient, orderRef, erpOrderNumber: orderNumber, correlationId: cid }));
        break;
      case 'cancelled':
        this.unacknowledged.delete(orderNumber);
        break;
      default:
        throw new HttpError(400, 'invalid_request', `unknown order status '${status}' (confirmed, released, shipped, cancelled)`);
    }
    if (b.channel === 'storefront' && m?.channelOrderId && status !== 'released') {
      const channelOrderId = m.channelOrderId;
      this.ctx.latency.after('storefront.status', () => this.forward(`${this.ctx.urls.storefront}/api/internal/order-status`, cid, { orderId: channelOrderId, status, erpOrderNumber: orderNumber }));
    }
    return { status: 202, json: { accepted: true } };
  }
}

function render(m: Message) {
  return {
    messageId: m.messageId,
    flow: m.flow,
    channel: m.channel,
    correlationId: m.correlationId,
    status: m.status,
    attempts: m.attempts,
    acceptedAt: iso(m.acceptedAt),
    deliveredAt: iso(m.deliveredAt),
    erpOrderNumber: m.erpOrderNumber,
    reason: m.reason,
    ...(m.warehouse ? { warehouse: m.warehouse } : {}),
  };
}
