import { request as httpsRequest, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** HTTPS request trusting only the given CA (never switching verification off). */
export async function httpsCall(url: string, opts: { ca: string; method?: string; body?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: opts.method ?? 'GET', ca: opts.ca, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A stand-in for the middleware's channel endpoint: records what it is sent, accepts or refuses. */
export async function startOrderIntake(tls: { keyPem: string; certPem: string }, decide: (order: Record<string, unknown>) => { accepted: boolean; reason?: string } = () => ({ accepted: true })) {
  const received: Record<string, unknown>[] = [];
  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const order = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      received.push(order);
      const d = decide(order);
      const body = JSON.stringify(d.accepted ? { status: 'accepted', correlationId: order.correlationId } : { error: { code: 'refused', message: d.reason } });
      res.writeHead(d.accepted ? 202 : 422, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/channels/edi/orders`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** Waits for a condition the system under test will reach; fails with `what` if it never does. */
export async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, maxMs = 5000): Promise<T> {
  const end = Date.now() + maxMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await sleep(10);
  }
}
