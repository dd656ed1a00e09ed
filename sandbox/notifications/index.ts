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

export class NotificationsService {
  private readonly byCorrelation = new Map<string, Notification[]>();
  private readonly byOrderRef = new Map<string, Notification[]>();
  private readonly ids = idGenerator('NT-');

  constructor(private readonly ctx: ServiceContext) {}

  reset(): void {
    this.byCorrelation.clear();
    this.byOrderRef.clear();
    this.ids.reset();
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
      return { status: 201, json: render(n) };
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
