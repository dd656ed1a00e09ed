import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultController } from '../faults.ts';

/**
 * The small HTTPS plumbing every sandbox service runs on: a router with `:param` segments, JSON and
 * form bodies, the `{"error":{code,message}}` convention, correlation ids, and the http.* faults.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  /** Parsed JSON body (undefined when there is none). */
  body: unknown;
  /** Parsed application/x-www-form-urlencoded body. */
  form?: URLSearchParams;
  cookies: Record<string, string>;
  /** From X-Correlation-Id, or a new one; echoed on the response. */
  correlationId: string;
  /** True when the caller sent X-Correlation-Id. */
  correlationIdGiven: boolean;
}

export interface Response {
  status?: number;
  json?: unknown;
  html?: string;
  headers?: Record<string, string | string[]>;
  redirect?: string;
}

export type Handler = (req: Request) => Promise<Response> | Response;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }
  get(pattern: string, h: Handler) {
    return this.on('GET', pattern, h);
  }
  post(pattern: string, h: Handler) {
    return this.on('POST', pattern, h);
  }
  put(pattern: string, h: Handler) {
    return this.on('PUT', pattern, h);
  }
  delete(pattern: string, h: Handler) {
    return this.on('DELETE', pattern, h);
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    const segs = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const r of this.routes) {
      if (r.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const p = r.parts[i]!;
        if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(segs[i]!);
        else if (p !== segs[i]) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) {
        pathMatched = true;
        continue;
      }
      return { handler: r.handler, params };
    }
    return pathMatched ? 'method' : undefined;
  }
}

const MAX_BODY = 1 << 20;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'payload_too_large', `request body over ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

export interface ServiceServer {
  name: string;
  url: string;
  port: number;
  server: Server;
  /** Swaps the certificate for new connections (tls.expiresInDays at run time). */
  setCertificate(keyPem: string, certPem: string): void;
  certPem(): string;
  close(): Promise<void>;
}

export interface ServiceServerOptions {
  name: string;
  port: number;
  keyPem: string;
  certPem: string;
  router: Router;
  /** When given, the http.errors / http.rateLimit / http.slow faults scoped to `name` apply. */
  faults?: FaultController;
}

export async function startServiceServer(opts: ServiceServerOptions): Promise<ServiceServer> {
  let currentCert = opts.certPem;
  const sockets = new Set<Socket>();
  // Deterministic share for http.errors: a rate of 0.25 fails exactly every fourth request.
  let errorDebt = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://sandbox.invalid');
    const given = req.headers['x-correlation-id'];
    const correlationId = typeof given === 'string' && given.trim() ? given.trim() : randomUUID();
    const send = (r: Response) => {
      if (res.headersSent || res.destroyed) return;
      const headers: Record<string, string | string[]> = { 'x-correlation-id': correlationId, ...(r.headers ?? {}) };
      let payload = '';
      if (r.redirect) {
        headers.location = r.redirect;
      } else if (r.html !== undefined) {
        headers['content-type'] = 'text/html; charset=utf-8';
        payload = r.html;
      } else if (r.json !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(r.json);
      }
      headers['content-length'] = String(Buffer.byteLength(payload));
      res.writeHead(r.status ?? (r.redirect ? 303 : 200), headers);
      res.end(req.method === 'HEAD' ? undefined : payload);
    };
    try {
      const f = opts.faults;
      if (f) {
        const slow = f.get('http.slow', opts.name);
        if (slow?.ms) await sleep(slow.ms);
        if (f.has('http.rateLimit', opts.name)) {
          throw new HttpError(429, 'rate_limited', `${opts.name}: too many requests, retry after 1 s`, { 'retry-after': '1' });
        }
        const errors = f.get('http.errors', opts.name);
        if (errors?.rate) {
          errorDebt += errors.rate;
          if (errorDebt >= 1 - 1e-9) {
            errorDebt -= 1;
            throw new HttpError(500, 'internal_error', `${opts.name}: internal server error`);
          }
        }
      }
      const m = opts.router.match(req.method ?? 'GET', url.pathname);
      if (m === 'method') throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`);
      if (!m) throw new HttpError(404, 'not_found', `no route ${req.method} ${url.pathname} on ${opts.name}`);
      const raw = req.method === 'GET' || req.method === 'HEAD' ? '' : await readBody(req);
      const ctype = String(req.headers['content-type'] ?? '');
      let body: unknown;
      let form: URLSearchParams | undefined;
      if (raw) {
        if (ctype.includes('application/x-www-form-urlencoded')) form = new URLSearchParams(raw);
        else {
          try {
            body = JSON.parse(raw);
          } catch {
            throw new HttpError(400, 'invalid_json', `request body is not valid JSON (content-type ${ctype || 'missing'})`);
          }
        }
      }
      const r = await m.handler({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        params: m.params,
        body,
        form,
        cookies: parseCookies(req.headers.cookie),
        correlationId,
        correlationIdGiven: typeof given === 'string' && given.trim() !== '',
      });
      send(r);
    } catch (err) {
      if (err instanceof HttpError) send({ status: err.status, json: errorBody(err.code, err.message), headers: err.headers });
      else {
        process.stderr.write(`sandbox ${opts.name}: ${(err as Error)?.stack ?? String(err)}\n`);
        send({ status: 500, json: errorBody('internal_error', `${opts.name}: ${(err as Error)?.message ?? 'unexpected error'}`) });
      }
    }
  };

  const server = createServer({ key: opts.keyPem, cert: opts.certPem, keepAliveTimeout: 5000 }, (req, res) => void handle(req, res));
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // TLS handshake failures (a client that does not trust the CA) are the client's finding, not ours.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`${opts.name}: port ${opts.port} on 127.0.0.1 is in use; choose another --port`) : err);
    server.once('error', onError);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    name: opts.name,
    url: `https://127.0.0.1:${port}`,
    port,
    server,
    setCertificate(keyPem, certPem) {
      currentCert = certPem;
      server.setSecureContext({ key: keyPem, cert: certPem });
    },
    certPem: () => currentCert,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}

/** A required string field of a JSON body; names the field on error. */
export function requireString(body: unknown, field: string, where: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[field];
  if (typeof v !== 'string' || v.trim() === '') throw new HttpError(400, 'invalid_request', `${where}: field '${field}' is required (a non-empty string)`);
  return v;
}

export function requireObject(body: unknown, where: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'invalid_request', `${where}: a JSON object body is required`);
  return body as Record<string, unknown>;
}

export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
