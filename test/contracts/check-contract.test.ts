import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { DEFAULT_PACTS_DIR } from '../../src/contracts/verify.ts';
import { syncprobe as runSyncprobe } from '../support/cli.ts';

let sb: Sandbox;
let secret: string;
let scratch: string;

before(async () => {
  sb = await startSandbox({ port: 0, latency: { defaultMs: 20 } });
  secret = sb.clients.find((c) => c.clientId === 'syncprobe-probe')!.clientSecret;
  scratch = mkdtempSync(join(tmpdir(), 'syncprobe-check-contract-'));
});
after(async () => {
  await sb?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const cli = (args: string[]) => runSyncprobe(args, { env: { ...process.env, ERP_SECRET: secret } });

const erpArgs = () => [
  'check', 'contract',
  '--provider', 'erp',
  '--base-url', sb.services.erp,
  '--ca', sb.ca,
  '--provider-states', `${sb.admin}/provider-states`,
  '--token-url', sb.oauth.tokenEndpoint,
  '--client-id', 'syncprobe-probe',
  '--client-secret-env', 'ERP_SECRET',
  '--scope', 'erp:read erp:write',
  '--resource', sb.oauth.resource,
  '--json',
];

test('check contract: the ERP v1 satisfies every pact interaction (exit 0), secrets stay out of the output', async () => {
  const r = await cli(erpArgs());
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.status, 'ok');
  assert.deepEqual(doc.problems, []);
  assert.equal(doc.failed, 0);
  assert.equal(doc.passed, 6);
  assert.ok(doc.interactions.every((i: { result: string }) => i.result === 'passed'));
  assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'client secret leaked');
  assert.doesNotMatch(r.stdout + r.stderr, /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, 'a bearer token leaked');
});

test('check contract: the ERP v2 release fails with an actionable mismatch report (exit 2)', async (t) => {
  sb.faults.set('erp.version', 'v2');
  t.after(() => sb.faults.clear('erp.version'));
  const r = await cli(erpArgs());
  assert.equal(r.code, 2, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.status, 'critical');
  const byName = new Map<string, any>(doc.interactions.map((i: { description: string }) => [i.description, i]));
  const byRef = byName.get('sales orders by external reference');
  assert.equal(byRef.result, 'failed');
  assert.deepEqual(byRef.request, { method: 'GET', path: '/api/sales-orders' });
  assert.ok(byRef.mismatches.some((m: any) => m.kind === 'body' && m.path === '$.items[0]' && /externalReference/.test(m.message) && /customerReference/.test(m.actual)));
  assert.ok(byRef.mismatches.some((m: any) => m.path === '$.items[0].lines[0].quantity' && m.actual === '"2.000"' && m.expected === '2'));
  const create = byName.get('the middleware delivers a sales order');
  assert.ok(create.mismatches.some((m: any) => m.kind === 'status' && m.expected === '201' && m.actual === '400'));
  assert.match(create.providerSaid, /salesChannel/);
  // Unchanged operations still pass.
  assert.equal(byName.get('the item list').result, 'passed');
  assert.equal(byName.get('on-hand of an item in a warehouse').result, 'passed');
  const problem = doc.problems.find((p: any) => p.message.startsWith('the middleware delivers a sales order'));
  assert.equal(problem.code, 'contract.mismatch');
  assert.match(problem.message, /POST \/api\/sales-orders.*status: expected 201, actual 400.*provider said: HTTP 400/);
});

test('check contract: an unreachable provider is critical and names the endpoint', async () => {
  const args = erpArgs();
  args[args.indexOf('--base-url') + 1] = 'https://127.0.0.1:9';
  const r = await cli(args);
  assert.equal(r.code, 2, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.problems[0].code, 'contract.unreachable');
  assert.match(doc.problems[0].message, /https:\/\/127\.0\.0\.1:9.*connection refused/);
});

test('check contract: unreadable pact directory, unknown provider and a broken pact file are exit 3 naming the input', async () => {
  const missing = join(scratch, 'no-such-dir');
  let r = await cli([...erpArgs(), '--pacts', missing]);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`${missing}: cannot read the pact directory`));

  r = await cli([...erpArgs().map((a) => (a === 'erp' ? 'billing' : a))]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no pact for provider 'billing'[\s\S]*providers with pacts: erp, storefront, wms, wms-events/);

  const broken = join(scratch, 'broken');
  rmSync(broken, { recursive: true, force: true });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(broken);
  copyFileSync(join(DEFAULT_PACTS_DIR, 'distribution-integration-erp.json'), join(broken, 'distribution-integration-erp.json'));
  writeFileSync(join(broken, 'distribution-integration-wms.json'), '{"consumer": {"name": "distribution-int');
  r = await cli([...erpArgs(), '--pacts', broken]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /distribution-integration-wms\.json: pact file is not valid JSON/);
});

test('check contract: the WMS (no OAuth) satisfies its pacts, the outbound order set up through its provider state', async () => {
  const r = await cli(['check', 'contract', '--provider', 'wms', '--base-url', sb.services.wms, '--ca', sb.ca, '--provider-states', `${sb.admin}/provider-states`, '--json']);
  const doc = JSON.parse(r.stdout);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(doc.status, 'ok');
  assert.deepEqual(doc.problems, []);
  const results = Object.fromEntries(doc.interactions.map((i: { description: string; result: string }) => [i.description, i.result]));
  assert.deepEqual(results, { 'a synthetic cycle count adjustment': 'passed', 'outbound orders of an ERP sales order': 'passed', 'stock of an item in a warehouse': 'passed', 'the warehouses': 'passed' });
});

test('check contract: the storefront satisfies its pacts; the order status is read from the order id its provider state answers', async () => {
  const r = await cli(['check', 'contract', '--provider', 'storefront', '--base-url', sb.services.storefront, '--ca', sb.ca, '--provider-states', `${sb.admin}/provider-states`, '--json']);
  const doc = JSON.parse(r.stdout);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(doc.status, 'ok');
  const status = doc.interactions.find((i: { description: string }) => i.description === 'the status of a storefront order');
  assert.equal(status.result, 'passed');
  assert.ok(doc.interactions.every((i: { result: string }) => i.result === 'passed'), JSON.stringify(doc.interactions));
});
