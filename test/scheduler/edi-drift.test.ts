import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig, type LoadedConfig } from '../../src/engine/index.ts';
import { prepareEnvironment, type PreparedEnvironment } from '../../src/cli/environments.ts';
import { BUILTIN_CHECKS, jobFactory, type JobDeps } from '../../src/scheduler/jobs.ts';
import { validateProbes } from '../../src/scheduler/validate.ts';
import type { ProbeOutcome } from '../../src/scheduler/outcome.ts';
import type { ProbeDefinition } from '../../src/scheduler/probe.ts';
import { JsonLinesSink, probe } from './support.ts';

// Scenario probes with live drift checks and EDI check probes, through the job factory against the
// real embedded sandbox (its EDI gateway included).
let loaded: LoadedConfig;
let env: PreparedEnvironment;
// Runs that must pass get SLAs that outlast a stall of the loaded machine (the sandbox runs in this
// process, so a stall lands inside the milestones' latencies); runs made to fail get short ones, so
// the milestones missing in their wake are called soon.
const SLA = 10_000;
const FAULT_SLA = 1500;

before(async () => {
  loaded = await loadConfig();
  env = await prepareEnvironment(loaded, 'sandbox', { latencyMs: 20 });
});
after(async () => {
  await env?.stop();
});

function deps(over: Partial<JobDeps> = {}, slaMs = SLA): JobDeps {
  const sla: Record<string, number> = {};
  for (const s of loaded.scenarios) for (const m of s.definition.milestones) sla[m.name] = slaMs;
  return { config: loaded, overrides: { sandbox: env.systemsOverride }, runOverrides: { sla, polling: { initialMs: 10, maxMs: 50 } }, log: () => {}, ...over };
}

let runs = 0;
async function runJob(jobs: ReturnType<typeof jobFactory>, p: ProbeDefinition, sink = new JsonLinesSink()): Promise<{ outcome: ProbeOutcome; sink: JsonLinesSink }> {
  // A slot of its own per run, as the daemon gives: the key names the transaction (its correlation id),
  // so two runs sharing one would be the same order to the sandbox.
  const n = ++runs;
  const scheduledAt = new Date(Date.UTC(2026, 0, 1, 0, n));
  const ctx = { signal: new AbortController().signal, probe: p, runId: `${p.name}-${n}`, idempotencyKey: `${p.name}@${scheduledAt.toISOString()}`, scheduledAt, source: 'schedule' as const, sinks: [sink] };
  return { outcome: await jobs(p)(ctx), sink };
}

const ackProbe = (options: Record<string, unknown>) =>
  probe({ name: 'edi-997', scenario: undefined, check: { type: 'edi-ack', options }, environment: 'sandbox' });

test('the EDI check types are built-in checks a probe may name', () => {
  for (const t of ['edi-ack', 'edi-file-arrival']) assert.ok((BUILTIN_CHECKS as readonly string[]).includes(t), t);
  const problems = validateProbes([{ probe: ackProbe({ partner: 'SYNTHPROBE', folder: '/x' }), file: 'probes/edi.ts' }], { scenarios: ['edi-order/WH-EAST'], checks: BUILTIN_CHECKS, environments: ['sandbox'] });
  assert.deepEqual(problems, []);
});

test('a healthy scenario probe runs with live drift checks on and writes no drift point', async () => {
  const jobs = jobFactory(deps());
  const { outcome, sink } = await runJob(jobs, probe({ name: 'orders-b2b', scenario: 'order-to-notification/b2b', environment: 'sandbox' }));
  assert.equal(outcome.status, 'ok', JSON.stringify(outcome.results));
  assert.equal(sink.all().filter((p) => p.measurement === 'contract_drift').length, 0);
  assert.ok(sink.all().some((p) => p.measurement === 'milestone'), 'the engine wrote its milestone points to the run sinks');
});

/** A b2b order probe during which the ERP switches to its v2 representation once the order exists in it. */
async function orderWithErpSwitch(d: JobDeps): Promise<{ outcome: ProbeOutcome; sink: JsonLinesSink }> {
  const sb = env.sandbox!;
  sb.latency.set({ defaultMs: 100 });
  // The release comes 100 ms after the order is created, and every ERP read from the switch on is v2.
  let switched = false;
  const watcher = setInterval(() => {
    if (!switched && sb.truth.events({ event: 'erp.created' }).length > 0) {
      sb.faults.set('erp.version', 'v2');
      switched = true;
    }
  }, 2);
  try {
    sb.truth.clear();
    const r = await runJob(jobFactory(d), probe({ name: 'orders-b2b', scenario: 'order-to-notification/b2b', environment: 'sandbox' }));
    assert.ok(switched, 'the ERP order was created and the ERP switched');
    return r;
  } finally {
    clearInterval(watcher);
    sb.faults.clear('erp.version');
    sb.latency.set({ defaultMs: 20 });
  }
}

test('the ERP switching to its v2 representation mid-run: breaking drift fails the probe and lands as contract_drift points of that environment', async () => {
  const { outcome, sink } = await orderWithErpSwitch(deps({}, FAULT_SLA));
  const drift = sink.all().filter((p) => p.measurement === 'contract_drift');
  assert.ok(drift.length > 0, 'drift points written');
  for (const p of drift) assert.deepEqual({ api: p.tags.api, env: p.tags.env }, { api: 'erp', env: 'sandbox' });
  assert.ok(drift.some((p) => p.tags.severity === 'breaking' && /externalReference/.test(String(p.fields.message))), JSON.stringify(drift.map((p) => p.fields.message)));
  assert.equal(outcome.status, 'critical');
  assert.ok(outcome.results.some((r) => /drift|externalReference/.test(r.reason ?? '')), JSON.stringify(outcome.results));
});

test('validate: false leaves drift checks off: the same switch writes no drift point', async () => {
  const { outcome, sink } = await orderWithErpSwitch(deps({ validate: false }, FAULT_SLA));
  assert.equal(sink.all().filter((p) => p.measurement === 'contract_drift').length, 0);
  assert.ok(sink.all().some((p) => p.measurement === 'milestone'));
  assert.ok(!outcome.results.some((r) => /drift/.test(r.reason ?? '')), JSON.stringify(outcome.results));
});

test('EDI: the order scenario through the sandbox gateway, then the 997 probe over its outbox: accepted, then a rejected 850 turns it critical', async () => {
  const sb = env.sandbox!;
  const jobs = jobFactory(deps());
  const folder = join(sb.edi.outbox, '{partner}');
  const order = probe({ name: 'edi-order', scenario: 'edi-order/WH-EAST', environment: 'sandbox' });
  const ok = await runJob(jobs, order);
  assert.equal(ok.outcome.status, 'ok', JSON.stringify(ok.outcome.results));

  const acks = ackProbe({ partner: 'SYNTHPROBE', folder, sinceMinutes: 15 });
  const first = await runJob(jobs, acks);
  assert.equal(first.outcome.status, 'ok', JSON.stringify(first.outcome.check));
  assert.equal(first.outcome.check?.acks, 1);
  assert.equal(first.outcome.check?.accepted, 1);
  const [point] = first.outcome.points;
  assert.equal(first.outcome.points.length, 1);
  assert.equal(point!.measurement, 'edi_check');
  assert.deepEqual(point!.tags, { check: 'edi-ack', env: 'sandbox', partner: 'SYNTHPROBE', probe: 'edi-997' });
  assert.deepEqual({ status: point!.fields.status, acks: point!.fields.acks, accepted: point!.fields.accepted, rejected: point!.fields.rejected }, { status: 'ok', acks: 1, accepted: 1, rejected: 0 });

  sb.faults.set('edi.ackRejected');
  try {
    const rejected = await runJob(jobFactory(deps({}, FAULT_SLA)), order);
    assert.equal(rejected.outcome.status, 'critical');
  } finally {
    sb.faults.clear('edi.ackRejected');
  }
  const second = await runJob(jobs, acks);
  assert.equal(second.outcome.status, 'critical');
  assert.equal(second.outcome.check?.rejected, 1);
  assert.match(second.outcome.results[0]!.reason!, /edi\.ackRejected: SYNTHPROBE: 997_SYNTHPROBE_\d+\.x12: .*segment PO1 at position \d+, element PO103/);
  assert.equal(second.outcome.points[0]!.fields.status_code, 2);
});

test('EDI check probe with bad options: unknown, naming every wrong field; a folder that is not there: critical', async () => {
  const jobs = jobFactory(deps());
  const bad = await runJob(jobs, ackProbe({ folder: '', sinceMinutes: -5 }));
  assert.equal(bad.outcome.status, 'unknown');
  assert.match(bad.outcome.results[0]!.reason!, /check\.options\.partner: expected a non-empty string/);
  assert.match(bad.outcome.results[0]!.reason!, /check\.options\.folder: expected a non-empty string/);
  assert.match(bad.outcome.results[0]!.reason!, /check\.options\.sinceMinutes: expected a number of minutes > 0, got -5/);

  const arrival = probe({ name: 'edi-asn-file', scenario: undefined, check: { type: 'edi-file-arrival', options: { partner: 'ACME', folder: join(env.sandbox!.edi.dropDir, 'no-such-dir'), pattern: '856_*', window: { by: '06:00' } } }, environment: 'sandbox' });
  const missing = await runJob(jobs, arrival);
  assert.equal(missing.outcome.status, 'critical');
  assert.match(missing.outcome.results[0]!.reason!, /edi\.folderUnreadable/);
  assert.equal(missing.outcome.points[0]!.tags.check, 'edi-file-arrival');
});
