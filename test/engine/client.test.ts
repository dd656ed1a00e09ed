import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SystemClient, RateLimitedError } from '../../src/http/client.ts';
import { ApplicationError, DataError, TransportError } from '../../src/core/errors.ts';

async function server(t: { after(fn: () => Promise<void>): void }, handler: Parameters<typeof createServer>[1]) {
  const s = createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => s.close(() => r())));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

test('request budget: never more requests in flight than maxConcurrent', async (t) => {
  let inFlight = 0;
  let peak = 0;
  const url = await server(t, (_req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    }, 20);
  });
  const c = new SystemClient({ name: 'erp', baseUrl: url, lookups: {}, budget: { maxConcurrent: 2 } });
  t.after(() => c.close());
  await Promise.all(Array.from({ length: 10 }, () => c.request({ path: '/x' })));
  assert.equal(peak, 2);
  assert.equal(c.requests, 10);
});

test('errors by class: 4xx/5xx application with the system and the body reason, bad JSON data, refused transport, 429 after retries', async (t) => {
  const url = await server(t, (req, res) => {
    if (req.url === '/bad-json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{nope');
    }
    if (req.url === '/limited') {
      res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' });
      return res.end('{}');
    }
    res.writeHead(422, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'invalid_uom', message: "unit 'CS12X' unknown" } }));
  });
  const c = new SystemClient({ name: 'erp', baseUrl: url, lookups: {} });
  t.after(() => c.close());
  await assert.rejects(c.request({ path: '/orders' }), (e: unknown) => e instanceof ApplicationError && e.status === 422 && /erp GET \/orders: HTTP 422: invalid_uom - unit 'CS12X' unknown/.test(e.message));
  await assert.rejects(c.request({ path: '/bad-json' }), (e: unknown) => e instanceof DataError && /not valid JSON/.test(e.message));
  const counter = { requests: 0 };
  await assert.rejects(c.request({ path: '/limited', rateLimitRetries: 2, counter }), (e: unknown) => e instanceof RateLimitedError && e.retryAfterMs === 0);
  assert.equal(counter.requests, 3, 'the 429s are counted');
  const dead = new SystemClient({ name: 'wms', baseUrl: 'http://127.0.0.1:1', lookups: {} });
  t.after(() => dead.close());
  await assert.rejects(dead.request({ path: '/api/orders' }), (e: unknown) => e instanceof TransportError && /wms GET \/api\/orders: ECONNREFUSED/.test(e.message));
});

test('a hung system is a transport error after the request timeout', async (t) => {
  const url = await server(t, () => {
    /* never answers */
  });
  const c = new SystemClient({ name: 'notifications', baseUrl: url, lookups: {}, requestTimeoutMs: 100 });
  t.after(() => c.close());
  await assert.rejects(c.request({ path: '/api/notifications' }), (e: unknown) => e instanceof TransportError && /no answer within 100 ms/.test(e.message));
});

test('rate budget: queued requests are served in order, an aborted one leaves the queue without stalling it', async () => {
  const { RateLimiter } = await import('../../src/http/budget.ts');
  const limiter = new RateLimiter(200, 1);
  const order: number[] = [];
  const ac = new AbortController();
  const waits = [0, 1, 2, 3, 4].map((i) =>
    limiter.acquire(i === 2 ? ac.signal : undefined).then(
      () => void order.push(i),
      () => void order.push(-i),
    ),
  );
  ac.abort(new Error('cancelled'));
  await Promise.all(waits);
  assert.deepEqual(order, [0, -2, 1, 3, 4]);
});
