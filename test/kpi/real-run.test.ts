import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { loadConfig, runScenarios } from '../../src/engine/index.ts';
import { prepareEnvironment } from '../../src/cli/environments.ts';
import { createSchemaValidator } from '../../src/contracts/validator.ts';
import { InfluxSink } from '../../src/sinks/influx.ts';
import { computeKpis, renderKpiTable } from '../../src/kpi/index.ts';

// The sandbox runs in this process: a loaded machine's event-loop stalls land inside the milestones'
// latencies, and a milestone missing in both runs of a channel would leave its KPI row without an SLA.
const SLA_MS = 10_000;
let influx: Influxd;
let sandbox: Sandbox;
let spoolDir: string;
before(async () => {
  influx = await startInfluxd();
  sandbox = await startSandbox({ port: 0, latency: { defaultMs: 5 }, retry: { maxAttempts: 3, baseMs: 50 } });
  spoolDir = mkdtempSync(join(tmpdir(), 'syncprobe-kpi-run-'));
});
after(async () => {
  await sandbox?.stop();
  await influx?.stop();
  rmSync(spoolDir, { recursive: true, force: true });
});

test('KPIs from a real run: order scenarios against the sandbox, written by the engine through the InfluxDB sink', async () => {
  const loaded = await loadConfig();
  const prepared = await prepareEnvironment(loaded, 'sandbox', { reuse: sandbox });
  const sink = new InfluxSink({ url: influx.database('run'), spoolDir, flushIntervalMs: 20, writeTimeoutMs: 10_000, pingTimeoutMs: 10_000, log: () => {} });
  await sink.start();
  const scenarios = ['order-to-notification/b2b', 'order-to-notification/marketplace'];
  const milestones = ['middleware.delivered', 'erp.created', 'erp.released', 'wms.allocated', 'wms.shipped', 'erp.shipmentConfirmed', 'notifications.shipped'];
  const result = await runScenarios({
    config: loaded,
    environment: 'sandbox',
    scenarios,
    systemsOverride: prepared.systemsOverride,
    sla: Object.fromEntries(milestones.map((m) => [m, SLA_MS])),
    polling: { initialMs: 5, factor: 1.5, maxMs: 50, graceFactor: 2 },
    validators: [createSchemaValidator()],
    sweep: false,
    repeat: 2,
    sinks: [sink],
  });
  await sink.stop();
  assert.equal(result.scenarios.length, 4);
  const milestonePoints = result.scenarios.reduce((n, s) => n + s.milestones.length, 0);
  assert.equal(sink.stats().written, milestonePoints + result.scenarios.length, 'every milestone and run point written');

  const report = await computeKpis({ influx: influx.database('run'), env: 'sandbox', since: '1h' });
  const byKey = new Map(report.kpis.map((k) => [`${k.kpi} ${k.scope}`, k]));

  // The KPI follows what the run measured: share of ERP creations within 2 min, per channel.
  for (const channel of ['b2b', 'marketplace']) {
    const runs = result.scenarios.filter((s) => s.tags.channel === channel);
    const within = runs.filter((s) => {
      const m = s.milestones.find((x) => x.name === 'erp.created');
      return m?.latencyMs != null && m.latencyMs <= 120_000;
    }).length;
    const row = byKey.get(`order-created channel=${channel}`);
    assert.ok(row, `order-created for ${channel}: ${JSON.stringify([...byKey.keys()])}`);
    assert.equal(row.samples, runs.length);
    assert.equal(row.value, Math.round((within / runs.length) * 100 * 1000) / 1000);
  }

  // Per milestone, channel and warehouse the p95 is judged against the SLA the points carry;
  // the verdict matches the run's own milestone statuses.
  for (const s of result.scenarios) {
    for (const m of s.milestones.filter((x) => x.name !== 'channel.accepted')) {
      const row = byKey.get(`milestone-latency milestone=${m.name} channel=${s.tags.channel} warehouse=${s.tags.warehouse}`);
      assert.ok(row, `${m.name} ${s.tags.channel}`);
      assert.equal(row.target, `p95 < ${SLA_MS} ms`);
      assert.equal(row.samples, 2);
      const same = result.scenarios.filter((x) => x.tags.channel === s.tags.channel).map((x) => x.milestones.find((y) => y.name === m.name)!);
      if (same.every((x) => x.status === 'met' && x.latencyMs! < SLA_MS * 0.8)) assert.equal(row.status, 'ok', `${m.name}: ${JSON.stringify(row)}`);
      if (same.every((x) => x.status === 'missing')) assert.equal(row.status, 'critical');
    }
  }
  assert.ok(!report.kpis.some((k) => k.scope.includes('channel.accepted')), 'the start milestone (latency 0) has no SLA clock to judge');

  const dataFailures = result.scenarios.flatMap((s) => s.milestones).filter((m) => m.failure?.class === 'data').length;
  const payloads = byKey.get('valid-payloads all')!;
  assert.equal(payloads.samples, milestonePoints);
  assert.equal(payloads.value, Math.round(((milestonePoints - dataFailures) / milestonePoints) * 100 * 1000) / 1000);

  // Nothing in this run reconciles or replays: reported as unknown with the reason, never as met.
  assert.equal(byKey.get('completeness all')!.status, 'unknown');
  assert.equal(byKey.get('replay-success all')!.status, 'unknown');
  assert.ok(['unknown', 'critical'].includes(report.status));

  const html = renderKpiTable(report, 'html');
  assert.match(html, /<td>order-created<\/td><td>channel=b2b<\/td>/);
  assert.match(renderKpiTable(report), /\| release-to-allocation \| warehouse=WH-EAST \|/);
});
