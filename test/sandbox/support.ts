import { Agent, request } from 'undici';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.ts';
import { requestClientCredentialsToken } from '../../sandbox/oauth.ts';

/** A sandbox with millisecond hops for tests, and a client that trusts its CA. */
export async function fastSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ latency: { defaultMs: 5 }, retry: { maxAttempts: 3, baseMs: 5 }, ...opts });
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export class Api {
  readonly agent: Agent;
  private token: string | undefined;

  constructor(readonly sb: Sandbox) {
    this.agent = new Agent({ connect: { ca: sb.caPem } });
  }

  async call(method: string, url: string, o: { json?: unknown; headers?: Record<string, string>; bearer?: string | null } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.json !== undefined) headers['content-type'] = 'application/json';
    const useProbe = o.bearer === undefined && url.startsWith(this.sb.services.erp);
    const bearer = useProbe ? await this.probeToken() : o.bearer;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let res = await request(url, { method: method as 'GET', headers, body: o.json !== undefined ? JSON.stringify(o.json) : undefined, dispatcher: this.agent });
    if (useProbe && res.statusCode === 401) {
      // The cached probe token went stale (expiry, key rotation): fetch a new one once.
      await res.body.dump();
      this.token = undefined;
      headers.authorization = `Bearer ${await this.probeToken()}`;
      res = await request(url, { method: method as 'GET', headers, body: o.json !== undefined ? JSON.stringify(o.json) : undefined, dispatcher: this.agent });
    }
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* HTML or empty */
    }
    return { status: res.statusCode, headers: res.headers, body };
  }

  get(url: string, o: { headers?: Record<string, string>; bearer?: string | null } = {}) {
    return this.call('GET', url, o);
  }
  post(url: string, json?: unknown, o: { headers?: Record<string, string>; bearer?: string | null } = {}) {
    return this.call('POST', url, { ...o, json: json ?? {} });
  }

  /** A token of the probe client from the real authorization server. */
  async probeToken(): Promise<string> {
    if (!this.token) {
      const c = this.sb.clients.find((x) => x.clientId === 'syncprobe-probe')!;
      const t = await requestClientCredentialsToken({
        tokenEndpoint: this.sb.oauth.tokenEndpoint,
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        resource: this.sb.oauth.resource,
        scope: 'erp:read erp:write',
        caPem: this.sb.caPem,
      });
      this.token = t.access_token;
    }
    return this.token;
  }

  close() {
    return this.agent.close();
  }
}

/** Polls until check returns a value (not undefined/false); fails naming what never happened. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const events = (sb: Sandbox, correlationId: string) => sb.truth.events({ correlationId }).map((e) => e.event);

let seq = 0;
export const uniqueRef = (tag: string) => `SP-${tag}-${process.pid}-${++seq}`;
