import { Agent, fetch } from 'undici';
import { ApplicationError, TransportError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import type { InfluxTarget } from '../sinks/influx-url.ts';
import type { SeriesResult } from './queries.ts';

/**
 * Reads from InfluxDB's 1.x query API (`POST /query`, one request for several statements).
 * TLS is always verified: system CAs, NODE_EXTRA_CA_CERTS, or the given CA bundle.
 */
export async function queryInflux(target: InfluxTarget, statements: string[], opts: { caPem?: string; timeoutMs?: number } = {}): Promise<SeriesResult[]> {
  const agent = opts.caPem ? new Agent({ connect: { ca: opts.caPem } }) : undefined;
  const body = new URLSearchParams({ db: target.database, q: statements.join(';\n'), epoch: 'ms' });
  if (target.retentionPolicy) body.set('rp', target.retentionPolicy);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (target.authorization) headers.authorization = target.authorization;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  try {
    let res;
    try {
      res = await fetch(`${target.origin}/query`, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs), ...(agent ? { dispatcher: agent } : {}) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new TransportError(redact(`InfluxDB ${target.display} cannot be reached: ${why}`), { influx: target.display });
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) throw new ApplicationError(`InfluxDB ${target.display} refused the query (${res.status}): give a user with read rights in the URL (http://user:pass@host:port/db)`, res.status, { influx: target.display });
    let doc: { results?: SeriesResult[]; error?: string };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      throw new ApplicationError(redact(`InfluxDB ${target.display} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`), res.status, { influx: target.display });
    }
    if (!res.ok || doc.error) throw new ApplicationError(redact(`InfluxDB ${target.display} answered ${res.status}: ${doc.error ?? text.slice(0, 200)}`), res.status, { influx: target.display });
    // With several statements InfluxDB 1.x only says "not executed" for a database that does not
    // exist; a single statement names the cause.
    const failed = doc.results?.find((r) => r.error);
    let missingDb = failed?.error !== undefined && /database not found/.test(failed.error);
    if (failed && !missingDb && statements.length > 1) {
      const probe = await queryInflux(target, [statements[0]!], opts).catch((err: Error) => [{ error: err.message }] as SeriesResult[]);
      missingDb = probe.some((r) => r.error && /database not found|has no database/.test(r.error));
    }
    if (missingDb) throw new ApplicationError(`InfluxDB ${target.display} has no database '${target.database}': nothing has been written there yet, or the URL names the wrong database`, res.status, { influx: target.display });
    return doc.results ?? [];
  } finally {
    await agent?.close();
  }
}
