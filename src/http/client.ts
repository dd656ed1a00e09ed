import { Agent, type Dispatcher } from 'undici';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationError, DataError, TransportError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import type { LookupSpec, RequestBudget } from '../config/types.ts';
import { TokenSource, type ResolvedOAuth } from './oauth.ts';
import { expandLookup, normalize, type NormalizedRecord } from './records.ts';
import { RateLimiter, retryAfterMs } from './budget.ts';

export type { NormalizedRecord };

/** A system with everything resolved: URL, CA PEM, the OAuth secret read from its env var. */
export interface ResolvedSystem {
  name: string;
  baseUrl: string;
  caPem?: string;
  auth?: ResolvedOAuth;
  headers?: Record<string, string>;
  requestTimeoutMs?: number;
  budget?: RequestBudget;
  lookups: Record<string, LookupSpec>;
  settings?: Record<string, unknown>;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  correlationId?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Statuses answered without throwing (e.g. 404 for a lookup: a negative observation). */
  accept?: number[];
  /** How many 429s to sit out (honouring Retry-After) before giving up. Default 3. */
  rateLimitRetries?: number;
  /** JSON Schema id the body should match (handed to the response validators). */
  schema?: string;
  /** Lookup name, for validators and observers. */
  lookup?: string;
  /** Incremented for every HTTP request this call makes (per-milestone request counts). */
  counter?: { requests: number };
}

export interface HttpResponse<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string>;
  /** HTTP requests this call took (429 retries and the token refresh retry included). */
  attempts: number;
  /** Findings of the response validators on this body. */
  problems: ResponseProblem[];
  sentAt: number;
  receivedAt: number;
}

/** A finding about a response body (schema drift): breaking ones fail the milestone as data, compatible ones warn. */
export interface ResponseProblem {
  code: string;
  message: string;
  breaking: boolean;
  pointer?: string;
}

export interface ResponseContext {
  system: string;
  method: string;
  path: string;
  url: string;
  status: number;
  schema?: string;
  lookup?: string;
  correlationId?: string;
}

/** Hook for contract checks: called on every JSON response a probe receives. */
export type ResponseValidator = (body: unknown, ctx: ResponseContext) => ResponseProblem[];
/** Passive observer of every exchange (metrics, traces). Must not throw; errors are swallowed. */
export type ResponseObserver = (ctx: ResponseContext & { durationMs: number; attempts: number }) => void;

/** 429 after the allowed retries: the system's rate limit, with what it asked for. */
export class RateLimitedError extends ApplicationError {
  constructor(message: string, readonly retryAfterMs: number | undefined, context: Record<string, unknown>) {
    super(message, 429, context);
  }
}

export interface ClientHooks {
  validators?: ResponseValidator[];
  observers?: ResponseObserver[];
}

/**
 * The HTTP client for one monitored system: TLS with the system's CA, OAuth bearer tokens, the
 * correlation id header, a request budget, 429 Retry-After, request counting and validation hooks.
 */
export class SystemClient {
  readonly name: string;
  private readonly dispatcher: Dispatcher;
  private readonly tokens: TokenSource | undefined;
  private readonly limiter: RateLimiter;
  requests = 0;

  constructor(
    readonly system: ResolvedSystem,
    private readonly hooks: ClientHooks = {},
  ) {
    this.name = system.name;
    const connections = system.budget?.maxConcurrent ?? 32;
    this.dispatcher = new Agent({ connections, pipelining: 1, keepAliveTimeout: 10_000, connect: system.caPem ? { ca: system.caPem } : undefined });
    this.tokens = system.auth ? new TokenSource(system.auth, this.dispatcher, system.requestTimeoutMs ?? 10_000) : undefined;
    this.limiter = new RateLimiter(system.budget?.requestsPerSecond, system.budget?.burst, system.budget?.maxConcurrent);
  }

  get tokenAcquisitions(): number {
    return this.tokens?.acquisitions ?? 0;
  }

  /** Gets the access token ahead of the first poll, so the first measurement is not delayed by it. */
  async warmUp(signal?: AbortSignal): Promise<void> {
    if (this.tokens) await this.tokens.token(signal).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  url(path: string, query?: Record<string, string | number | undefined>): string {
    return this.target(path, query).toString();
  }

  private target(path: string, query?: Record<string, string | number | undefined>): URL {
    const u = new URL(path.replace(/^\//, ''), this.system.baseUrl.endsWith('/') ? this.system.baseUrl : this.system.baseUrl + '/');
    if (query) for (const k in query) if (query[k] !== undefined) u.searchParams.set(k, String(query[k]));
    return u;
  }

  async request<T = unknown>(opts: RequestOptions): Promise<HttpResponse<T>> {
    const method = opts.method ?? 'GET';
    const target = this.target(opts.path, opts.query);
    const url = target.href;
    const origin = target.origin;
    const requestPath = target.pathname + target.search;
    const where = `${this.name} ${method} ${opts.path}`;
    const timeoutMs = opts.timeoutMs ?? this.system.requestTimeoutMs ?? 10_000;
    let attempts = 0;
    let rateLimitLeft = opts.rateLimitRetries ?? 3;
    let authRetried = false;
    const sentAt = Date.now();
    for (;;) {
      opts.signal?.throwIfAborted();
      const headers: Record<string, string> = { accept: 'application/json', ...this.system.headers, ...opts.headers };
      if (opts.correlationId) headers['x-correlation-id'] = opts.correlationId;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      if (this.tokens) {
        try {
          headers.authorization = `Bearer ${await this.tokens.token(opts.signal)}`;
        } catch (err) {
          throw relabel(err, `${this.name}: could not get an access token`);
        }
      }
      const release = await this.limiter.acquire(opts.signal);
      attempts++;
      this.requests++;
      if (opts.counter) opts.counter.requests++;
      const attemptSentAt = Date.now();
      let res: Dispatcher.ResponseData;
      let text: string;
      // The answer deadline starts when the request is on a socket (undici's headers/body timeouts),
      // not while it waits for a connection: a queue in front of a busy system is not its silence.
      // The caller's signal goes to undici as it is: undici listens for the length of the exchange
      // and lets go at its end, so a long-lived scenario signal costs no controller per request.
      try {
        res = await this.dispatcher.request({
          origin,
          path: requestPath,
          method,
          headers,
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          signal: opts.signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        text = await res.body.text();
      } catch (err) {
        release();
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
        const code = e.code ?? e.cause?.code;
        const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || e.name === 'TimeoutError';
        const detail = timedOut ? `no answer within ${timeoutMs} ms` : `${code ? code + ': ' : ''}${e.cause?.message ?? e.message}`;
        throw new TransportError(redact(`${where}: ${detail}`), { system: this.name, url, code, timedOut }, { cause: err });
      }
      release();
      const receivedAt = Date.now();
      const resHeaders = flatHeaders(res.headers);
      if (res.statusCode === 401 && this.tokens && !authRetried) {
        // A rotated key or a revoked token: one fresh token before calling it a failure.
        authRetried = true;
        this.tokens.invalidate();
        continue;
      }
      if (res.statusCode === 429 && !(opts.accept ?? []).includes(429)) {
        const waitMs = retryAfterMs(resHeaders['retry-after']);
        if (rateLimitLeft-- > 0) {
          await sleep(Math.min(waitMs ?? 1000, 60_000), undefined, { signal: opts.signal });
          continue;
        }
        throw new RateLimitedError(`${where}: rate limited (HTTP 429${waitMs !== undefined ? `, Retry-After ${Math.round(waitMs / 1000)} s` : ''})`, waitMs, { system: this.name, url });
      }
      let body: unknown = text;
      const isJson = (resHeaders['content-type'] ?? '').includes('json');
      if (isJson && text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new DataError(`${where}: answered HTTP ${res.statusCode} with a body that is not valid JSON`, { system: this.name, url });
        }
      }
      const accepted = res.statusCode < 400 || (opts.accept ?? []).includes(res.statusCode);
      if (!accepted) {
        throw new ApplicationError(`${where}: HTTP ${res.statusCode}${errorDetail(body)}`, res.statusCode, { system: this.name, url, body: typeof body === 'object' ? body : undefined });
      }
      const ctx: ResponseContext = { system: this.name, method, path: opts.path, url, status: res.statusCode, schema: opts.schema, lookup: opts.lookup, correlationId: opts.correlationId };
      const problems: ResponseProblem[] = [];
      if (isJson && res.statusCode < 400) {
        for (const v of this.hooks.validators ?? []) {
          try {
            problems.push(...v(body, ctx));
          } catch (err) {
            problems.push({ code: 'validator_failed', message: `response validator failed: ${(err as Error).message}`, breaking: false });
          }
        }
      }
      for (const o of this.hooks.observers ?? []) {
        try {
          o({ ...ctx, durationMs: receivedAt - attemptSentAt, attempts });
        } catch {
          /* observers never affect a probe */
        }
      }
      return { status: res.statusCode, body: body as T, headers: resHeaders, attempts, problems, sentAt: attemptSentAt ?? sentAt, receivedAt };
    }
  }

  /** Runs a named lookup from the system's config and normalizes what it finds. A notFound status is an empty result. */
  async lookup(
    name: string,
    params: Record<string, string | number | undefined>,
    opts: { correlationId?: string; signal?: AbortSignal; counter?: { requests: number }; rateLimitRetries?: number } = {},
  ): Promise<{ records: NormalizedRecord[]; response: HttpResponse }> {
    const spec = this.system.lookups[name];
    if (!spec) throw new ApplicationError(`system ${this.name} has no lookup '${name}' in the config (lookups: ${Object.keys(this.system.lookups).join(', ') || 'none'})`, undefined, { system: this.name });
    const { path, query, missing } = expandLookup(spec, params);
    if (missing.length) throw new ApplicationError(`lookup ${this.name}.${name} needs ${missing.join(', ')}`, undefined, { system: this.name });
    const notFound = spec.notFound ?? [404];
    const response = await this.request({ method: spec.method ?? 'GET', path, query, accept: notFound, schema: spec.schema, lookup: name, ...opts });
    const records = notFound.includes(response.status) ? [] : normalize(response.body, spec);
    return { records, response };
  }
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function errorDetail(body: unknown): string {
  if (body && typeof body === 'object') {
    const e = (body as { error?: { code?: string; message?: string } | string }).error;
    if (typeof e === 'string') return `: ${e}`;
    if (e && typeof e === 'object') return `: ${[e.code, e.message].filter(Boolean).join(' - ')}`;
  }
  if (typeof body === 'string' && body.trim()) return `: ${body.trim().slice(0, 160)}`;
  return '';
}

function relabel(err: unknown, prefix: string): Error {
  if (err instanceof ApplicationError) return new ApplicationError(`${prefix}: ${err.message}`, err.status, err.context, { cause: err });
  if (err instanceof TransportError) return new TransportError(`${prefix}: ${err.message}`, err.context, { cause: err });
  return err as Error;
}
