import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { InfluxSink } from '../../src/sinks/influx.ts';
import { scenarioToPoints } from '../../src/sinks/points.ts';
import { reconcile, reconciliationOutcome } from '../../src/scheduler/checks/reconciliation.ts';
import { backlogOutcome, evaluateBacklog } from '../../src/scheduler/checks/backlog.ts';
import { computeKpis, type KpiReport } from '../../src/kpi/index.ts';
import type { MilestoneResult, ScenarioResult } from '../../src/core/result.ts';
import type { Point } from '../../src/core/outputs.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/syncprobe.js', import.meta.url));
const HOUR = 3_600_000;
const SLA = { 'erp.created': 120_000, 'wms.allocated': 300_000, 'notifications.shipped': 600_000 } as const;

let influx: Influxd;
let spoolDir: string;
before(async () => {
  influx = await startInfluxd();
  spoolDir = mkdtempSync(join(tmpdir(), 'syncprobe-kpi-spool-'));
});
after(async () => {
  await influx?.stop();
  rmSync(spoolDir, { recursive: true, force: true });
});

interface Spec {
  channel: string;
  warehouse: string;
  env: string;
  startedAt: number;
  created?: number | null;
  allocated?: number | null;
  notified?: number | null;
  notifiedClass?: 'data';
}

/** An order-to-notification result as the engine reports one; `null` latency = never observed. */
function order(s: Spec, i: number): ScenarioResult {
  const ms = (name: keyof typeof SLA, system: string, latency: number | null | undefined, failClass?: 'data'): MilestoneResult => {
    const lat = latency === undefined ? 1000 : latency;
    const status = lat === null ? 'missing' : failClass ? 'error' : lat <= SLA[name] ? 'met' : 'late';
    return {
      name,
      system,
      status,
      latencyMs: lat,
      latencyLowerMs: lat === null ? null : lat - 5,
      latencyUpperMs: lat === null ? null : lat + 5,
      slaMs: SLA[name],
      ...(lat !== null ? { observedAt: new Date(s.startedAt + lat).toISOString() } : {}),
      ...(status !== 'met' ? { failure: { class: failClass ?? 'business', reason: `${name} ${status}` } } : {}),
    };
  };
  const milestones: MilestoneResult[] = [
    { name: 'channel.accepted', system: 'middleware', status: 'met', latencyMs: 0, latencyLowerMs: 0, latencyUpperMs: 0, slaMs: 60_000, observedAt: new Date(s.startedAt).toISOString() },
    ms('erp.created', 'erp', s.created),
    ms('wms.allocated', 'wms', s.allocated),
    ms('notifications.shipped', 'notifications', s.notified, s.notifiedClass),
  ];
  return {
    name: `order-to-notification/${s.channel}`,
    status: milestones.every((m) => m.status === 'met') ? 'ok' : 'critical',
    correlationId: `kpi-${s.env}-${s.channel}-${i}`,
    tags: { channel: s.channel, warehouse: s.warehouse, environment: s.env, flow: 'order' },
    startedAt: new Date(s.startedAt).toISOString(),
    durationMs: 800_000,
    milestones,
  };
}

async function write(db: string, points: Point[]): Promise<void> {
  // A 2 s ping missed during a stall of the loaded machine would leave the points spooled at stop.
  const sink = new InfluxSink({ url: influx.database(db), spoolDir, flushIntervalMs: 20, writeTimeoutMs: 10_000, pingTimeoutMs: 10_000, log: () => {} });
  await sink.start();
  sink.add(points);
  await sink.stop();
  assert.equal(sink.stats().written, points.length, 'every point written');
}

const row = (r: KpiReport, kpi: string, scope: string) => {
  const found = r.kpis.find((k) => k.kpi === kpi && k.scope === scope);
  assert.ok(found, `no ${kpi} ${scope} in ${JSON.stringify(r.kpis.map((k) => `${k.kpi} ${k.scope}`))}`);
  return found;
};

test('KPIs from points written by the real mappers: per channel, warehouse and milestone, env and window respected', async () => {
  const now = Date.now();
  const results: ScenarioResult[] = [];
  // b2b from WH-EAST: healthy; one notification whose payload failed validation (class data).
  for (let i = 0; i < 20; i++) results.push(order({ channel: 'b2b', warehouse: 'WH-EAST', env: 'prod', startedAt: now - HOUR - i * 60_000, created: 30_000, allocated: 60_000, notified: 100_000, ...(i === 3 ? { notifiedClass: 'data' as const } : {}) }, i));
  // marketplace from WH-WEST: 2 of 10 orders created late, allocation close to its limit.
  for (let i = 0; i < 10; i++) results.push(order({ channel: 'marketplace', warehouse: 'WH-WEST', env: 'prod', startedAt: now - 2 * HOUR - i * 60_000, created: i < 2 ? 200_000 : 30_000, allocated: 250_000, notified: 100_000 }, i));
  // another environment and an older day: must not count for prod over 24 h
  for (let i = 0; i < 5; i++) results.push(order({ channel: 'b2b', warehouse: 'WH-EAST', env: 'staging', startedAt: now - HOUR - i * 60_000, created: null }, i));
  for (let i = 0; i < 5; i++) results.push(order({ channel: 'edi', warehouse: 'WH-EAST', env: 'prod', startedAt: now - 48 * HOUR - i * 60_000, created: null }, i));

  const points = results.flatMap((r) => scenarioToPoints(r));
  points.push(...reconciliationOutcome('recon', 'prod', reconcile([{ channel: 'b2b', expected: 1000, posted: 999, missing: ['PO-77'] }]), 'order', now - 3 * HOUR).points);
  points.push(...reconciliationOutcome('recon', 'prod', reconcile([{ channel: 'b2b', expected: 1000, posted: 1000, missing: [] }, { channel: 'edi', expected: 200, posted: 198, missing: ['PO-1', 'PO-2'] }]), 'order', now - 2 * HOUR).points);
  points.push(...backlogOutcome('backlog', 'prod', evaluateBacklog([{ at: now - HOUR, flow: 'order', queueDepth: 2, dlqDepth: 0, unacknowledgedOutbound: 0 }]), now - HOUR).points);
  await write('kpis', points);

  const report = await computeKpis({ influx: influx.database('kpis'), env: 'prod' });
  assert.equal(report.source.since, '24h');
  assert.deepEqual(
    { status: row(report, 'order-created', 'channel=b2b').status, value: row(report, 'order-created', 'channel=b2b').value, samples: row(report, 'order-created', 'channel=b2b').samples },
    { status: 'ok', value: 100, samples: 20 },
  );
  const mkt = row(report, 'order-created', 'channel=marketplace');
  assert.deepEqual([mkt.status, mkt.value, mkt.samples], ['critical', 80, 10]);
  assert.match(mkt.reason!, /8 of 10 orders created in the ERP within 120000 ms/);
  assert.ok(!report.kpis.some((k) => k.scope.includes('edi') && k.kpi !== 'completeness'), 'the older day stays out of the window');

  assert.deepEqual([row(report, 'release-to-allocation', 'warehouse=WH-EAST').status, row(report, 'release-to-allocation', 'warehouse=WH-EAST').value], ['ok', 60_000]);
  assert.deepEqual([row(report, 'release-to-allocation', 'warehouse=WH-WEST').status, row(report, 'release-to-allocation', 'warehouse=WH-WEST').value], ['warning', 250_000]);
  assert.deepEqual([row(report, 'shipment-to-notification', 'channel=b2b').status, row(report, 'shipment-to-notification', 'channel=b2b').samples], ['ok', 20]);

  // nearest-rank p95 of eight 30 s and two 200 s creations is 200 s: over the 120 s SLA
  const lateCreated = row(report, 'milestone-latency', 'milestone=erp.created channel=marketplace warehouse=WH-WEST');
  assert.deepEqual([lateCreated.status, lateCreated.value, lateCreated.target], ['critical', 200_000, 'p95 < 120000 ms']);
  assert.equal(row(report, 'milestone-latency', 'milestone=wms.allocated channel=marketplace warehouse=WH-WEST').status, 'warning');
  assert.equal(row(report, 'milestone-latency', 'milestone=erp.created channel=b2b warehouse=WH-EAST').status, 'ok');
  assert.ok(!report.kpis.some((k) => k.scope.includes('channel.accepted')), 'the start milestone has no SLA clock to judge');

  const b2b = row(report, 'completeness', 'flow=order channel=b2b');
  assert.deepEqual([b2b.status, b2b.value, b2b.samples], ['ok', 0.05, 2000]);
  const edi = row(report, 'completeness', 'flow=order channel=edi');
  assert.deepEqual([edi.status, edi.value], ['critical', 1]);

  // 120 milestone points in prod today, one failing with class data
  const payloads = row(report, 'valid-payloads', 'all');
  assert.deepEqual([payloads.status, payloads.value, payloads.samples], ['critical', 99.167, 120]);

  const replay = row(report, 'replay-success', 'all');
  assert.equal(replay.status, 'unknown');
  assert.match(replay.reason!, /no replay counts written/);
  assert.equal(report.status, 'critical');
  assert.ok(report.problems.some((p) => p.code === 'kpi_target_missed' && /order-created channel=marketplace/.test(p.message)));

  // a wider window brings the older day in: edi orders never created
  const week = await computeKpis({ influx: influx.database('kpis'), env: 'prod', since: '7d', only: ['order-created'] });
  const ediWeek = row(week, 'order-created', 'channel=edi');
  assert.deepEqual([ediWeek.status, ediWeek.value, ediWeek.samples], ['critical', 0, 5]);

  const staging = await computeKpis({ influx: influx.database('kpis'), env: 'staging', only: ['order-created', 'completeness'] });
  assert.deepEqual(staging.kpis.map((k) => [k.kpi, k.scope, k.status, k.value]), [
    ['order-created', 'channel=b2b', 'critical', 0],
    ['completeness', 'all', 'unknown', null],
  ]);
});

test('replay success from backlog replay counts; unreachable InfluxDB and a wrong database are critical with the reason', async () => {
  const now = Date.now();
  await write('replays', [
    { measurement: 'backlog', tags: { flow: 'order', env: 'prod' }, fields: { queue_depth: 0, dlq_depth: 1, replays: 30, replays_succeeded: 30 }, timestamp: now - 2 * HOUR },
    { measurement: 'backlog', tags: { flow: 'order', env: 'prod' }, fields: { queue_depth: 0, dlq_depth: 1, replays: 20, replays_succeeded: 19 }, timestamp: now - HOUR },
  ]);
  const r = await computeKpis({ influx: influx.database('replays'), env: 'prod', only: ['replay-success'] });
  assert.deepEqual(r.kpis.map((k) => [k.kpi, k.status, k.value, k.samples]), [['replay-success', 'critical', 98, 50]]);
  assert.equal(r.status, 'critical');

  const wrongDb = await computeKpis({ influx: influx.database('no_such_db') });
  assert.equal(wrongDb.status, 'critical');
  assert.deepEqual(wrongDb.kpis, []);
  assert.match(wrongDb.problems[0]!.message, /has no database 'no_such_db'/);

  // A port nothing listens on: port 2 is privileged and never handed out as an ephemeral port, so
  // no other server started meanwhile can take it (the closed port of a stopped server could be).
  const down = await computeKpis({ influx: 'http://reader:kpi-reader-pw-93@127.0.0.1:2/kpis', timeoutMs: 10_000 });
  assert.equal(down.status, 'critical');
  assert.ok(!JSON.stringify(down).includes('kpi-reader-pw-93'), 'the password never appears in the report');
  assert.match(down.source.influx, /reader:\[redacted\]@/);
  assert.equal(down.problems[0]!.code, 'kpi_source_unreachable');
  assert.match(down.problems[0]!.message, /cannot be reached: ECONNREFUSED/);
});

test('syncprobe kpi: JSON on stdout, exit code from the verdicts, bad arguments exit 3 naming the flag', async () => {
  const now = Date.now();
  await write('cli', results(now).flatMap((r) => scenarioToPoints(r)));
  const ok = await run(process.execPath, [bin, 'kpi', '--influx', influx.database('cli'), '--env', 'prod', '--kpi', 'order-created', '--kpi', 'release-to-allocation', '--json']);
  const doc = JSON.parse(ok.stdout) as KpiReport;
  assert.equal(doc.status, 'ok');
  assert.deepEqual(doc.kpis.map((k) => [k.kpi, k.scope, k.status]), [
    ['order-created', 'channel=b2b', 'ok'],
    ['release-to-allocation', 'warehouse=WH-EAST', 'ok'],
  ]);
  assert.match(ok.stderr, /\| order-created \| channel=b2b \| 100% \|/);

  const warn = await run(process.execPath, [bin, 'kpi', '--influx', influx.database('cli'), '--env', 'prod', '--kpi', 'release-to-allocation', '--target', 'releaseToAllocation.warnAt=50000', '--json']).catch((e: { code: number; stdout: string }) => e);
  assert.equal((warn as { code: number }).code, 1);
  assert.equal((JSON.parse(warn.stdout) as KpiReport).kpis[0]!.status, 'warning');

  const missed = await run(process.execPath, [bin, 'kpi', '--influx', influx.database('cli'), '--env', 'prod', '--kpi', 'order-created', '--target', 'orderCreated.withinMs=10000']).catch((e: { code: number; stdout: string; stderr: string }) => e);
  assert.equal((missed as { code: number }).code, 2);
  assert.equal(missed.stdout, '', 'nothing on stdout without --json');

  for (const [args, pattern] of [
    [['--since', 'yesterday'], /--since: 'yesterday' is not a duration/],
    [['--kpi', 'uptime'], /--kpi: unknown KPI 'uptime'/],
    [['--target', 'orderCreated.min=99'], /orderCreated: need 0 <= min \(99\) <= warnBelow \(97\)/],
  ] as const) {
    const bad = (await run(process.execPath, [bin, 'kpi', '--influx', influx.database('cli'), ...args, '--json']).catch((e) => e)) as { code: number; stdout: string; stderr: string };
    assert.equal(bad.code, 3, args.join(' '));
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, pattern);
  }
  const noDbInUrl = (await run(process.execPath, [bin, 'kpi', '--influx', influx.url]).catch((e) => e)) as { code: number; stderr: string };
  assert.equal(noDbInUrl.code, 3);
  assert.match(noDbInUrl.stderr, /--influx: .*must name exactly one database/);
});

test('syncprobe kpi: targets from the config file (kpi.targets) over the defaults, flags over both; bad ones exit 3 naming the file and field', async (t) => {
  const now = Date.now();
  await write('cfg', results(now).flatMap((r) => scenarioToPoints(r)));
  // No package.json here, as in a project that is not ESM: the .ts config must load all the same.
  const dir = mkdtempSync(join(tmpdir(), 'syncprobe-kpi-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (name: string, kpi: unknown) => {
    const file = join(dir, `${name}.config.ts`);
    const doc = { environments: { prod: { systems: { erp: { baseUrl: 'https://erp.example.test' } } } }, scenarios: [], sinks: { influx: influx.database('cfg') }, kpi };
    writeFileSync(file, `export default ${JSON.stringify(doc)};\n`);
    return file;
  };
  const kpi = (file: string, ...extra: string[]) =>
    run(process.execPath, [bin, 'kpi', '--config', file, '--env', 'prod', '--kpi', 'release-to-allocation', '--json', ...extra]).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  // Allocation takes 60 s in these runs: the default warning margin (240 s) is far, the config's (50 s) is passed.
  const strict = config('strict', { targets: { releaseToAllocation: { warnAt: 50_000 } } });
  const fromConfig = await kpi(strict);
  assert.equal(fromConfig.code, 1, fromConfig.stderr);
  const doc = JSON.parse(fromConfig.stdout) as KpiReport;
  assert.equal(doc.kpis[0]!.status, 'warning');
  assert.match(doc.kpis[0]!.target, /300000/);
  const flagWins = await kpi(strict, '--target', 'releaseToAllocation.warnAt=240000');
  assert.equal(flagWins.code, 0, flagWins.stderr);

  for (const [name, targets, pattern] of [
    ['margin', { orderCreated: { min: 99 } }, /kpi\.targets.*orderCreated: need 0 <= min \(99\) <= warnBelow \(97\)/],
    ['unknown', { orderCreated: { minimum: 90 } }, /kpi\.targets.*unknown KPI target 'orderCreated\.minimum'/],
    ['shape', { orderCreated: 90 }, /kpi\.targets\.orderCreated.*expected an object of fields/],
    ['value', { orderCreated: { min: true } }, /kpi\.targets\.orderCreated\.min.*expected a number/],
  ] as const) {
    const file = config(name, { targets });
    const bad = await kpi(file);
    assert.equal(bad.code, 3, `${name}: ${bad.stderr}`);
    assert.equal(bad.stdout, '', name);
    assert.ok(bad.stderr.includes(file), `${name} names the file: ${bad.stderr}`);
    assert.match(bad.stderr, pattern);
  }
});

function results(now: number): ScenarioResult[] {
  return Array.from({ length: 4 }, (_, i) => order({ channel: 'b2b', warehouse: 'WH-EAST', env: 'prod', startedAt: now - HOUR - i * 60_000, created: 30_000, allocated: 60_000, notified: 100_000 }, i));
}
