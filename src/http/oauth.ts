import { request, type Dispatcher } from 'undici';
import { ApplicationError, TransportError } from '../core/errors.ts';
import { registerSecret } from '../core/redact.ts';

export interface ResolvedOAuth {
  issuer?: string;
  tokenUrl?: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  resource?: string;
}

interface Cached {
  token: string;
  expiresAt: number;
}

/**
 * Client-credentials tokens, cached per client until shortly before they expire; concurrent callers
 * share one acquisition. Tokens and secrets are registered with redact() the moment they exist.
 */
export class TokenSource {
  private cached: Cached | undefined;
  private pending: Promise<string> | undefined;
  private tokenUrl: string | undefined;
  acquisitions = 0;

  constructor(
    private readonly auth: ResolvedOAuth,
    private readonly dispatcher: Dispatcher | undefined,
    private readonly timeoutMs: number,
  ) {
    registerSecret(auth.clientSecret);
    this.tokenUrl = auth.tokenUrl;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  async token(signal?: AbortSignal): Promise<string> {
    if (this.cached && this.cached.expiresAt > Date.now() + 5_000) return this.cached.token;
    if (!this.pending) {
      this.pending = this.acquire(signal).finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  private async discover(signal?: AbortSignal): Promise<string> {
    if (this.tokenUrl) return this.tokenUrl;
    const issuer = this.auth.issuer!.replace(/\/$/, '');
    const url = `${issuer}/.well-known/openid-configuration`;
    const doc = (await this.call(url, { method: 'GET' }, signal)) as { token_endpoint?: string };
    if (!doc.token_endpoint) throw new ApplicationError(`discovery document at ${url} has no token_endpoint`, 200, { url });
    this.tokenUrl = doc.token_endpoint;
    return this.tokenUrl;
  }

  private async acquire(signal?: AbortSignal): Promise<string> {
    const url = await this.discover(signal);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.auth.scope) form.set('scope', this.auth.scope);
    if (this.auth.resource) form.set('resource', this.auth.resource);
    const basic = Buffer.from(`${encodeURIComponent(this.auth.clientId)}:${encodeURIComponent(this.auth.clientSecret)}`).toString('base64');
    registerSecret(basic);
    const body = (await this.call(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}`, accept: 'application/json' },
        body: form.toString(),
      },
      signal,
    )) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new ApplicationError(`token endpoint ${url} answered without access_token for client ${this.auth.clientId}`, 200, { url });
    registerSecret(body.access_token);
    this.acquisitions++;
    this.cached = { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 300) * 1000 };
    return body.access_token;
  }

  private async call(url: string, opts: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }, signal?: AbortSignal): Promise<unknown> {
    const signals = [AbortSignal.timeout(this.timeoutMs)];
    if (signal) signals.push(signal);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { ...opts, dispatcher: this.dispatcher, signal: AbortSignal.any(signals) });
    } catch (err) {
      throw new TransportError(`could not reach the authorization server at ${url}: ${(err as Error).message}`, { url }, { cause: err });
    }
    const text = await res.body.text();
    if (res.statusCode >= 400) {
      let detail = '';
      try {
        const j = JSON.parse(text) as { error?: string; error_description?: string };
        detail = [j.error, j.error_description].filter(Boolean).join(': ');
      } catch {
        detail = text.slice(0, 200);
      }
      throw new ApplicationError(`authorization server ${url} refused client ${this.auth.clientId} (HTTP ${res.statusCode}${detail ? `: ${detail}` : ''})`, res.statusCode, { url });
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new ApplicationError(`authorization server ${url} answered with a body that is not JSON`, res.statusCode, { url });
    }
  }
}
