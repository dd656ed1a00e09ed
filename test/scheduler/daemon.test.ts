import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon } from '../../src/scheduler/daemon.ts';
import { IntervalTicks } from '../../src/scheduler/ticks.ts';
import { Ledger, slotKey } from '../../src/scheduler/ledger.ts';
import { startHealthServer } from '../../src/scheduler/health.ts';
import type { ProbeJob } from '../../src/scheduler/outcome.ts';
import { Alerter } from '../../src/alerting/alerter.ts';
import { Outbox } from '../../src/alerting/outbox.ts';
import { resolveChannels } from '../../src/alerting/channels/registry.ts';
import { startReceiver, until } from '../alerting/receiver.ts';
import { JsonLinesSink, aborted, ok, probe, sleep } from './support.ts';

function tmp(t: { after: (fn: () => unknown) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'sp-sched-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const quiet = () => {};

test('a hanging probe is timed out, its cleanup runs, overlapping ticks are skipped and the next run happens', async (t) => {
  const sink = new JsonLinesSink();
  const events: string[] = [];
  let calls = 0;
  const job: ProbeJob = async ({ signal, runId }) => {
    calls++;
    if (calls === 1) {
      events.push(`hang ${runId}`);
      await aborted(signal); // hangs until the per-run timeout aborts it
      events.push(`cleanup ${signal.reason?.name}`);
      return { status: 'critical', results: [], points: [], cleanup: 'done' };
    }
    events.push('second run');
    return ok();
  };
  const daemon = new Daemon({ probes: [probe({ name: 'hang', timeoutMs: 80 })], jobFor: () => job, ticks: new IntervalTicks(25), sinks: [sink], log: quiet, healthIntervalMs: 0 });
  t.after(() => daemon.stop(1000));
  await daemon.start();
  await until(() => daemon.snapshot().probes[0]!.runs >= 2, 30_000, 'a second run');
  const s = daemon.snapshot().probes[0]!;
  assert.deepEqual(events.slice(0, 3).map((e) => e.split(' ')[0]), ['hang', 'cleanup', 'second']);
  assert.equal(events[1], 'cleanup TimeoutError');
  assert.equal(s.timeouts, 1);
  assert.ok(s.skipped.overlap >= 1, 'ticks during the hanging run were skipped');
  const runs = sink.all().filter((p) => p.measurement === 'probe_run');
  const timedOut = runs.find((p) => p.fields.timed_out === true)!;
  assert.equal(timedOut.tags.outcome, 'critical');
  assert.equal(timedOut.fields.cleanup, 'done');
  const skipped = runs.filter((p) => p.tags.outcome === 'skipped');
  assert.equal(skipped.length, s.skipped.overlap);
  assert.ok(skipped.every((p) => p.tags.reason === 'overlap' && p.fields.skipped === 1));
});

test('a probe that ignores its abort is abandoned after the grace period and the schedule goes on', async (t) => {
  let calls = 0;
  const job: ProbeJob = async () => {
    calls++;
    if (calls === 1) await new Promise(() => {}); // never settles, ignores the signal
    return ok();
  };
  const sink = new JsonLinesSink();
  const daemon = new Daemon({ probes: [probe({ name: 'stuck', timeoutMs: 30 })], jobFor: () => job, ticks: new IntervalTicks(20), abandonAfterMs: 30, sinks: [sink], log: quiet, healthIntervalMs: 0 });
  t.after(() => daemon.stop(100));
  await daemon.start();
  await until(() => daemon.snapshot().probes[0]!.runs >= 2, 30_000, 'a run after the abandoned one');
  const s = daemon.snapshot().probes[0]!;
  assert.equal(s.timeouts, 1);
  assert.ok(calls >= 2);
  assert.equal(s.lastRun!.abandoned, false);
  const first = sink.all().find((p) => p.measurement === 'probe_run' && p.tags.outcome !== 'skipped')!;
  assert.deepEqual([first.fields.timed_out, first.fields.abandoned, first.tags.outcome], [true, true, 'critical']);
});

test('kill switch: no write probe starts after the switch is on; read-only checks continue', async (t) => {
  const dir = tmp(t);
  const killFile = join(dir, 'KILL');
  const starts: Array<{ probe: string; at: number }> = [];
  const job: ProbeJob = async ({ probe: p }) => {
    starts.push({ probe: p.name, at: Date.now() });
    return ok();
  };
  const daemon = new Daemon({
    probes: [probe({ name: 'orders' }), probe({ name: 'tls', scenario: undefined, check: { type: 'tls' } })],
    jobFor: () => job,
    ticks: new IntervalTicks(15),
    killSwitch: { file: killFile },
    log: quiet,
    healthIntervalMs: 0,
  });
  t.after(() => daemon.stop(1000));
  await daemon.start();
  await until(() => starts.filter((s) => s.probe === 'orders').length >= 2, 30_000, 'write probe runs');
  writeFileSync(killFile, 'cutover');
  const switchedAt = Date.now();
  await until(() => starts.filter((s) => s.probe === 'tls' && s.at > switchedAt).length >= 3, 30_000, 'read-only runs after the switch');
  assert.deepEqual(starts.filter((s) => s.probe === 'orders' && s.at > switchedAt), []);
  const snap = daemon.snapshot();
  assert.equal(snap.killSwitch.on, true);
  assert.ok(snap.probes.find((p) => p.name === 'orders')!.skipped.kill_switch >= 2);
  assert.equal(snap.probes.find((p) => p.name === 'tls')!.skipped.kill_switch, 0);
  // off again: write probes resume on the next tick
  rmSync(killFile);
  const offAt = Date.now();
  await until(() => starts.some((s) => s.probe === 'orders' && s.at > offAt), 30_000, 'write probe after the switch is off');
});

test('global concurrency limit holds across probes', async (t) => {
  let now = 0;
  let max = 0;
  const job: ProbeJob = async () => {
    now++;
    max = Math.max(max, now);
    await sleep(15);
    now--;
    return ok();
  };
  const daemon = new Daemon({ probes: ['a', 'b', 'c', 'd'].map((name) => probe({ name })), jobFor: () => job, ticks: new IntervalTicks(10), concurrency: 2, log: quiet, healthIntervalMs: 0 });
  t.after(() => daemon.stop(1000));
  await daemon.start();
  await until(() => daemon.snapshot().probes.every((p) => p.runs >= 2), 30_000, 'every probe ran twice');
  assert.equal(max, 2);
});

test('idempotency: a slot runs once, also across a restart; unfinished runs go to the orphan sweep', async (t) => {
  const dir = tmp(t);
  const slot = new Date('2026-12-03T10:00:00Z');
  const placed: string[] = [];
  const job: ProbeJob = async ({ idempotencyKey }) => {
    placed.push(idempotencyKey);
    return ok();
  };
  const p = probe({ name: 'orders' });
  const first = new Daemon({ probes: [p], jobFor: () => job, ticks: new IntervalTicks(60_000), stateDir: dir, log: quiet, healthIntervalMs: 0 });
  await first.start();
  await first.trigger('orders', slot);
  await first.trigger('orders', slot);
  assert.equal(first.snapshot().probes[0]!.skipped.duplicate, 1);
  await first.stop(1000);

  // a run that started and never finished (the process died mid-transaction)
  new Ledger(join(dir, 'ledger.jsonl')).begin({ key: slotKey('orders', new Date('2026-12-03T10:05:00Z')), probe: 'orders', runId: 'r-dead', startedAt: '2026-12-03T10:05:00.100Z', writes: true });

  const swept: string[] = [];
  const second = new Daemon({
    probes: [p],
    jobFor: () => job,
    ticks: new IntervalTicks(60_000),
    stateDir: dir,
    log: quiet,
    healthIntervalMs: 0,
    sweep: async ({ unfinished }) => {
      swept.push(...unfinished.map((e) => e.key));
      return { found: unfinished.length, cleaned: unfinished.length };
    },
  });
  t.after(() => second.stop(1000));
  await second.start();
  await second.trigger('orders', slot);
  assert.deepEqual(placed, ['orders@2026-12-03T10:00:00.000Z']);
  assert.deepEqual(swept, ['orders@2026-12-03T10:05:00.000Z']);
  assert.deepEqual(second.snapshot().sweep, { found: 1, cleaned: 1 });
  await second.trigger('orders', new Date('2026-12-03T10:10:00Z'));
  assert.equal(placed.length, 2);
});

test('maintenance window holds the probes of that system', async (t) => {
  const ran: string[] = [];
  const job: ProbeJob = async ({ probe: p }) => {
    ran.push(p.name);
    return ok();
  };
  const daemon = new Daemon({
    probes: [probe({ name: 'erp-orders', systems: ['erp'] }), probe({ name: 'wms-stock', systems: ['wms'] })],
    jobFor: () => job,
    ticks: new IntervalTicks(60_000),
    maintenance: [{ start: new Date(Date.now() - 1000), end: new Date(Date.now() + 3_600_000), systems: ['erp'], reason: 'ERP patching' }],
    log: quiet,
    healthIntervalMs: 0,
  });
  t.after(() => daemon.stop(1000));
  await daemon.start();
  await daemon.trigger('erp-orders');
  await daemon.trigger('wms-stock');
  assert.deepEqual(ran, ['wms-stock']);
  assert.deepEqual(daemon.snapshot().probes[0]!.lastSkip?.detail, 'ERP patching');
});

test('stop mid-run: the run is aborted, its cleanup completes, sinks are flushed, nothing is left running', async (t) => {
  const sink = new JsonLinesSink();
  let cleaned = false;
  let inTransaction!: () => void;
  const started = new Promise<void>((r) => (inTransaction = r));
  const job: ProbeJob = async ({ signal }) => {
    inTransaction();
    await aborted(signal);
    await sleep(20); // cancelling the order takes a moment
    cleaned = true;
    return { status: 'unknown', results: [], points: [{ measurement: 'milestone', tags: { scenario: 'x' }, fields: { met: 0 }, timestamp: Date.now() }], cleanup: 'done' };
  };
  const daemon = new Daemon({ probes: [probe({ name: 'orders' })], jobFor: () => job, ticks: new IntervalTicks(60_000), sinks: [sink], log: quiet, healthIntervalMs: 0 });
  await daemon.start();
  void daemon.trigger('orders');
  await started;
  const report = await daemon.stop(30_000);
  assert.deepEqual(report, { interrupted: 1, abandoned: 0 });
  assert.equal(cleaned, true);
  assert.equal(sink.stopped, true);
  assert.equal(sink.stats().pending, 0);
  const measurements = sink.flushed.map((p) => p.measurement);
  assert.ok(measurements.includes('probe_run'));
  assert.ok(measurements.includes('milestone'), 'the points of the interrupted run were written');
  assert.ok(measurements.includes('probe_health'), 'a last health point was written');
  assert.equal(daemon.snapshot().probes[0]!.lastRun!.cleanup, 'done');
});

test('failures page once through the alerter and outbox; health is served on /healthz and as probe_health points', async (t) => {
  const dir = tmp(t);
  const rx = await startReceiver();
  t.after(() => rx.close());
  const { channels } = resolveChannels([{ name: 'hook', type: 'webhook', url: rx.url }]);
  const outbox = new Outbox({ dir: join(dir, 'outbox'), channels, retry: { baseMs: 10 } });
  const alerter = new Alerter({ stateFile: join(dir, 'alerts.json'), outbox });
  const sink = new JsonLinesSink();
  const job: ProbeJob = async ({ probe: p }) => ({
    status: 'critical',
    results: [{ key: `${p.name}/erp.created/channel=b2b`, probe: p.name, milestone: 'erp.created', scope: 'channel=b2b', status: 'critical', reason: 'not in ERP', impact: { scope: 'channel' } }],
    points: [],
  });
  const daemon = new Daemon({
    probes: [probe({ name: 'orders', thresholds: { failureThreshold: 2 }, alerts: [{ channel: 'hook' }] })],
    jobFor: () => job,
    ticks: new IntervalTicks(60_000),
    sinks: [sink],
    alerter,
    outbox,
    log: quiet,
    healthIntervalMs: 0,
  });
  await daemon.start();
  const health = await startHealthServer(daemon);
  t.after(() => health.close());
  for (let i = 0; i < 4; i++) await daemon.trigger('orders', new Date(Date.UTC(2026, 11, 3, 10, i)));
  await until(() => rx.received.length >= 1, 30_000, 'the page');
  const res = await fetch(`${health.url}/healthz`);
  assert.equal(res.status, 200);
  const h = (await res.json()) as any;
  assert.equal(h.status, 'ok');
  assert.equal(h.openAlerts, 1);
  assert.deepEqual(h.probes.map((p: any) => [p.name, p.runs, p.lastStatus]), [['orders', 4, 'critical']]);
  const state = (await (await fetch(`${health.url}/state`)).json()) as any;
  assert.equal(state.openAlerts[0].severity, 'critical');
  assert.equal(state.openAlerts[0].scope, 'channel=b2b');

  const hp = daemon.healthPoints();
  const ordersHealth = hp.find((p) => p.tags.probe === 'orders')!;
  assert.equal(ordersHealth.fields.runs, 4);
  assert.equal(daemon.healthPoints().find((p) => p.tags.probe === 'orders')!.fields.runs, 0, 'runs count per interval');
  assert.ok(hp.some((p) => p.tags.probe === '_daemon' && typeof p.fields.sink_pending === 'number'));
  const alertPoints = sink.all().filter((p) => p.measurement === 'alert');
  assert.equal(alertPoints.length, 1);
  assert.deepEqual(alertPoints[0]!.tags, { severity: 'critical', key: 'orders/erp.created/channel=b2b', env: 'test', probe: 'orders', kind: 'trigger', channel: 'b2b' });

  await daemon.stop(1000);
  assert.equal(rx.received.length, 1, 'four failures, one page');
  assert.equal(rx.received[0]!.json.notification.kind, 'trigger');
  assert.equal((await fetch(`${health.url}/healthz`)).status, 503);
});

test('cron ticks: node-cron seconds-granularity expressions drive the daemon, with the next run in the snapshot', async (t) => {
  const { CronTicks } = await import('../../src/scheduler/ticks.ts');
  const slots: Date[] = [];
  const job: ProbeJob = async ({ scheduledAt }) => {
    slots.push(scheduledAt);
    return ok();
  };
  const daemon = new Daemon({ probes: [probe({ name: 'every-second', cron: '* * * * * *', timezone: 'Europe/Berlin' })], jobFor: () => job, ticks: new CronTicks(), log: quiet, healthIntervalMs: 0 });
  t.after(() => daemon.stop(1000));
  await daemon.start();
  const next = daemon.snapshot().probes[0]!.nextRunAt;
  assert.ok(next && Date.parse(next) > Date.now() - 1000, `next run ${next}`);
  await until(() => slots.length >= 2, 30_000, 'two cron runs');
  const gap = slots[1]!.getTime() - slots[0]!.getTime();
  assert.ok(gap > 0 && gap % 1000 === 0, `slots one or more whole seconds apart: ${gap}`);
  assert.equal(slots[0]!.getMilliseconds(), 0);
});
