import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { createClientCredentialsSource } from '../../sandbox/oauth.ts';
import { SchemaRegistry } from '../../src/contracts/schemas.ts';
import { createSchemaValidator } from '../../src/contracts/validator.ts';
import { driftVerdict } from '../../src/contracts/drift.ts';

/** The schemas against what the sandbox really serves: no drift on the release they describe, breaking drift on the other. */
const registry = SchemaRegistry.load();
let sb: Sandbox;
let agent: Agent;
let token: () => Promise<string>;

before(async () => {
  sb = await startSandbox({ port: 0, latency: { defaultMs: 5 } });
  agent = new Agent({ connect: { ca: sb.caPem } });
  const probe = sb.clients.find((c) => c.clientId === 'syncprobe-probe')!;
  const src = createClientCredentialsSource({ tokenEndpoint: sb.oauth.tokenEndpoint, clientId: probe.clientId, clientSecret: probe.clientSecret, resource: sb.oauth.resource, scope: 'erp:read erp:write', caPem: sb.caPem });
  token = () => src.getToken();
});
after(async () => {
  await agent?.close();
  await sb?.stop();
});

async function call(base: string, method: 'GET' | 'POST', path: string, body?: unknown, auth = false): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (auth) headers.authorization = `Bearer ${await token()}`;
  const res = await request(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), dispatcher: agent });
  return { status: res.statusCode, json: await res.body.json() };
}

async function eventually<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition never met');
}

test('every route schema matches what the sandbox serves (ERP 1.x): no drift at all', async () => {
  const validate = createSchemaValidator(registry);
  const seen = new Set<string>();
  const check = (system: string, method: string, path: string, body: unknown) => {
    const problems = validate(body, { system, method, path, url: path, status: 200 });
    assert.deepEqual(problems, [], `${system} ${method} ${path}`);
    seen.add(registry.schemaFor(system, method, path)!);
  };
  const { services: s } = sb;
  const placed = await call(s.storefront, 'POST', '/api/orders', { customer: 'SYNTHETIC-PROBE', poNumber: 'SP-LIVE-1', warehouse: 'EAST', lines: [{ sku: 'SKU-1002', quantity: 2, uom: 'CS12' }] });
  assert.equal(placed.status, 202);
  check('storefront', 'POST', '/api/orders', placed.json);
  const cid = placed.json.correlationId as string;
  const order = await eventually(async () => {
    const r = await call(s.erp, 'GET', `/api/sales-orders?correlationId=${cid}`, undefined, true);
    return r.json.items.length ? r.json : undefined;
  });
  check('erp', 'GET', '/api/sales-orders', order);
  const number = order.items[0].orderNumber as string;
  check('erp', 'GET', `/api/sales-orders/${number}`, (await call(s.erp, 'GET', `/api/sales-orders/${number}`, undefined, true)).json);
  check('erp', 'GET', '/api/items', (await call(s.erp, 'GET', '/api/items', undefined, true)).json);
  check('erp', 'GET', '/api/items/SKU-1002', (await call(s.erp, 'GET', '/api/items/SKU-1002', undefined, true)).json);
  check('erp', 'GET', '/api/inventory/on-hand', (await call(s.erp, 'GET', '/api/inventory/on-hand?item=SKU-1001&warehouse=WH-WEST', undefined, true)).json);
  const wmsOrders = await eventually(async () => {
    const r = await call(s.wms, 'GET', `/api/orders?erpOrderNumber=${number}`);
    return r.json.items.some((o: { status: string }) => o.status === 'shipped') ? r.json : undefined;
  });
  check('wms', 'GET', '/api/orders', wmsOrders);
  check('storefront', 'GET', `/api/orders/${placed.json.orderId}`, (await call(s.storefront, 'GET', `/api/orders/${placed.json.orderId}`)).json);
  check('storefront', 'GET', '/api/orders', (await call(s.storefront, 'GET', `/api/orders?correlationId=${cid}`)).json);
  check('storefront', 'GET', '/api/availability', (await call(s.storefront, 'GET', '/api/availability?sku=SKU-1001')).json);
  check('middleware', 'GET', '/messages', (await call(s.middleware, 'GET', `/messages?correlationId=${cid}`)).json);
  check('middleware', 'GET', '/dlq', (await call(s.middleware, 'GET', '/dlq')).json);
  check('middleware', 'GET', '/metrics', (await call(s.middleware, 'GET', '/metrics')).json);
  const b2b = await call(s.middleware, 'POST', '/channels/b2b/orders', { customer: 'SYNTHETIC-PROBE', poNumber: 'SP-LIVE-2', warehouse: 'WEST', lines: [{ sku: 'SKU-1001', quantity: 1, uom: 'EA' }] });
  check('middleware', 'POST', '/channels/b2b/orders', b2b.json);
  const notes = await eventually(async () => {
    const r = await call(s.notifications, 'GET', `/api/notifications?correlationId=${cid}`);
    return r.json.items.length ? r.json : undefined;
  });
  check('notifications', 'GET', '/api/notifications', notes);
  const adj = await call(s.wms, 'POST', '/api/adjustments', { warehouse: 'WH-EAST', item: 'SKU-1001', quantity: 3, reason: 'cycle_count', reference: 'SP-LIVE-ADJ' });
  assert.equal(adj.status, 201);
  check('wms', 'POST', '/api/adjustments', adj.json);
  check('wms', 'GET', `/api/adjustments/${adj.json.adjustmentId}`, (await call(s.wms, 'GET', `/api/adjustments/${adj.json.adjustmentId}`)).json);
  check('wms', 'GET', '/api/adjustments', (await call(s.wms, 'GET', `/api/adjustments?correlationId=${adj.json.correlationId}`)).json);
  const tx = await eventually(async () => {
    const r = await call(s.erp, 'GET', `/api/inventory/transactions?correlationId=${adj.json.correlationId}`, undefined, true);
    return r.json.items.length ? r.json : undefined;
  });
  check('erp', 'GET', '/api/inventory/transactions', tx);
  const rev = await call(s.wms, 'POST', `/api/adjustments/${adj.json.adjustmentId}/reverse`);
  check('wms', 'POST', `/api/adjustments/${adj.json.adjustmentId}/reverse`, rev.json);
  check('wms', 'GET', '/api/stock', (await call(s.wms, 'GET', '/api/stock?item=SKU-1001&warehouse=WH-EAST')).json);
  check('wms', 'GET', '/api/warehouses', (await call(s.wms, 'GET', '/api/warehouses')).json);
  check('wms', 'GET', '/api/outbound/unacknowledged', (await call(s.wms, 'GET', '/api/outbound/unacknowledged')).json);
  const cancelled = await call(s.erp, 'POST', `/api/sales-orders/${number}/cancel`, undefined, true);
  check('erp', 'POST', `/api/sales-orders/${number}/cancel`, cancelled.json);
  // Every schema a route names was exercised against a real answer.
  assert.deepEqual([...seen].sort(), [...new Set(registry.routes().map((r) => r.schema))].sort());
});

test('the ERP 2.x release drifts: breaking against the 1.x schema, clean against its own', async (t) => {
  sb.faults.set('erp.version', 'v2');
  // Hold the order in fulfilment (the status 2.x added) long enough to be read, however fast the host.
  const ship = sb.latency.get().hops['wms.ship'] ?? sb.latency.get().defaultMs;
  sb.latency.set({ hops: { 'wms.ship': 60_000 } });
  t.after(() => {
    sb.faults.clear('erp.version');
    sb.latency.set({ hops: { 'wms.ship': ship } });
  });
  const state = await call(sb.admin, 'POST', '/provider-states', { state: 'a sales order exists', params: { externalReference: 'SP-LIVE-V2' } });
  const body = await eventually(async () => {
    const r = await call(sb.services.erp, 'GET', `/api/sales-orders/${state.json.orderNumber}`, undefined, true);
    return r.json.status === 'in_fulfillment' ? r.json : undefined;
  });
  const findings = registry.validate('erp-v1/sales-order', body);
  assert.equal(driftVerdict(findings), 'breaking');
  const kinds = findings.map((f) => `${f.kind} ${f.pointer}`).sort();
  assert.deepEqual(kinds, ['enum-value-removed /status', 'renamed /externalReference', 'type-changed /lines/0/quantity']);
  assert.equal(findings.find((f) => f.kind === 'renamed')!.renamedTo, 'customerReference');
  assert.deepEqual(registry.validate('erp-v2/sales-order', body), []);
});
