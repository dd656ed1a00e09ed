import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboards, render } from '../../dashboards/src/index.ts';
import { GRAFANA_DIR } from '../../dashboards/src/generate.ts';
import { MEASUREMENTS } from '../../dashboards/src/measurements.ts';
import { validateDashboard } from '../../dashboards/src/validate.ts';
import { defaultEnv, loadDashboardProviders, loadDatasources } from '../../dashboards/src/provisioning.ts';

const generated = buildDashboards();

test('the committed dashboard JSON is what dashboards/src generates', () => {
  for (const { file, dashboard } of generated) {
    const committed = readFileSync(join(GRAFANA_DIR, file), 'utf8');
    assert.deepEqual(JSON.parse(committed), JSON.parse(render(dashboard)), `${file} is out of date: run node --import tsx dashboards/src/generate.ts`);
    assert.equal(committed, render(dashboard), `${file} differs in formatting from the generator output`);
  }
  const onDisk = readdirSync(GRAFANA_DIR).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(onDisk, generated.map((g) => g.file).sort(), 'dashboards/grafana holds exactly the generated files');
});

test('the issue asks for these dashboards, each with env and alert annotations', () => {
  const titles = generated.map((g) => g.dashboard.title);
  for (const t of ['Order sync', 'Inventory sync', 'Contracts and drift', 'Certificates and tokens', 'Reconciliation and backlog', 'Probe health', 'Executive view']) {
    assert.ok(titles.some((x) => x.endsWith(t)), `a dashboard titled '${t}'`);
  }
  assert.equal(new Set(generated.map((g) => g.dashboard.uid)).size, generated.length, 'dashboard uids are unique');
  for (const { file, dashboard } of generated) {
    const names = dashboard.templating.list.map((v) => v.name);
    assert.ok(names.includes('env'), `${file} has the env variable`);
    assert.ok(dashboard.annotations.list.some((a) => typeof a.target.query === 'string' && /FROM "alert"/.test(a.target.query as string)), `${file} annotates alerts`);
  }
  const order = generated.find((g) => g.file === 'order-sync.json')!.dashboard;
  assert.deepEqual(order.templating.list.map((v) => v.name).slice(0, 3), ['env', 'channel', 'warehouse']);
  const inventory = generated.find((g) => g.file === 'inventory-sync.json')!.dashboard;
  assert.ok(inventory.templating.list.some((v) => v.name === 'warehouse'));
});

test('provisioning: the data source the dashboards use and a file provider pointing at dashboards/grafana', () => {
  const env = { ...defaultEnv(), SYNCPROBE_DASHBOARDS_DIR: GRAFANA_DIR };
  const datasources = loadDatasources(env);
  assert.equal(datasources.length, 1);
  const ds = datasources[0]!;
  assert.equal(ds.uid, 'syncprobe-influx');
  assert.equal(ds.type, 'influxdb');
  assert.equal(ds.url, 'http://127.0.0.1:8086', 'the URL default comes from grafana.env');
  assert.equal(ds.database, 'syncprobe');
  // Overridable without editing the file.
  const custom = loadDatasources({ SYNCPROBE_INFLUX_URL: 'https://influx.example:8086', SYNCPROBE_INFLUX_DB: 'probes' })[0]!;
  assert.equal(custom.url, 'https://influx.example:8086');
  assert.equal(custom.database, 'probes');

  const providers = loadDashboardProviders(env);
  assert.equal(providers.length, 1);
  assert.equal(providers[0]!.type, 'file');
  assert.equal(providers[0]!.path, GRAFANA_DIR);
  const files = readdirSync(providers[0]!.path).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, generated.length, 'the provider path holds every dashboard');
});

test('every committed dashboard validates against the provisioned data sources and the measurements written', () => {
  const datasources = loadDatasources(defaultEnv());
  for (const { file } of generated) {
    const doc = JSON.parse(readFileSync(join(GRAFANA_DIR, file), 'utf8')) as unknown;
    const diagnostics = validateDashboard(doc, file, { datasources, measurements: MEASUREMENTS });
    assert.deepEqual(diagnostics, [], `${file}:\n${diagnostics.map((d) => `  ${d.where}: ${d.message}`).join('\n')}`);
  }
});
