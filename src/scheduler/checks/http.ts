import { Agent, request } from 'undici';
import { ApplicationError, TransportError } from '../../core/errors.ts';

/** A system the built-in checks read: base URL, optional CA bundle (PEM) and bearer token source. */
export interface HttpTarget {
  baseUrl: string;
  caPem?: string;
  token?: () => Promise<string>;
  timeoutMs?: number;
}

const agents = new Map<string, Agent>();

function agentFor(caPem?: string): Agent | undefined {
  if (!caPem) return undefined;
  let a = agents.get(caPem);
  if (!a) agents.set(caPem, (a = new Agent({ connect: { ca: caPem } })));
  return a;
}

export async function getJson<T>(t: HttpTarget, path: string, signal?: AbortSignal): Promise<T> {
  const url = t.baseUrl.replace(/\/+$/, '') + path;
  const timeout = AbortSignal.timeout(t.timeoutMs ?? 10_000);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (t.token) headers.authorization = `Bearer ${await t.token()}`;
  let res;
  try {
    res = await request(url, { method: 'GET', headers, dispatcher: agentFor(t.caPem), signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (err) {
    throw new TransportError(`GET ${url}: ${(err as Error).message}`, { url });
  }
  const text = await res.body.text();
  if (res.statusCode >= 400) throw new ApplicationError(`GET ${url} answered ${res.statusCode}: ${text.slice(0, 200)}`, res.statusCode, { url });
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApplicationError(`GET ${url}: the body is not JSON`, res.statusCode, { url });
  }
}
