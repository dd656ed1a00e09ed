import http from 'node:http';
import https from 'node:https';

/**
 * The checks' small HTTP client: one request, a hard timeout, and transport failures classified
 * into the codes the checks report (never a hang, never a bare stack).
 */
export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
}

export class HttpTransportError extends Error {
  constructor(readonly code: 'unreachable' | 'timeout' | 'tls-error', message: string) {
    super(message);
    this.name = 'HttpTransportError';
  }
}

const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|HOSTNAME|ALTNAME|EPROTO|SSL/;

export function httpRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string | number>; body?: string; caPem?: string | undefined; timeoutMs: number },
): Promise<HttpAnswer> {
  const u = new URL(url);
  const mod = u.protocol === 'http:' ? http : https;
  const where = `${u.origin}${u.pathname}`;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let done = false;
    const fail = (e: HttpTransportError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      reject(e);
    };
    const req = mod.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers: { accept: 'application/json', ...(opts.headers ?? {}) },
        ...(opts.caPem !== undefined && u.protocol === 'https:' ? { ca: opts.caPem } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(new HttpTransportError('unreachable', `${where}: connection lost while reading the answer (${e.message})`)));
        res.on('end', () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: Math.round((performance.now() - started) * 10) / 10 });
        });
      },
    );
    const timer = setTimeout(() => fail(new HttpTransportError('timeout', `${where} did not answer within ${opts.timeoutMs / 1000}s`)), opts.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? '';
      if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) fail(new HttpTransportError('tls-error', `${where}: TLS handshake failed (${/error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(e.message)?.[1] ?? e.message.trim()}): check that the URL's port serves HTTPS`));
      else if (TLS_ERRORS.test(code)) fail(new HttpTransportError('tls-error', `${where}: TLS verification failed (${code}: ${e.message}); pass the issuer's CA with --ca`));
      else if (code === 'ECONNREFUSED') fail(new HttpTransportError('unreachable', `${where} is unreachable: connection refused`));
      else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') fail(new HttpTransportError('unreachable', `${where} is unreachable: host name does not resolve`));
      else fail(new HttpTransportError('unreachable', `${where} is unreachable: ${code || e.message}`));
    });
    req.end(opts.body);
  });
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
