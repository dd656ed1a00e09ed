import { createHmac } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import { idGenerator, type ServiceContext } from '../context.ts';
import { HttpError, Router, iso, requireObject } from '../http/server.ts';

/** The customer notification outbox: order confirmed, order shipped. */
interface Notification {
  id: string;
  type: 'order_confirmed' | 'order_shipped';
  recipient: string;
  orderRef: string;
  erpOrderNumber: string | null;
  correlationId: string;
  sentAt: number;
}

const TYPES = ['order_confirmed', 'order_shipped'] as const;

/**
 * A webhook subscription: every notification of the given types is POSTed to `url` as
 * `{event, notification}` with X-Correlation-Id and, when a secret is set,
 * `X-Signature-SHA256: sha256=<hex HMAC-SHA256 of the body>`. A delivery that fails (transport
 * error or not 2xx) is retried after 0.5, 1 and 2 s, then given up.
 */
interface Subscription {
  id: string;
  url: string;
  events: Notification['type'][];
  secret: string | null;
  createdAt: number;
}

interface DeliveryAttempt {
  subscription: string;
  notification: string;
  correlationId: string;
  event: Notification['type'];
  attempt: number;
  /** HTTP status of the answer; 0: no answer (refused, timed out). */
  status: number;
  error?: string;
  at: number;
}

const RETRY_MS = [500, 1000, 2000];
const KEPT_ATTEMPTS = 500;

export class NotificationsService {
  private readonly byCorrelation = new Map<string, Notification[]>();
  private readonly byOrderRef = new Map<string, Notification[]>();
  private readonly ids = idGenerator('NT-');
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly subIds = idGenerator('WH-', 1, 4);
  private readonly attempts: DeliveryAttempt[] = [];
  /** Webhooks go to subscribers outside the stack: verified against the system's roots and the sandbox CA. */
  private readonly outbound: Agent;

  constructor(private readonly ctx: ServiceContext) {
    this.outbound = new Agent({ connect: { ca: [...rootCertificates, ctx.caPem], timeout: 5000 }, connections: 16, keepAliveTimeout: 4000, headersTimeout: 5000, bodyTimeout: 5000 });
  }

  close(): Promise<void> {
    return this.outbound.close();
  }

  /** Clears notifications and the delivery log; subscriptions are configuration and stay. */
  reset(): void {
    this.byCorrelation.clear();
    this.byOrderRef.clear();
    this.ids.reset();
    this.attempts.length = 0;
  }

  private deliver(n: Notification): void {
    if (this.ctx.faults.has('notifications.webhooksStopped')) return;
    for (const sub of this.subscriptions.values()) if (sub.events.includes(n.type)) this.ctx.latency.afterMs(0, () => this.attempt(sub, n, 1));
  }

  private async attempt(sub: Subscription, n: Notification, attempt: number): Promise<void> {
    if (!this.subscriptions.has(sub.id)) return;
    const body = JSON.stringify({ event: n.type, notification: render(n) });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-correlation-id': n.correlationId, 'x-webhook-id': sub.id, 'x-delivery-attempt': String(attempt) };
    if (sub.secret) {
      // A rotated secret on the sender's side: the subscriber still checks against the old one.
      const secret = this.ctx.faults.has('notifications.webhookSecretRotated') ? `${sub.secret}-rotated` : sub.secret;
      headers['x-signature-sha256'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    }
    const rec: DeliveryAttempt = { subscription: sub.id, notification: n.id, correlationId: n.correlationId, event: n.type, attempt, status: 0, at: Date.now() };
    try {
      const res = await request(sub.url, { method: 'POST', headers, body, dispatcher: this.outbound, signal: AbortSignal.timeout(5000) });
      rec.status = res.statusCode;
      await res.body.dump().catch(() => undefined);
    } catch (err) {
      rec.error = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    }
    this.attempts.push(rec);
    if (this.attempts.length > KEPT_ATTEMPTS) this.attempts.splice(0, this.attempts.length - KEPT_ATTEMPTS);
    const ok = rec.status >= 200 && rec.status < 300;
    if (ok) this.ctx.truth.record(n.correlationId, 'notifications.webhookDelivered', 'notifications', `${sub.id}/${n.id}`, rec.at);
    else if (attempt <= RETRY_MS.length) this.ctx.latency.afterMs(RETRY_MS[attempt - 1]!, () => this.attempt(sub, n, attempt + 1));
  }

  routes(): Router {
    const r = new Router();
    r.post('/api/outbox', (req) => {
      const b = requireObject(req.body, 'POST /api/outbox');
      if (!(TYPES as readonly unknown[]).includes(b.type)) throw new HttpError(400, 'invalid_request', `type must be one of ${TYPES.join(', ')}`);
      if (typeof b.orderRef !== 'string' || !b.orderRef) throw new HttpError(400, 'invalid_request', "field 'orderRef' is required");
      const n: Notification = {
        id: this.ids.next(),
        type: b.type as Notification['type'],
        recipient: String(b.recipient ?? ''),
        orderRef: b.orderRef,
        erpOrderNumber: typeof b.erpOrderNumber === 'string' ? b.erpOrderNumber : null,
        correlationId: req.correlationIdGiven ? req.correlationId : String(b.correlationId ?? req.correlationId),
        sentAt: Date.now(),
      };
      push(this.byCorrelation, n.correlationId, n);
      push(this.byOrderRef, n.orderRef, n);
      if (n.erpOrderNumber && n.erpOrderNumber !== n.orderRef) push(this.byOrderRef, n.erpOrderNumber, n);
      this.ctx.truth.record(n.correlationId, n.type === 'order_confirmed' ? 'notifications.confirmed' : 'notifications.shipped', 'notifications', n.id, n.sentAt);
      this.deliver(n);
      return { status: 201, json: render(n) };
    });
    r.post('/api/webhooks', (req) => {
      const b = requireObject(req.body, 'POST /api/webhooks');
      let url: URL;
      try {
        url = new URL(String(b.url ?? ''));
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
      } catch {
        throw new HttpError(400, 'invalid_request', "field 'url' must be the http(s) URL to post notifications to");
      }
      const events = b.events === undefined ? [...TYPES] : b.events;
      if (!Array.isArray(events) || events.length === 0 || events.some((e) => !(TYPES as readonly unknown[]).includes(e)))
        throw new HttpError(400, 'invalid_request', `field 'events' must be a non-empty list of ${TYPES.join(', ')}`);
      if (b.secret !== undefined && (typeof b.secret !== 'string' || b.secret.length < 16)) throw new HttpError(400, 'invalid_request', "field 'secret' must be a string of at least 16 characters");
      const sub: Subscription = { id: this.subIds.next(), url: url.toString(), events: events as Notification['type'][], secret: (b.secret as string | undefined) ?? null, createdAt: Date.now() };
      this.subscriptions.set(sub.id, sub);
      return { status: 201, json: renderSub(sub) };
    });
    r.get('/api/webhooks', () => ({ json: { items: [...this.subscriptions.values()].map(renderSub) } }));
    r.delete('/api/webhooks/:id', (req) => {
      if (!this.subscriptions.delete(req.params.id!)) throw new HttpError(404, 'not_found', `no webhook subscription ${req.params.id}`);
      return { status: 204 };
    });
    r.get('/api/webhook-deliveries', (req) => {
      const cid = req.query.get('correlationId');
      return { json: { items: this.attempts.filter((a) => !cid || a.correlationId === cid).map((a) => ({ ...a, at: iso(a.at) })) } };
    });
    r.get('/api/notifications', (req) => {
      const cid = req.query.get('correlationId');
      const ref = req.query.get('orderRef');
      if (!cid && !ref) throw new HttpError(400, 'invalid_request', 'give correlationId or orderRef');
      const list = cid ? (this.byCorrelation.get(cid) ?? []) : (this.byOrderRef.get(ref!) ?? []);
      const type = req.query.get('type');
      return { json: { items: list.filter((n) => !type || n.type === type).map(render) } };
    });
    return r;
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function render(n: Notification) {
  return { id: n.id, type: n.type, recipient: n.recipient, orderRef: n.orderRef, erpOrderNumber: n.erpOrderNumber, correlationId: n.correlationId, sentAt: iso(n.sentAt) };
}

/** A subscription as the API shows it: whether it is signed, never the secret. */
function renderSub(s: Subscription) {
  return { id: s.id, url: s.url, events: s.events, signed: s.secret !== null, createdAt: iso(s.createdAt) };
}
