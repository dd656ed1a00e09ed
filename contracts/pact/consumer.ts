import { copyFileSync, mkdtempSync, readdirSync, renameSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { makeConsumerPact, type ConsumerPact } from '@pact-foundation/pact-core';
import { SchemaRegistry } from '../../src/contracts/schemas.ts';
import { driftProblems } from '../../src/contracts/drift.ts';

/**
 * What the integration needs from each API, as Pact consumer contracts. Each HTTP interaction is
 * exercised against the Pact mock server and the mock's answer is checked with the same JSON Schema
 * the live probes apply, so the pacts and the schemas cannot silently disagree.
 */
export const CONSUMER = 'distribution-integration';
export const PACTS_DIR = new URL('../pacts/', import.meta.url).pathname;

const { like, eachLike, integer, number, regex, datetime, string, fromProviderState } = MatchersV3;

const ISO = "yyyy-MM-dd'T'HH:mm:ss.SSSX";
const AT = '2026-12-03T10:00:00.000Z';
const iso = (example = AT) => datetime(ISO, example);
const WAREHOUSE = (example: string) => regex('^WH-(EAST|WEST|CENTRAL)$', example);
const BEARER = { Authorization: regex('^Bearer [A-Za-z0-9._~+/=-]+$', 'Bearer eyJ.pact.token') };
const ERP_STATUS = regex('^(created|released|shipped|invoiced|cancelled)$', 'created');

export interface HttpContract {
  system: 'erp' | 'wms' | 'storefront';
  description: string;
  state?: { name: string; params: Record<string, string | number> };
  method: 'GET' | 'POST';
  path: string | MatchersV3.Matcher<string>;
  /** The concrete path the consumer calls in the test. */
  examplePath: string;
  query?: Record<string, string>;
  headers?: Record<string, unknown>;
  body?: unknown;
  status: number;
  response: unknown;
  /**
   * Pending (Pact's term): verified and reported, but a failure is a warning, not a broken contract.
   * Used while a provider cannot yet set up the interaction's state.
   */
  pending?: boolean;
}

export interface MessageContract {
  description: string;
  state?: { name: string; params: Record<string, string | number> };
  schema: string;
  metadata: Record<string, string>;
  contents: unknown;
}

const salesOrderBody = (ref: unknown, line: { item: string; quantity: number; uom: string; warehouse: string }) => ({
  orderNumber: string('SO-100001'),
  externalReference: ref,
  correlationId: string('pact-corr-1'),
  channel: string('b2b'),
  customer: string('SYNTHETIC-PROBE'),
  status: ERP_STATUS,
  createdAt: iso(),
  lines: eachLike({
    lineNo: integer(1),
    item: string(line.item),
    quantity: number(line.quantity),
    uom: regex('^(EA|CS12)$', line.uom),
    warehouse: WAREHOUSE(line.warehouse),
  }),
});

export const HTTP_CONTRACTS: HttpContract[] = [
  {
    system: 'erp',
    description: 'sales orders by external reference',
    state: { name: 'a sales order exists', params: { externalReference: 'SP-PACT-0001' } },
    method: 'GET',
    path: '/api/sales-orders',
    examplePath: '/api/sales-orders',
    query: { externalReference: 'SP-PACT-0001' },
    headers: BEARER,
    status: 200,
    response: { items: eachLike(salesOrderBody('SP-PACT-0001', { item: 'SKU-1001', quantity: 2, uom: 'EA', warehouse: 'WH-EAST' })) },
  },
  {
    system: 'erp',
    description: 'a sales order by number',
    state: { name: 'a sales order exists', params: { externalReference: 'SP-PACT-0002' } },
    method: 'GET',
    path: fromProviderState('/api/sales-orders/${orderNumber}', '/api/sales-orders/SO-100001'),
    examplePath: '/api/sales-orders/SO-100001',
    headers: BEARER,
    status: 200,
    response: salesOrderBody('SP-PACT-0002', { item: 'SKU-1001', quantity: 2, uom: 'EA', warehouse: 'WH-EAST' }),
  },
  {
    system: 'erp',
    description: 'the middleware delivers a sales order',
    method: 'POST',
    path: '/api/sales-orders',
    examplePath: '/api/sales-orders',
    headers: { ...BEARER, 'Content-Type': 'application/json' },
    body: { externalReference: 'SP-PACT-0003', channel: 'b2b', customer: 'SYNTHETIC-PROBE', lines: [{ item: 'SKU-1002', quantity: 2, uom: 'CS12', warehouse: 'WH-EAST' }] },
    status: 201,
    response: salesOrderBody(like('SP-PACT-0003'), { item: 'SKU-1002', quantity: 2, uom: 'CS12', warehouse: 'WH-EAST' }),
  },
  {
    system: 'erp',
    description: 'the item list',
    method: 'GET',
    path: '/api/items',
    examplePath: '/api/items',
    headers: BEARER,
    status: 200,
    response: { items: eachLike({ sku: string('SKU-1001'), description: string('Pallet wrap film 500 mm'), uom: regex('^(EA|CS12)$', 'EA'), packSize: integer(1) }) },
  },
  {
    system: 'erp',
    description: 'an item with its stocking unit',
    state: { name: 'an item exists', params: { sku: 'SKU-1002' } },
    method: 'GET',
    path: '/api/items/SKU-1002',
    examplePath: '/api/items/SKU-1002',
    headers: BEARER,
    status: 200,
    response: { sku: 'SKU-1002', description: string('Nitrile gloves, case of 12 boxes'), uom: 'CS12', packSize: 12 },
  },
  {
    system: 'erp',
    description: 'on-hand of an item in a warehouse',
    state: { name: 'on-hand exists', params: { item: 'SKU-1001', warehouse: 'WH-WEST', onHand: 140 } },
    method: 'GET',
    path: '/api/inventory/on-hand',
    examplePath: '/api/inventory/on-hand',
    query: { item: 'SKU-1001', warehouse: 'WH-WEST' },
    headers: BEARER,
    status: 200,
    response: { item: 'SKU-1001', warehouse: 'WH-WEST', onHand: integer(140), updatedAt: iso() },
  },
  {
    system: 'wms',
    description: 'the warehouses',
    method: 'GET',
    path: '/api/warehouses',
    examplePath: '/api/warehouses',
    status: 200,
    response: { items: eachLike({ code: WAREHOUSE('WH-EAST'), name: string('East distribution centre') }) },
  },
  {
    system: 'wms',
    description: 'stock of an item in a warehouse',
    method: 'GET',
    path: '/api/stock',
    examplePath: '/api/stock',
    query: { item: 'SKU-1001', warehouse: 'WH-EAST' },
    status: 200,
    response: { items: eachLike({ item: 'SKU-1001', warehouse: 'WH-EAST', onHand: integer(500), uom: regex('^(EA|CS12)$', 'EA'), updatedAt: iso() }) },
  },
  {
    system: 'wms',
    description: 'a synthetic cycle count adjustment',
    method: 'POST',
    path: '/api/adjustments',
    examplePath: '/api/adjustments',
    headers: { 'Content-Type': 'application/json' },
    body: { warehouse: 'WH-EAST', item: 'SKU-1001', quantity: 5, reason: 'cycle_count', reference: 'SP-PACT-ADJ-1' },
    status: 201,
    response: {
      adjustmentId: string('ADJ-1'),
      warehouse: 'WH-EAST',
      item: 'SKU-1001',
      quantity: integer(5),
      reason: 'cycle_count',
      reference: 'SP-PACT-ADJ-1',
      correlationId: string('pact-corr-2'),
      adjustedAt: iso(),
    },
  },
  {
    system: 'wms',
    description: 'outbound orders of an ERP sales order',
    state: { name: 'an outbound order exists', params: { erpOrderNumber: 'SO-PACT-0001' } },
    method: 'GET',
    path: '/api/orders',
    examplePath: '/api/orders',
    query: { erpOrderNumber: 'SO-PACT-0001' },
    status: 200,
    response: {
      items: eachLike({
        wmsOrderId: string('WO-1'),
        erpOrderNumber: 'SO-PACT-0001',
        warehouse: WAREHOUSE('WH-EAST'),
        status: regex('^(released|allocated|picked|packed|shipped|cancelled)$', 'allocated'),
        // Any number: whole quantities arrive as 2 (JSON has no 2.0), fractions of a case as 0.5.
        lines: eachLike({ item: string('SKU-1001'), quantity: number(2), uom: string('EA') }),
      }),
    },
  },
  {
    system: 'storefront',
    description: 'a storefront order is placed',
    method: 'POST',
    path: '/api/orders',
    examplePath: '/api/orders',
    headers: { 'Content-Type': 'application/json' },
    body: { customer: 'SYNTHETIC-PROBE', poNumber: 'SP-PACT-PO-1', warehouse: 'EAST', lines: [{ sku: 'SKU-1001', quantity: 3, uom: 'EA' }] },
    status: 202,
    response: { orderId: string('SF-1'), status: 'accepted', acceptedAt: iso(), correlationId: string('pact-corr-3') },
  },
  {
    system: 'storefront',
    description: 'the status of a storefront order',
    state: { name: 'a storefront order exists', params: { poNumber: 'SP-PACT-PO-2' } },
    method: 'GET',
    path: fromProviderState('/api/orders/${orderId}', '/api/orders/SF-1'),
    examplePath: '/api/orders/SF-1',
    status: 200,
    response: { orderId: string('SF-1'), status: regex('^(accepted|confirmed|shipped|cancelled)$', 'accepted'), updatedAt: iso(), correlationId: string('pact-corr-4') },
  },
  {
    system: 'storefront',
    description: 'availability of a product per warehouse',
    method: 'GET',
    path: '/api/availability',
    examplePath: '/api/availability',
    query: { sku: 'SKU-1001' },
    status: 200,
    response: { sku: 'SKU-1001', warehouses: eachLike({ warehouse: WAREHOUSE('WH-EAST'), available: integer(500), updatedAt: iso() }) },
  },
];

export const MESSAGE_CONTRACTS: MessageContract[] = [
  {
    description: 'an inventory adjustment published by a warehouse connector',
    schema: 'event.inventory-adjusted',
    metadata: { contentType: 'application/json', destination: 'POST {middleware}/events/inventory' },
    contents: {
      adjustmentId: string('ADJ-1'),
      warehouse: WAREHOUSE('WH-EAST'),
      item: string('SKU-1001'),
      quantity: integer(5),
      reason: regex('^(cycle_count|receipt|reversal)$', 'cycle_count'),
      reference: string('SP-PACT-ADJ-1'),
      correlationId: string('pact-corr-5'),
      adjustedAt: iso(),
    },
  },
  {
    description: 'a shipment confirmation returned by the WMS',
    schema: 'event.shipment-confirmed',
    metadata: { contentType: 'application/json', destination: 'POST {erp}/api/shipment-confirmations' },
    contents: {
      orderNumber: string('SO-100001'),
      asnNumber: string('ASN-1'),
      shippedAt: iso(),
      correlationId: string('pact-corr-6'),
      warehouse: WAREHOUSE('WH-EAST'),
    },
  },
];

export const PROVIDERS = { erp: 'erp', wms: 'wms', storefront: 'storefront', events: 'wms-events' } as const;

function checkBody(registry: SchemaRegistry, system: string, method: string, path: string, body: unknown): void {
  const v = registry.validateResponse(system, method, path, body);
  if (!v) throw new Error(`no schema route for ${system} ${method} ${path}: add it to contracts/schemas/routes.json`);
  const breaking = v.findings.filter((f) => f.classification === 'breaking');
  if (v.findings.length) throw new Error(`the pact's example disagrees with schema ${v.schemaId}:\n  ${driftProblems(v.findings, `${system} ${method} ${path}`).map((p) => p.message).join('\n  ')}${breaking.length ? '' : ' (compatible)'}`);
}

let matchReader: ConsumerPact | undefined;

/**
 * Waits until the Pact mock server on `port` has recorded its expected request as matched, or
 * `timeoutMs` passes. Pact core records a match on a task of its own after it has already answered
 * the request (pact-foundation/pact-core-mock-server#13), so on a loaded machine executeTest can
 * read the results before the match is in and report "expected but not received" for a request
 * the mock demonstrably answered. A real mismatch never becomes matched: after the timeout Pact
 * reports it as before.
 */
async function matchRecorded(port: number, timeoutMs = 5_000): Promise<void> {
  // The FFI looks mock servers up by port; any consumer pact handle can ask.
  matchReader ??= makeConsumerPact(CONSUMER, 'mock-server-reader', 4, 'error');
  const deadline = Date.now() + timeoutMs;
  while (!matchReader.mockServerMatchedSuccessfully(port) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function runHttp(provider: string, contracts: HttpContract[], dir: string, registry: SchemaRegistry): Promise<void> {
  const pact = new PactV4({ consumer: CONSUMER, provider, dir, logLevel: 'error' });
  for (const c of contracts) {
    let b = pact.addInteraction();
    if (c.state) b = b.given(c.state.name, c.state.params);
    if (c.pending) b = b.pending(true);
    await b
      .uponReceiving(c.description)
      .withRequest(c.method, c.path, (r) => {
        if (c.query) r.query(c.query);
        if (c.headers) r.headers(c.headers as never);
        if (c.body !== undefined) r.jsonBody(c.body);
      })
      .willRespondWith(c.status, (r) => {
        r.headers({ 'Content-Type': regex('^application/json', 'application/json; charset=utf-8') });
        r.jsonBody(c.response);
      })
      .executeTest(async (mock) => {
        const url = new URL(c.examplePath, mock.url);
        for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
        const headers: Record<string, string> = {};
        if (c.headers && 'Authorization' in c.headers) headers.authorization = 'Bearer eyJ.pact.token';
        if (c.body !== undefined) headers['content-type'] = 'application/json';
        const res = await fetch(url, { method: c.method, headers, ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : {}) });
        if (res.status !== c.status) throw new Error(`${c.description}: mock answered ${res.status}`);
        checkBody(registry, c.system, c.method, c.examplePath, await res.json());
        await matchRecorded(mock.port);
      });
  }
}

async function runMessages(contracts: MessageContract[], dir: string, registry: SchemaRegistry): Promise<void> {
  const pact = new PactV4({ consumer: CONSUMER, provider: PROVIDERS.events, dir, logLevel: 'error' });
  for (const c of contracts) {
    let b = pact.addAsynchronousInteraction();
    if (c.state) b = b.given(c.state.name, c.state.params);
    await b
      .expectsToReceive(c.description, (m) => {
        m.withJSONContent(c.contents).withMetadata(c.metadata);
      })
      .executeTest(async (message) => {
        // The consumer's handler: what the integration does first with an event is validate it.
        const findings = registry.validate(c.schema, message.contents.content);
        if (findings.length) throw new Error(`${c.description}: ${driftProblems(findings, c.schema).map((p) => p.message).join('; ')}`);
      });
  }
}

/**
 * Moves freshly generated pact files into `outDir` and removes every other pact of this consumer
 * there, so a stale interaction or a pact of a provider no longer tested never survives. Each move
 * is a rename: a reader never sees a half-written file.
 */
export function publishPacts(files: string[], outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const names = files.map((f) => basename(f));
  for (const name of readdirSync(outDir)) {
    if (!name.endsWith('.json') || names.includes(name)) continue;
    try {
      const doc = JSON.parse(readFileSync(join(outDir, name), 'utf8')) as { consumer?: { name?: string } };
      if (doc.consumer?.name === CONSUMER) rmSync(join(outDir, name));
    } catch {
      /* not a pact of ours: leave it */
    }
  }
  const out: string[] = [];
  for (const f of files) {
    const target = join(outDir, basename(f));
    const staging = join(outDir, `.${basename(f)}.${process.pid}.tmp`);
    copyFileSync(f, staging);
    renameSync(staging, target);
    out.push(target);
  }
  return out.sort();
}

/** Runs every consumer contract and writes the pact files (see publishPacts) to `outDir`. */
export async function generatePacts(outDir: string = PACTS_DIR, registry: SchemaRegistry = SchemaRegistry.load()): Promise<string[]> {
  // pact-js merges into an existing file; a fresh directory per run is what makes regeneration clean.
  const work = mkdtempSync(join(tmpdir(), 'syncprobe-pacts-'));
  try {
    for (const system of ['erp', 'wms', 'storefront'] as const) {
      await runHttp(PROVIDERS[system], HTTP_CONTRACTS.filter((c) => c.system === system), work, registry);
    }
    await runMessages(MESSAGE_CONTRACTS, work, registry);
    const fresh = readdirSync(work).filter((n) => n.endsWith('.json')).map((n) => join(work, n));
    return publishPacts(fresh, outDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  generatePacts().then(
    (files) => process.stderr.write(`pact files written:\n  ${files.join('\n  ')}\n`),
    (err: Error) => {
      process.stderr.write(`pact generation failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
