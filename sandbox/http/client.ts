import { Agent, request } from 'undici';

/**
 * How the sandbox's services call each other: HTTPS verified against the sandbox CA (never with
 * verification off), keep-alive pools bounded per origin so thousands of transactions in flight
 * queue instead of opening thousands of sockets.
 */
export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface CallOptions {
  json?: unknown;
  bearer?: string;
  correlationId?: string;
  headers?: Record<string, string>;
}

export class ServiceClient {
  private readonly agent: Agent;

  constructor(caPem: string, connectionsPerOrigin = 32) {
    this.agent = new Agent({ connect: { ca: caPem, timeout: 30_000 }, connections: connectionsPerOrigin, keepAliveTimeout: 4000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  }

  async call(method: string, url: string, o: CallOptions = {}): Promise<CallResult> {
    const headers: Record<string, string> = { accept: 'application/json', ...(o.headers ?? {}) };
    if (o.json !== undefined) headers['content-type'] = 'application/json';
    if (o.bearer) headers.authorization = `Bearer ${o.bearer}`;
    if (o.correlationId) headers['x-correlation-id'] = o.correlationId;
    const res = await request(url, {
      method: method as 'GET',
      headers,
      body: o.json !== undefined ? JSON.stringify(o.json) : undefined,
      dispatcher: this.agent,
    });
    const text = await res.body.text();
    let body: unknown = text;
    if (text && String(res.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.statusCode, headers: res.headers, body };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** The message of a `{"error":{code,message}}` body, or a short form of whatever came back. */
export function errorMessage(r: CallResult): string {
  const e = (r.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  if (e?.message) return `${r.status} ${e.code ?? ''}: ${e.message}`.replace(/ :/, ':');
  return `${r.status} ${typeof r.body === 'string' ? r.body.slice(0, 200) : ''}`.trim();
}
