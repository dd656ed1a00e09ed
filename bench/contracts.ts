import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SystemClient } from '../src/engine/index.ts';
import { SchemaRegistry } from '../src/contracts/schemas.ts';
import { createSchemaValidator } from '../src/contracts/validator.ts';

/**
 * Contract benchmarks:
 *  - payloads validated per second with the compiled validators (a sales order, a list of 20 orders,
 *    a drifted order that has to be classified);
 *  - the cost of validation inside a polling milestone: the same lookups through the engine's HTTP
 *    client against a loopback server, with and without the response validator, as a ratio.
 */
type Row = { name: string; value: number | string; unit?: string };

const order = (i: number) => ({
  orderNumber: `SO-${100000 + i}`,
  externalReference: `SP-${i.toString(16)}`,
  correlationId: `corr-${i}`,
  channel: 'b2b',
  customer: 'SYNTHETIC-PROBE',
  status: 'released',
  createdAt: '2026-12-03T10:00:00.000Z',
  releasedAt: '2026-12-03T10:00:01.000Z',
  shippedAt: null,
  invoicedAt: null,
  cancelledAt: null,
  lines: [1, 2, 3].map((n) => ({ lineNo: n, item: 'SKU-1002', quantity: 2 * n, uom: 'CS12', warehouse: 'WH-EAST' })),
});

function rate(fn: () => void, minMs = 600): number {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    elapsed = performance.now() - start;
  }
  return Math.round((n / elapsed) * 1000);
}

export async function benchContracts(): Promise<Row[]> {
  const rows: Row[] = [];
  const t0 = performance.now();
  const registry = SchemaRegistry.load();
  rows.push({ name: 'schemas loaded and compiled', value: registry.ids().length });
  rows.push({ name: 'load + compile time', value: Math.round(performance.now() - t0), unit: 'ms' });

  const one = order(1);
  const list = { items: Array.from({ length: 20 }, (_, i) => order(i)) };
  const drifted = { ...order(2), customerReference: 'SP-2', externalReference: undefined, status: 'in_fulfillment', lines: order(2).lines.map((l) => ({ ...l, quantity: `${l.quantity}.000` })) };
  delete (drifted as Record<string, unknown>).externalReference;
  if (registry.validate('erp.sales-order', one).length || registry.validate('erp.sales-order-list', list).length) throw new Error('bench payloads do not match their schemas');
  rows.push({ name: 'validations/s, sales order (valid)', value: rate(() => registry.validate('erp.sales-order', one)), unit: '1/s' });
  rows.push({ name: 'validations/s, list of 20 orders (valid)', value: rate(() => registry.validate('erp.sales-order-list', list)), unit: '1/s' });
  rows.push({ name: 'validations/s, drifted order (classified)', value: rate(() => registry.validate('erp.sales-order', drifted)), unit: '1/s' });

  // Polling milestone: a lookup of the order list, repeated as the engine polls it.
  const body = JSON.stringify(list);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const plain = new SystemClient({ name: 'erp', baseUrl, lookups: {} });
  const validated = new SystemClient({ name: 'erp', baseUrl, lookups: {} }, { validators: [createSchemaValidator(registry)] });
  const polls = 400;
  const poll = async (c: SystemClient) => {
    const start = performance.now();
    for (let i = 0; i < polls; i++) {
      const r = await c.request({ path: '/api/sales-orders', query: { correlationId: 'corr-1' }, schema: 'erp-v1/sales-order-list' });
      if (r.problems.length) throw new Error(`unexpected drift: ${r.problems[0]!.message}`);
    }
    return performance.now() - start;
  };
  try {
    await poll(plain);
    await poll(validated);
    let without = 0;
    let withV = 0;
    // Interleaved rounds so drift in machine load hits both sides alike.
    for (let round = 0; round < 5; round++) {
      without += await poll(plain);
      withV += await poll(validated);
    }
    const perPollWithout = without / (5 * polls);
    const perPollWith = withV / (5 * polls);
    rows.push({ name: 'polling lookup, 20-order body, without validation', value: Math.round(perPollWithout * 1000), unit: 'µs/poll' });
    rows.push({ name: 'polling lookup, 20-order body, with validation', value: Math.round(perPollWith * 1000), unit: 'µs/poll' });
    rows.push({ name: 'validation overhead in a polling milestone (with / without)', value: Math.round((perPollWith / perPollWithout) * 1000) / 1000, unit: 'ratio' });
  } finally {
    await plain.close();
    await validated.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
  return rows;
}
