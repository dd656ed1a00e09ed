import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { mountEdiGateway, type MountedEdiGateway } from '../../sandbox/edi/mount.ts';
import { createPki, type Pki } from '../../sandbox/pki.ts';
import { runScenarios, type LoadedConfig, type SystemOverride } from '../../src/engine/index.ts';
import { referenceSystems } from '../../src/config/reference-stack.ts';
import { sandboxOverrides } from '../../src/cli/environments.ts';
import { ediSystem } from '../../src/edi/scenario.ts';
import shipped from '../../scenarios/edi-order.ts';
import { ediPoints, evaluateFileArrival } from '../../src/edi/index.ts';
import type { ScenarioResult } from '../../src/core/result.ts';
import type { Sink } from '../../src/core/outputs.ts';
import { InfluxSink } from '../../src/sinks/influx.ts';
import { startInfluxd } from '../support/influxd.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The EDI order scenario against the real sandbox with the gateway mounted in front of its
// middleware (b2b order channel), one run per milestone outcome and fault.
let sb: Sandbox;
let pki: Pki;
let gw: MountedEdiGateway;
const ediFaults = new Map<string, string>();
const MINUTE_MS = 300;

before(async () => {
  sb = await startSandbox({ latency: { defaultMs: 10 }, retry: { maxAttempts: 2, baseMs: 5 } });
  pki = await createPki();
  gw = await mountEdiGateway(sb, {
    tls: await pki.issueServerCert(),
    channelPath: '/channels/b2b/orders',
    faults: { get: (n) => ediFaults.get(n) },
    minuteMs: MINUTE_MS,
    followMs: 10,
  });
});
after(async () => {
  await gw?.stop();
  await sb?.stop();
  await pki?.cleanup();
});

// The scenario as shipped in scenarios/, so the tests prove what `syncprobe run` places.
const [scenario] = shipped;

async function run(faults: Record<string, string> = {}, sla: Record<string, number> = {}, graceFactor = 3, sinks: Sink[] = []): Promise<ScenarioResult> {
  ediFaults.clear();
  for (const [k, v] of Object.entries(faults)) ediFaults.set(k, v);
  const systems = { ...referenceSystems('v1'), edi: ediSystem({ partner: 'SYNTHPROBE' }) };
  const loaded: LoadedConfig = {
    file: '(test)',
    dir: process.cwd(),
    config: { environments: { 'sandbox-edi': { systems } } },
    marker: { customer: 'SYNTHETIC-PROBE', referencePrefix: 'SP-' },
    defaultEnvironment: 'sandbox-edi',
    scenarios: [{ definition: scenario, file: '(inline)' }],
  };
  const systemsOverride: Record<string, SystemOverride> = { ...sandboxOverrides(sb, Object.keys(systems)), edi: { baseUrl: gw.url, caPem: pki.caPem } };
  const res = await runScenarios({
    config: loaded,
    environment: 'sandbox-edi',
    systemsOverride,
    sweep: false,
    sinks,
    polling: { initialMs: 10, maxMs: 50, graceFactor },
    // Generous SLAs where a test expects 'met', so a busy machine does not turn them late.
    sla: { 'edi.acknowledged': 5000, 'erp.created': 5000, 'edi.poAcknowledged': 5000, 'wms.shipped': 5000, 'edi.asnReceived': 5000, ...sla },
  });
  ediFaults.clear();
  return res.scenarios[0]!;
}
const byName = (r: ScenarioResult) => Object.fromEntries(r.milestones.map((m) => [m.name, m]));

test('EDI order: 850 accepted, 997 accepted, ERP order created, 855, shipped, 856 matching the order; the PO is cancelled afterwards', async () => {
  const r = await run();
  const ms = byName(r);
  assert.deepEqual(r.milestones.map((m) => [m.name, m.system, m.status]), [
    ['edi.accepted', 'edi', 'met'],
    ['edi.acknowledged', 'edi', 'met'],
    ['erp.created', 'erp', 'met'],
    ['edi.poAcknowledged', 'edi', 'met'],
    ['wms.shipped', 'wms', 'met'],
    ['edi.asnReceived', 'edi', 'met'],
  ]);
  assert.equal(r.status, 'ok');
  assert.equal(r.tags.channel, 'edi');
  assert.equal(r.tags.warehouse, 'WH-EAST');
  for (const m of r.milestones.slice(1)) {
    assert.ok(m.latencyLowerMs! <= m.latencyUpperMs!, `${m.name} bounds`);
    assert.equal(typeof m.slaMs, 'number');
  }
  assert.equal(ms['edi.asnReceived']!.from, 'wms.shipped');
  assert.equal(r.cleanup?.status, 'done');
  const truth = sb.truth.events({ correlationId: r.correlationId }).map((e) => e.event);
  for (const e of ['edi.received', 'edi.ackSent', 'erp.created', 'edi.poAckSent', 'wms.shipped', 'edi.asnSent', 'erp.cancelled']) assert.ok(truth.includes(e), `${e} in ${truth.join(',')}`);
});

test('fault edi.ackRejected: the 997 milestone is a data failure naming the segment and element; the ERP never gets the order', async () => {
  const r = await run({ 'edi.ackRejected': '' }, { 'erp.created': 300 });
  const ms = byName(r);
  assert.equal(ms['edi.acknowledged']!.status, 'error');
  assert.equal(ms['edi.acknowledged']!.failure?.class, 'data');
  assert.match(ms['edi.acknowledged']!.failure!.reason, /segment PO1 at position \d+, element PO103 \(data element 355\): invalid code value "EA"/);
  assert.equal(ms['erp.created']!.status, 'missing');
  assert.match(ms['erp.created']!.failure!.reason, /translator rejected the 850/);
  assert.equal(ms['edi.poAcknowledged']!.status, 'missing');
  assert.equal(r.status, 'critical');
});

test('fault edi.noAck: the 997 milestone is missing with the reason; the order itself goes on', async () => {
  const r = await run({ 'edi.noAck': '' }, { 'edi.acknowledged': 300 });
  const ms = byName(r);
  assert.equal(ms['edi.acknowledged']!.status, 'missing');
  assert.equal(ms['edi.acknowledged']!.failure?.class, 'business');
  assert.match(ms['edi.acknowledged']!.failure!.reason, /no 997 functional acknowledgement for PO SP-/);
  assert.equal(ms['erp.created']!.status, 'met');
  assert.equal(ms['edi.asnReceived']!.status, 'met');
  assert.equal(r.status, 'critical');
  assert.equal(r.cleanup?.status, 'done');
});

test('fault edi.asnTotalsMismatch: the ASN milestone fails on control totals, naming what differs', async () => {
  const r = await run({ 'edi.asnTotalsMismatch': '' });
  const m = byName(r)['edi.asnReceived']!;
  assert.equal(m.status, 'error');
  assert.equal(m.failure?.class, 'data');
  assert.match(m.failure!.reason, /CTT02 hash total 5 differs from the sum of SN102 quantities 4/);
  assert.match(m.failure!.reason, /ships 2 EA of SKU-1001, expected 3 EA/);
  assert.equal(byName(r)['wms.shipped']!.status, 'met');
});

test('fault edi.lateFile: acknowledgements and ASNs arrive after their SLA: late milestones, a degraded run', async () => {
  // One "minute" is 300 ms here and the SLAs 150 ms: a file one minute late is after its SLA, and the
  // wide grace window (20 x SLA) keeps it late rather than missing.
  const r = await run({ 'edi.lateFile': '1' }, { 'edi.acknowledged': 150, 'edi.poAcknowledged': 150, 'edi.asnReceived': 150 }, 20);
  const ms = byName(r);
  assert.equal(ms['edi.acknowledged']!.status, 'late');
  assert.ok(ms['edi.acknowledged']!.latencyLowerMs! > 150);
  assert.equal(ms['edi.asnReceived']!.status, 'late');
  assert.equal(ms['erp.created']!.status, 'met');
  assert.equal(r.status, 'warning');
});

test('the EDI scenario lands in InfluxDB like the other channels: milestone and scenario_run points tagged channel=edi', async (t) => {
  const influx = await startInfluxd();
  t.after(() => influx.stop());
  const spoolDir = mkdtempSync(join(tmpdir(), 'syncprobe-edi-spool-'));
  t.after(() => rmSync(spoolDir, { recursive: true, force: true }));
  const sink = new InfluxSink({ url: influx.database('edi'), spoolDir, flushIntervalMs: 20, log: () => undefined });
  await sink.start();
  const r = await run({ 'edi.asnTotalsMismatch': '' }, {}, 3, [sink]);
  // A check's points go the same way: a late file for partner SYNTHPROBE.
  const late = evaluateFileArrival({ partner: 'SYNTHPROBE', folder: gw.outbox, pattern: '856_*', window: { by: '2026-12-03T06:00:00Z' } }, [{ name: '856_SYNTHPROBE_1.x12', mtimeMs: Date.parse('2026-12-03T06:07:00Z'), size: 10 }], new Date('2026-12-03T07:00:00Z'));
  sink.add(ediPoints('edi-file-arrival', late, { environment: 'sandbox-edi', probe: 'asn-file', at: Date.parse('2026-12-03T07:00:00Z') }));
  await sink.stop();
  assert.equal(sink.stats().written, r.milestones.length + 2);
  const checks = await influx.query(`SELECT status, status_code, late_minutes, problems FROM edi_check WHERE partner = 'SYNTHPROBE'`, 'edi');
  assert.deepEqual(checks.results[0]?.series?.[0]?.values.map((v) => v.slice(1)), [['warning', 1, 7, 'edi.fileLate']]);
  const ms = await influx.query(`SELECT latency_ms, correlation_id FROM milestone WHERE channel = 'edi' GROUP BY milestone, status, class`, 'edi');
  const series = ms.results[0]?.series ?? [];
  const seen = Object.fromEntries(series.map((s) => [s.tags!.milestone, [s.tags!.status, s.tags!.class ?? '']]));
  assert.deepEqual(seen, {
    'edi.accepted': ['met', ''],
    'edi.acknowledged': ['met', ''],
    'erp.created': ['met', ''],
    'edi.poAcknowledged': ['met', ''],
    'wms.shipped': ['met', ''],
    'edi.asnReceived': ['error', 'data'],
  });
  assert.ok(series.every((s) => s.values[0]![2] === r.correlationId));
  const runs = await influx.query(`SELECT milestones_failed FROM scenario_run WHERE channel = 'edi' AND status = 'critical'`, 'edi');
  assert.deepEqual(runs.results[0]?.series?.[0]?.values.map((v) => v[1]), [1]);
});
