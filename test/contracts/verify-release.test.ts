import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncprobe as runSyncprobe } from '../support/cli.ts';

const root = new URL('../../', import.meta.url).pathname;
let scratch: string;

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'syncprobe-verify-release-'));
});
after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const cli = (args: string[]) => runSyncprobe(['verify-release', ...args]);

test('verify-release: the baseline against itself is a go (exit 0) with the three reports written', async () => {
  const out = join(scratch, 'self');
  const r = await cli(['--baseline', 'sandbox', '--candidate', 'sandbox', '--scenario', 'stock-adjustment/WH-CENTRAL', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.decision, 'go');
  assert.equal(doc.status, 'ok');
  assert.deepEqual(doc.problems, []);
  assert.deepEqual(doc.reasons, []);
  assert.deepEqual(doc.specDiffs.map((d: { system: string; breaking: unknown[] }) => [d.system, d.breaking.length]), [['erp', 0], ['storefront', 0], ['wms', 0]]);
  assert.ok(doc.latency.length > 0 && doc.latency.every((l: { regression: boolean; ratio: number }) => !l.regression && l.ratio === 1));
  assert.equal(doc.contracts.find((c: { provider: string }) => c.provider === 'erp').status, 'ok');
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'verify-release.json'), 'utf8')).decision, 'go');
  assert.match(readFileSync(join(out, 'verify-release.md'), 'utf8'), /\*\*Decision: GO\*\*/);
  assert.match(readFileSync(join(out, 'verify-release.junit.xml'), 'utf8'), /failures="0">/);
});

test('verify-release: the ERP 2.x release is a no-go (exit 2) naming spec, contract and scenario reasons', async () => {
  const out = join(scratch, 'v2');
  const r = await cli(['--baseline', 'sandbox', '--candidate', 'sandbox-v2', '--scenario', 'order-to-notification/marketplace', '--out', out, '--json']);
  assert.equal(r.code, 2, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.decision, 'no-go');
  const reasons = doc.reasons as { category: string; subject: string; message: string }[];
  assert.ok(reasons.some((x) => x.category === 'spec' && x.subject === 'erp GET /api/sales-orders/{orderNumber}' && /externalReference removed/.test(x.message)));
  assert.ok(reasons.some((x) => x.category === 'spec' && x.subject === 'erp POST /api/sales-orders' && /salesChannel/.test(x.message)));
  assert.ok(reasons.some((x) => x.category === 'contract' && x.subject === 'erp POST /api/sales-orders' && /expected 201, actual 400/.test(x.message)));
  assert.ok(reasons.some((x) => x.category === 'scenario' && x.subject === 'order-to-notification/marketplace'));
  assert.equal(doc.problems.length, reasons.length);
  const md = readFileSync(join(out, 'verify-release.md'), 'utf8');
  assert.match(md, /\*\*Decision: NO-GO\*\*/);
  assert.match(md, /### erp: contracts\/openapi\/erp-v1.yaml → contracts\/openapi\/erp-v2.yaml/);
  const junit = readFileSync(join(out, 'verify-release.junit.xml'), 'utf8');
  assert.match(junit, /<testcase classname="verify-release.spec-diff" name="erp contracts\/openapi\/erp-v1.yaml -&gt; contracts\/openapi\/erp-v2.yaml"><failure /);
  assert.match(r.stderr, /NO-GO/);
});

test('verify-release: bad input is exit 3 naming the environment, file or endpoint', async () => {
  let r = await cli(['--baseline', 'sandbox', '--candidate', 'staging']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /--candidate: no environment 'staging'/);

  const missingDir = join(scratch, 'no-pacts');
  r = await cli(['--baseline', 'sandbox', '--candidate', 'sandbox', '--pacts', missingDir]);
  assert.equal(r.code, 3);
  assert.ok(r.stderr.includes(`${missingDir}: cannot read the pact directory`), r.stderr);

  const broken = join(scratch, 'broken-pacts');
  mkdirSync(broken, { recursive: true });
  writeFileSync(join(broken, 'distribution-integration-erp.json'), '{ not json');
  r = await cli(['--baseline', 'sandbox', '--candidate', 'sandbox', '--pacts', broken]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /distribution-integration-erp\.json: pact file is not valid JSON/);

  // A config of our own: a candidate nobody listens on, and environments naming missing or broken specs.
  const cfgDir = join(scratch, 'cfg');
  mkdirSync(cfgDir, { recursive: true });
  writeFileSync(join(cfgDir, 'package.json'), '{"type": "module"}\n');
  writeFileSync(join(cfgDir, 'broken.yaml'), 'openapi: 3.1.0\npaths: {\n  /x: [\n');
  writeFileSync(
    join(cfgDir, 'syncprobe.config.ts'),
    `import base from ${JSON.stringify(join(root, 'syncprobe.config.ts'))};
const sb = base.environments.sandbox!;
const withSpec = (file: string) => ({ ...sb, systems: { ...sb.systems, erp: { ...sb.systems.erp!, settings: { ...sb.systems.erp!.settings, openapi: file } } } });
export default {
  ...base,
  scenarios: ${JSON.stringify(join(root, 'scenarios'))},
  environments: {
    sandbox: sb,
    down: { systems: { erp: { baseUrl: 'https://127.0.0.1:9', lookups: {} } } },
    'missing-spec': withSpec('./erp-v3.yaml'),
    'broken-spec': withSpec('./broken.yaml'),
  },
};
`,
  );
  const config = join(cfgDir, 'syncprobe.config.ts');
  r = await cli(['--config', config, '--baseline', 'sandbox', '--candidate', 'missing-spec']);
  assert.equal(r.code, 3, r.stderr);
  assert.ok(r.stderr.includes(join(cfgDir, 'erp-v3.yaml')), r.stderr);
  r = await cli(['--config', config, '--baseline', 'sandbox', '--candidate', 'broken-spec']);
  assert.equal(r.code, 3, r.stderr);
  assert.ok(r.stderr.includes(`${join(cfgDir, 'broken.yaml')}: not parsable`), r.stderr);
  r = await cli(['--config', config, '--baseline', 'sandbox', '--candidate', 'down', '--scenario', 'stock-adjustment/WH-EAST']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /https:\/\/127\.0\.0\.1:9.*connection refused/);
});
