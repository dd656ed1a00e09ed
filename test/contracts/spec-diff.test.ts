import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffSpecs, matchTemplate, pathTemplates, type ApiUsage, type SpecChangeCategory, type ChangeSeverity } from '../../src/contracts/spec-diff.ts';
import { loadOpenApi } from '../../src/contracts/openapi.ts';
import { usageFromContracts } from '../../src/contracts/usage.ts';
import { SchemaRegistry, DEFAULT_CONTRACTS_DIR } from '../../src/contracts/schemas.ts';
import { loadPactDir } from '../../src/contracts/pacts.ts';

type Doc = Record<string, any>;

function baseDoc(): Doc {
  return {
    openapi: '3.1.0',
    info: { title: 'Orders', version: '1' },
    paths: {
      '/orders/{id}': {
        get: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, { name: 'expand', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } } }, '404': { description: 'x' } },
        },
      },
      '/orders': {
        post: {
          requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['ref'], properties: { ref: { type: 'string' }, qty: { type: 'integer' }, kind: { type: 'string', enum: ['std', 'rush'] } } } } } },
          responses: { '201': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } } } },
        },
      },
      '/audit': { get: { responses: { '200': { content: { 'application/json': { schema: { type: 'object', properties: { entries: { type: 'array', items: { type: 'string' } } } } } } } } } },
    },
    components: {
      schemas: {
        Order: {
          type: 'object',
          required: ['id', 'status', 'qty'],
          properties: {
            id: { type: 'string' },
            status: { type: 'string', enum: ['open', 'released', 'shipped'] },
            qty: { type: 'integer' },
            at: { type: 'string', format: 'date-time' },
            note: { type: 'string' },
          },
        },
      },
    },
  };
}

// The integration reads id, status, qty and at of an order, calls POST /orders with ref/qty and GET /orders/{id}?expand; it never reads /audit or note.
const usage: ApiUsage = {
  operations: {
    'GET /orders/{orderId}': { parameters: ['expand'], requestFields: [], responseFields: ['/id', '/status', '/qty', '/at'] },
    'POST /orders': { parameters: [], requestFields: ['/ref', '/qty'], responseFields: ['/id', '/status'] },
  },
};

interface Case {
  name: string;
  change: (d: Doc) => void;
  expect: [SpecChangeCategory, ChangeSeverity][];
}

const order = (d: Doc) => d.components.schemas.Order;
const cases: Case[] = [
  { name: 'endpoint removed (used)', change: (d) => delete d.paths['/orders/{id}'], expect: [['endpoint-removed', 'breaking']] },
  { name: 'endpoint removed (unused)', change: (d) => delete d.paths['/audit'], expect: [['endpoint-removed', 'informational']] },
  { name: 'endpoint added', change: (d) => (d.paths['/returns'] = { get: { responses: { '200': { description: 'x' } } } }), expect: [['endpoint-added', 'compatible']] },
  { name: 'success status removed', change: (d) => { d.paths['/orders'].post.responses = { '202': d.paths['/orders'].post.responses['201'] }; }, expect: [['success-status-removed', 'breaking'], ['success-status-added', 'compatible']] },
  { name: 'new required query parameter', change: (d) => d.paths['/orders/{id}'].get.parameters.push({ name: 'tenant', in: 'query', required: true }), expect: [['new-required-parameter', 'breaking']] },
  { name: 'new optional query parameter', change: (d) => d.paths['/orders/{id}'].get.parameters.push({ name: 'lang', in: 'query' }), expect: [['new-optional-parameter', 'compatible']] },
  { name: 'used query parameter removed', change: (d) => d.paths['/orders/{id}'].get.parameters.pop(), expect: [['parameter-removed', 'breaking']] },
  { name: 'new required request property', change: (d) => { const s = d.paths['/orders'].post.requestBody.content['application/json'].schema; s.required.push('channel'); s.properties.channel = { type: 'string' }; }, expect: [['new-required-request-property', 'breaking']] },
  { name: 'new optional request property', change: (d) => { d.paths['/orders'].post.requestBody.content['application/json'].schema.properties.memo = { type: 'string' }; }, expect: [['new-optional-request-property', 'compatible']] },
  { name: 'request property type widened', change: (d) => { d.paths['/orders'].post.requestBody.content['application/json'].schema.properties.qty = { oneOf: [{ type: 'integer' }, { type: 'string' }] }; }, expect: [['request-type-widened', 'compatible']] },
  { name: 'request enum narrowed on a field not sent', change: (d) => { d.paths['/orders'].post.requestBody.content['application/json'].schema.properties.kind.enum = ['std']; }, expect: [['request-enum-value-removed', 'informational']] },
  { name: 'response property removed (read)', change: (d) => { delete order(d).properties.at; }, expect: [['response-property-removed', 'breaking']] },
  { name: 'response property removed (not read)', change: (d) => { delete order(d).properties.note; }, expect: [['response-property-removed', 'informational']] },
  { name: 'response property type changed (read)', change: (d) => { order(d).properties.qty = { type: 'string' }; }, expect: [['response-property-type-changed', 'breaking']] },
  { name: 'response format changed (read)', change: (d) => { order(d).properties.at = { type: 'string', format: 'date' }; }, expect: [['response-property-format-changed', 'breaking']] },
  { name: 'response property no longer required (read)', change: (d) => { order(d).required = ['id', 'qty']; }, expect: [['response-property-no-longer-required', 'breaking']] },
  { name: 'response enum value removed (read)', change: (d) => { order(d).properties.status.enum = ['open', 'in_fulfillment', 'shipped']; }, expect: [['response-enum-value-removed', 'breaking'], ['response-enum-value-added', 'compatible']] },
  { name: 'response enum value added', change: (d) => { order(d).properties.status.enum.push('invoiced'); }, expect: [['response-enum-value-added', 'compatible']] },
  { name: 'response property added', change: (d) => { order(d).properties.lot = { type: 'string' }; }, expect: [['response-property-added', 'compatible']] },
  { name: 'unused endpoint response changed', change: (d) => { d.paths['/audit'].get.responses['200'].content['application/json'].schema.properties.entries = { type: 'object' }; }, expect: [['response-property-type-changed', 'informational']] },
];

for (const c of cases) {
  test(`spec diff: ${c.name}`, () => {
    const cand = baseDoc();
    c.change(cand);
    const d = diffSpecs(baseDoc(), cand, usage);
    const got = [...d.breaking, ...d.compatible, ...d.informational].map((x) => [x.category, x.severity]);
    for (const e of c.expect) assert.ok(got.some((g) => g[0] === e[0] && g[1] === e[1]), `expected ${e.join('/')} in ${JSON.stringify(got)}`);
    // Nothing beyond what the change explains is breaking.
    const expectedBreaking = new Set(c.expect.filter((e) => e[1] === 'breaking').map((e) => e[0]));
    assert.deepEqual(new Set(d.breaking.map((b) => b.category)), expectedBreaking, JSON.stringify(d.breaking, null, 2));
  });
}

test('spec diff: without usage every would-be-breaking change is breaking', () => {
  const cand = baseDoc();
  delete order(cand).properties.note;
  // Order is the answer of two operations: the removal shows in both.
  assert.deepEqual(diffSpecs(baseDoc(), cand).breaking.map((b) => b.operation).sort(), ['GET /orders/{id}', 'POST /orders']);
  assert.equal(diffSpecs(baseDoc(), cand, usage).breaking.length, 0);
});

test('spec diff: a document against itself has no changes', () => {
  const d = diffSpecs(baseDoc(), baseDoc(), usage);
  assert.deepEqual([d.breaking, d.compatible, d.informational], [[], [], []]);
});

test('path templates: concrete paths map to their operation, literal segments win', () => {
  const t = ['/api/items', '/api/items/{sku}', '/api/sales-orders/{orderNumber}/cancel', '/api/adjustments/{id}', '/api/adjustments/summary'];
  assert.equal(matchTemplate(t, '/api/items/SKU-1002'), '/api/items/{sku}');
  assert.equal(matchTemplate(t, '/api/items?x=1'), '/api/items');
  assert.equal(matchTemplate(t, '/api/sales-orders/SO-1/cancel'), '/api/sales-orders/{orderNumber}/cancel');
  assert.equal(matchTemplate(t, '/api/adjustments/summary'), '/api/adjustments/summary');
  assert.equal(matchTemplate(t, '/api/unknown'), undefined);
});

test('spec diff of the real ERP 1.x and 2.x documents, judged by what the pacts and schemas use', () => {
  const v1 = loadOpenApi(join(DEFAULT_CONTRACTS_DIR, 'openapi/erp-v1.yaml'));
  const v2 = loadOpenApi(join(DEFAULT_CONTRACTS_DIR, 'openapi/erp-v2.yaml'));
  const u = usageFromContracts({ system: 'erp', registry: SchemaRegistry.load(), pacts: loadPactDir(join(DEFAULT_CONTRACTS_DIR, 'pacts')), templates: pathTemplates(v1) });
  assert.ok(u.operations['GET /api/sales-orders']!.parameters.includes('externalReference'));
  assert.ok(u.operations['POST /api/sales-orders']!.requestFields.includes('/lines/*/quantity'));
  const d = diffSpecs(v1, v2, u);
  const has = (list: typeof d.breaking, category: string, operation: string, location: string) =>
    list.some((c) => c.category === category && c.operation === operation && c.location === location);
  assert.ok(has(d.breaking, 'response-property-removed', 'GET /api/sales-orders', 'response 200 /items/*/externalReference'));
  assert.ok(has(d.breaking, 'response-property-removed', 'GET /api/sales-orders/{orderNumber}', 'response 200 /externalReference'));
  assert.match(d.breaking.find((c) => c.operation === 'GET /api/sales-orders/{orderNumber}' && c.category === 'response-property-removed')!.message, /looks renamed to customerReference/);
  assert.match(d.breaking.find((c) => c.location === 'request /channel')!.message, /looks renamed to salesChannel/);
  assert.ok(has(d.breaking, 'response-property-type-changed', 'GET /api/sales-orders/{orderNumber}', 'response 200 /lines/*/quantity'));
  assert.ok(has(d.breaking, 'response-enum-value-removed', 'GET /api/sales-orders/{orderNumber}', 'response 200 /status'));
  assert.ok(has(d.breaking, 'new-required-request-property', 'POST /api/sales-orders', 'request /salesChannel'));
  assert.ok(has(d.compatible, 'response-property-added', 'GET /api/sales-orders/{orderNumber}', 'response 200 /customerReference'));
  // The WMS posts shipment confirmations; the integration reads nothing of that answer.
  assert.ok(d.breaking.every((c) => c.operation !== 'POST /api/shipment-confirmations'));
  assert.ok(has(d.informational, 'response-property-removed', 'POST /api/shipment-confirmations', 'response 201 /externalReference'));
  // Unchanged operations: nothing at all.
  assert.ok([...d.breaking, ...d.compatible, ...d.informational].every((c) => !c.operation.startsWith('GET /api/items') && !c.operation.startsWith('GET /api/inventory/on-hand')));
  const same = diffSpecs(v1, v1, u);
  assert.equal(same.breaking.length + same.compatible.length + same.informational.length, 0);
});

test('OpenAPI input errors name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncprobe-openapi-'));
  try {
    assert.throws(() => loadOpenApi(join(dir, 'missing.yaml')), (e: any) => e.name === 'UsageError' && e.where.endsWith('missing.yaml') && /no such file/.test(e.message));
    writeFileSync(join(dir, 'bad.yaml'), 'openapi: 3.1.0\npaths: {\n  /x: [\n');
    assert.throws(() => loadOpenApi(join(dir, 'bad.yaml')), (e: any) => e.where.endsWith('bad.yaml') && /not parsable/.test(e.message));
    writeFileSync(join(dir, 'swagger.yaml'), 'swagger: "2.0"\npaths: {}\n');
    assert.throws(() => loadOpenApi(join(dir, 'swagger.yaml')), (e: any) => /not an OpenAPI 3 document/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
