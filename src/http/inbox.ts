import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { InboxConfig, WebhookSpec } from '../config/types.ts';
import { redact } from '../core/redact.ts';
import { normalize, type NormalizedRecord } from './records.ts';
import type { ResponseProblem, ResponseValidator } from './client.ts';

/**
 * The webhook inbox: an HTTP listener the monitored systems post their webhooks to, so that a
 * milestone can be observed the moment the system says it happened instead of by polling.
 *
 * Deliveries are kept only for transactions in flight (`expect` at a scenario's start, `release`
 * at its end): a production system that posts a webhook for every real order costs one parse and a
 * 202 per delivery, nothing kept. A delivery that arrives before its milestone is awaited is kept
 * (up to `retainMs` and `maxDeliveries`), so a fast system cannot outrun the scenario.
 */
export interface WebhookRoute {
  system: string;
  name: string;
  spec: WebhookSpec;
  /** The signing secret (read from spec.signature.secretEnv by the caller). */
  secret?: string;
}

export interface PushDelivery {
  receivedAt: number;
  record: NormalizedRecord;
  problems: ResponseProblem[];
}

interface Kept extends PushDelivery {
  key: string;
}

export interface InboxStats {
  received: number;
  kept: number;
  /** For no transaction in flight (production traffic, or a transaction already finished). */
  ignored: number;
  refused: number;
  dropped: number;
}

export interface InboxOptions extends Omit<InboxConfig, 'tls'> {
  /** HTTPS with this certificate (chain) and key, PEM. */
  tls?: { certPem: string; keyPem: string };
  routes: WebhookRoute[];
  validators?: ResponseValidator[];
  log?(message: string): void;
}

const MAX_BODY = 1024 * 1024;
const keyOf = (system: string, webhook: string, correlationId: string) => `${system}\u0000${webhook}\u0000${correlationId}`;

export class WebhookInbox {
  private server: Server | undefined;
  private base = '';
  private readonly byPath = new Map<string, WebhookRoute>();
  private readonly expected = new Map<string, number>();
  private readonly kept = new Map<string, Kept[]>();
  /** Insertion order of what is kept, for retention. */
  private readonly order: Kept[] = [];
  private orderHead = 0;
  private readonly refusals = new Map<string, string[]>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly unavailable = new Map<string, string>();
  private readonly counts: InboxStats = { received: 0, kept: 0, ignored: 0, refused: 0, dropped: 0 };

  constructor(private readonly opts: InboxOptions) {
    for (const r of opts.routes) this.byPath.set(r.spec.path, r);
  }

  /** Listens; resolves with the base URL the systems post to. */
  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server: Server = this.opts.tls ? createTlsServer({ cert: this.opts.tls.certPem, key: this.opts.tls.keyPem, minVersion: 'TLSv1.2' }, handler) : createServer(handler);
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    // The inbox never keeps the process alive by itself: the runs that await it do.
    server.unref();
    this.server = server;
    const a = server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    this.base = (this.opts.publicUrl ?? `${this.opts.tls ? 'https' : 'http'}://${host}:${a.port}`).replace(/\/$/, '');
    return this.base;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeIdleConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  get url(): string {
    return this.base;
  }

  /** The URL a system posts this webhook to. */
  urlOf(system: string, webhook: string): string | undefined {
    const r = this.route(system, webhook);
    return r ? this.base + r.spec.path : undefined;
  }

  route(system: string, webhook: string): WebhookRoute | undefined {
    for (const r of this.byPath.values()) if (r.system === system && r.name === webhook) return r;
    return undefined;
  }

  /** The webhook can be awaited: configured here and, when it is subscribed to, subscribed. */
  has(system: string, webhook: string): boolean {
    return !!this.route(system, webhook) && !this.unavailable.has(`${system}.${webhook}`);
  }

  /** Why the webhook cannot be awaited (its subscription failed). */
  unavailableReason(system: string, webhook: string): string | undefined {
    return this.unavailable.get(`${system}.${webhook}`);
  }

  markUnavailable(system: string, webhook: string, reason: string): void {
    this.unavailable.set(`${system}.${webhook}`, reason);
  }

  unavailableReasons(): string[] {
    return [...this.unavailable.values()];
  }

  markAvailable(system: string, webhook: string): void {
    this.unavailable.delete(`${system}.${webhook}`);
  }

  /** Deliveries for this transaction are kept from now on. */
  expect(correlationId: string): void {
    this.expected.set(correlationId, (this.expected.get(correlationId) ?? 0) + 1);
  }

  /** The transaction is over: what was kept for it goes. */
  release(correlationId: string): void {
    const n = (this.expected.get(correlationId) ?? 1) - 1;
    if (n > 0) {
      this.expected.set(correlationId, n);
      return;
    }
    this.expected.delete(correlationId);
    for (const r of this.byPath.values()) {
      const key = keyOf(r.system, r.name, correlationId);
      this.kept.delete(key);
      this.refusals.delete(key);
    }
  }

  stats(): InboxStats {
    return { ...this.counts };
  }

  /** Reasons deliveries for this transaction were refused (bad signature, unreadable body). */
  refusalsFor(system: string, webhook: string, correlationId: string): string[] {
    return this.refusals.get(keyOf(system, webhook, correlationId)) ?? [];
  }

  /**
   * Resolves with the first delivery whose records `until` accepts (it sees every record of this
   * webhook and transaction received so far, oldest first); rejects with the signal's reason.
   */
  wait(system: string, webhook: string, correlationId: string, until: (records: NormalizedRecord[]) => NormalizedRecord | undefined, signal: AbortSignal): Promise<PushDelivery> {
    const key = keyOf(system, webhook, correlationId);
    return new Promise<PushDelivery>((resolve, reject) => {
      let listeners: Set<() => void> | undefined;
      const done = () => {
        listeners?.delete(check);
        if (listeners?.size === 0) this.waiters.delete(key);
        signal.removeEventListener('abort', onAbort);
      };
      const check = () => {
        const entries = this.kept.get(key);
        if (!entries?.length) return false;
        let match: NormalizedRecord | undefined;
        try {
          match = until(entries.map((e) => e.record));
        } catch (err) {
          done();
          reject(err);
          return true;
        }
        if (!match) return false;
        const hit = entries.find((e) => e.record === match) ?? entries[entries.length - 1]!;
        const problems = new Map<string, ResponseProblem>();
        for (const e of entries) for (const p of e.problems) problems.set(`${p.code}|${p.pointer ?? ''}|${p.message}`, p);
        done();
        resolve({ receivedAt: hit.receivedAt, record: match, problems: [...problems.values()] });
        return true;
      };
      const onAbort = () => {
        done();
        reject(signal.reason ?? new Error('aborted'));
      };
      if (signal.aborted) return onAbort();
      if (check()) return;
      listeners = this.waiters.get(key) ?? new Set();
      listeners.add(check);
      this.waiters.set(key, listeners);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', 'http://inbox').pathname;
    const route = this.byPath.get(path);
    if (!route) return reply(404, { error: `no webhook is configured at ${path}; configured: ${[...this.byPath.keys()].join(', ') || 'none'}` });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return reply(405, { error: `webhooks are POSTed to ${path}` });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const c of req as AsyncIterable<Buffer>) {
        size += c.length;
        if (size > MAX_BODY) {
          this.refuse(route, undefined, `a delivery to ${path} was larger than ${MAX_BODY} bytes`);
          res.setHeader('connection', 'close');
          return reply(413, { error: `body larger than ${MAX_BODY} bytes` });
        }
        chunks.push(c);
      }
    } catch {
      return; // the sender went away
    }
    const receivedAt = Date.now();
    const raw = Buffer.concat(chunks);
    const headerCorrelation = header(req, route.spec.correlationHeader ?? 'x-correlation-id');
    this.counts.received++;
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      this.refuse(route, headerCorrelation, `a delivery to ${path} was not JSON (${(err as Error).message})`);
      return reply(400, { error: `body is not JSON: ${(err as Error).message}` });
    }
    let records: NormalizedRecord[];
    try {
      records = normalize(body, route.spec);
    } catch (err) {
      records = [];
      this.opts.log?.(redact(`inbox: ${route.system} webhook ${route.name}: ${(err as Error).message}`));
    }
    const correlationOf = (r: NormalizedRecord) => (typeof r.correlationId === 'string' && r.correlationId ? r.correlationId : headerCorrelation);
    const sig = route.spec.signature;
    if (sig) {
      const bad = checkSignature(raw, header(req, sig.header), route.secret, sig);
      if (bad) {
        const reason = `a ${route.system} webhook ${route.name} delivery to ${path} was refused: ${bad} (header ${sig.header}, secret from ${sig.secretEnv})`;
        const ids = new Set(records.map(correlationOf).filter((x): x is string => !!x));
        if (!ids.size && headerCorrelation) ids.add(headerCorrelation);
        if (!ids.size) this.refuse(route, undefined, reason);
        for (const id of ids) this.refuse(route, id, reason);
        return reply(401, { error: `signature refused: ${bad}` });
      }
    }
    const problems: ResponseProblem[] = [];
    for (const v of this.opts.validators ?? []) {
      try {
        problems.push(...v(body, { system: route.system, method: 'POST', path, url: this.base + path, status: 200, ...(route.spec.schema ? { schema: route.spec.schema } : {}), lookup: `webhook ${route.name}` }));
      } catch {
        /* a validator never loses a delivery */
      }
    }
    let kept = 0;
    for (const r of records) {
      const id = correlationOf(r);
      if (!id || !this.expected.has(id)) {
        this.counts.ignored++;
        continue;
      }
      this.keep({ key: keyOf(route.system, route.name, id), receivedAt, record: r, problems });
      kept++;
    }
    if (!records.length) this.counts.ignored++;
    reply(202, { received: records.length, kept });
  }

  private keep(k: Kept): void {
    const list = this.kept.get(k.key);
    if (list) list.push(k);
    else this.kept.set(k.key, [k]);
    this.order.push(k);
    this.counts.kept++;
    this.prune();
    const ws = this.waiters.get(k.key);
    if (ws) for (const w of [...ws]) w();
  }

  private prune(): void {
    const max = this.opts.maxDeliveries ?? 10_000;
    const oldest = Date.now() - (this.opts.retainMs ?? 3_600_000);
    while (this.orderHead < this.order.length && (this.order.length - this.orderHead > max || this.order[this.orderHead]!.receivedAt < oldest)) {
      const k = this.order[this.orderHead++]!;
      const list = this.kept.get(k.key);
      const i = list?.indexOf(k) ?? -1;
      if (list && i >= 0) {
        list.splice(i, 1);
        if (!list.length) this.kept.delete(k.key);
        this.counts.dropped++;
      }
    }
    if (this.orderHead > 1024 && this.orderHead * 2 > this.order.length) {
      this.order.splice(0, this.orderHead);
      this.orderHead = 0;
    }
  }

  private refuse(route: WebhookRoute, correlationId: string | undefined, reason: string): void {
    this.counts.refused++;
    this.opts.log?.(redact(`inbox: ${reason}`));
    if (!correlationId || !this.expected.has(correlationId)) return;
    const key = keyOf(route.system, route.name, correlationId);
    const list = this.refusals.get(key) ?? [];
    if (list.length < 5 && !list.includes(reason)) list.push(reason);
    this.refusals.set(key, list);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** undefined when the signature is right; otherwise what is wrong with it (never the secret or the digest). */
export function checkSignature(raw: Buffer, given: string | undefined, secret: string | undefined, sig: NonNullable<WebhookSpec['signature']>): string | undefined {
  if (!secret) return 'no signing secret is set';
  if (!given) return 'the signature header is missing';
  const prefix = sig.prefix ?? '';
  if (prefix && !given.startsWith(prefix)) return `the signature does not start with '${prefix}'`;
  const encoding = sig.encoding ?? 'hex';
  const expected = createHmac('sha256', secret).update(raw).digest();
  const got = Buffer.from(given.slice(prefix.length).trim(), encoding);
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return 'the HMAC-SHA256 signature does not match the shared secret: the system signs with another secret';
  return undefined;
}
