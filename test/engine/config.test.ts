import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ConfigError, loadConfig, runScenarios } from '../../src/engine/index.ts';
import { validateConfig } from '../../src/config/validate.ts';

function tempProject(t: { after(fn: () => void): void }, config: string, scenarios: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'syncprobe-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'syncprobe.config.ts'), config);
  mkdirSync(join(dir, 'scenarios'));
  for (const [name, text] of Object.entries(scenarios)) writeFileSync(join(dir, 'scenarios', name), text);
  return join(dir, 'syncprobe.config.ts');
}

const GOOD_SCENARIO = `export default {
  name: 'probe/one', tags: { channel: 'b2b' }, steps: [{ name: 'place', system: 'erp', run: async (ctx) => ctx.mark('accepted', { sentAt: Date.now(), receivedAt: Date.now() }) }],
  milestones: [{ name: 'accepted', system: 'erp', markedByStep: true }, { name: 'created', system: 'erp', slaMs: 1000, poll: { lookup: 'orders', params: () => ({}), until: (r) => r[0] } }],
};`;

test('loadConfig reports every problem of config and scenarios at once, with file, field and what is expected', async (t) => {
  const file = tempProject(
    t,
    `export default {
      defaultEnvironment: 'prod',
      environments: {
        staging: { systems: {
          erp: { baseUrl: 'ftp://erp', auth: { type: 'oauth2-client-credentials', clientId: 'probe', clientSecretEnv: 'not a var name' }, lookups: { orders: { path: 'api/orders', fields: 'x' } } },
          wms: {},
        } },
      },
      sla: { 'erp.created': -5 },
    };`,
    {
      'bad.ts': `export default { name: 'broken', steps: [{ name: 'x' }], milestones: [{ name: 'a', system: 'erp', markedByStep: true }, { name: 'b', system: 'erp', from: 'zzz', poll: { lookup: 'orders' } }] };`,
      'good.ts': GOOD_SCENARIO,
      'syntax.ts': 'export default {{{',
    },
  );
  await assert.rejects(loadConfig(file), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    const fields = err.problems.map((p) => p.field);
    for (const f of [
      'environments.staging.systems.erp.baseUrl',
      'environments.staging.systems.erp.auth.clientSecretEnv',
      'environments.staging.systems.erp.auth',
      'environments.staging.systems.erp.lookups.orders.path',
      'environments.staging.systems.erp.lookups.orders.fields',
      'environments.staging.systems.wms.baseUrl',
      'defaultEnvironment',
      'sla.erp.created',
      'scenario broken.steps[0]',
      'scenario broken.milestones[1] (b).poll',
      'scenario broken.milestones[1] (b).from',
      'scenario broken.milestones[1] (b).slaMs',
      '(module)',
    ])
      assert.ok(fields.includes(f), `expected a problem at ${f}; got ${fields.join(' | ')}`);
    assert.ok(err.problems.some((p) => p.file.endsWith('syntax.ts')));
    assert.ok(err.problems.every((p) => p.message.length > 10));
    assert.match(err.describe(), /nothing was run/);
    return true;
  });
});

test('runScenarios refuses to start when the environment lacks a secret, a lookup or a system: nothing runs', async (t) => {
  const file = tempProject(
    t,
    `export default { environments: { prod: { systems: { erp: { baseUrl: 'https://127.0.0.1:9', auth: { type: 'oauth2-client-credentials', tokenUrl: 'https://127.0.0.1:9/token', clientId: 'probe', clientSecretEnv: 'SYNCPROBE_TEST_UNSET_SECRET' } } } } } };`,
    { 'good.ts': GOOD_SCENARIO },
  );
  delete process.env.SYNCPROBE_TEST_UNSET_SECRET;
  const loaded = await loadConfig(file);
  let placed = false;
  loaded.scenarios[0]!.definition.steps[0]!.run = async () => {
    placed = true;
  };
  await assert.rejects(runScenarios({ config: loaded, environment: 'prod' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /SYNCPROBE_TEST_UNSET_SECRET is not set/);
    assert.match(err.message, /has no lookup 'orders'/);
    return true;
  });
  await assert.rejects(runScenarios({ config: loaded, environment: 'nope' }), /no environment 'nope'/);
  await assert.rejects(runScenarios({ config: loaded, environment: 'prod', scenarios: ['missing'] }), /no scenario named 'missing'; known: probe\/one/);
  assert.equal(placed, false);
});

test('the shipped config and scenarios are valid', async () => {
  const loaded = await loadConfig();
  const names = loaded.scenarios.map((s) => s.definition.name);
  for (const name of [
    'order-to-notification/b2b',
    'order-to-notification/marketplace',
    'order-to-notification/storefront',
    'stock-adjustment/WH-CENTRAL',
    'stock-adjustment/WH-EAST',
    'stock-adjustment/WH-WEST',
  ])
    assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
  assert.equal(loaded.defaultEnvironment, 'sandbox');
  assert.deepEqual(validateConfig(loaded.config, loaded.file), []);
});

test('syncprobe run with a bad config exits 3 naming the file and fields', (t) => {
  const file = tempProject(t, `export default { environments: { prod: { systems: { erp: { baseUrl: 'not a url' } } } } };`, { 'good.ts': GOOD_SCENARIO });
  const r = spawnSync(process.execPath, ['bin/syncprobe.js', 'run', '--config', file], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /environments\.prod\.systems\.erp\.baseUrl: 'not a url' is not a valid URL/);
  assert.match(r.stderr, /syncprobe\.config\.ts/);
});
