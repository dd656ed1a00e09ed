import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/engine/index.ts';
import { prepareEnvironment } from '../src/cli/environments.ts';
import { Alerter } from '../src/alerting/alerter.ts';
import type { Notification } from '../src/alerting/types.ts';
import { CronTicks, IntervalTicks } from '../src/scheduler/ticks.ts';
import { Daemon } from '../src/scheduler/daemon.ts';
import { jobFactory } from '../src/scheduler/jobs.ts';
import type { ProbeDefinition } from '../src/scheduler/probe.ts';
import type { Point, Sink } from '../src/core/outputs.ts';

type Row = { name: string; value: number | string; unit?: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts points like a sink would, without I/O, so the figures are the daemon's own cost. */
class CountingSink implements Sink {
  readonly name = 'count';
  n = 0;
  async start() {}
  add(p: Point[]) {
    this.n += p.length;
  }
  async flush() {}
  async stop() {}
  stats() {
    return { written: this.n, pending: 0, spooled: 0, deadLettered: 0, failures: 0 };
  }
}

/** CPU share and RSS of a daemon with 100 probes on real node-cron timers, over a window. */
async function daemonCost(cron: string, windowMs: number): Promise<{ cpuPct: number; rssMb: number; runs: number }> {
  const probes: ProbeDefinition[] = Array.from({ length: 100 }, (_, i) => ({
    name: `probe-${String(i).padStart(3, '0')}`,
    check: { type: 'backlog' },
    environment: 'bench',
    cron,
    timeoutMs: 10_000,
  }));
  const sink = new CountingSink();
  const daemon = new Daemon({
    probes,
    // A check that answers at once: what is measured is scheduling, gating, bookkeeping and points.
    jobFor: (p) => async () => ({ status: 'ok', results: [{ key: `${p.name}/check/-`, probe: p.name, milestone: 'check', scope: '-', status: 'ok', impact: { scope: 'system' } }], points: [] }),
    ticks: new CronTicks(),
    sinks: [sink],
    alerter: new Alerter(),
    concurrency: 8,
    healthIntervalMs: 1000,
    log: () => {},
  });
  await daemon.start();
  await sleep(500);
  const runs0 = daemon.snapshot().probes.reduce((a, p) => a + p.runs, 0);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(windowMs);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const rssMb = process.memoryUsage().rss / 1048576;
  const runs = daemon.snapshot().probes.reduce((a, p) => a + p.runs, 0) - runs0;
  await daemon.stop(5000);
  return { cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10, rssMb: Math.round(rssMb), runs };
}

/**
 * Fault injection to alert: a per-warehouse stock probe on a fixed interval against the embedded
 * sandbox; the warehouse connector's token is expired at a random moment and the time until the
 * critical alert opens is measured; then the fault is cleared and the alert resolves before the next
 * injection.
 *
 * The bound is what the schedule allows, from the run durations measured here: a probe never
 * overlaps itself, so the first run to see the fault starts at the first tick after the run in
 * flight ends (at most ceil(healthy run / interval) intervals away), each later run at the first
 * tick after the one before it ends (ceil(failing run / interval) intervals apart), and the alert
 * opens when the `failureThreshold`-th failing run ends. A failing run is long: the ERP posting is
 * awaited for SLA × grace before it is called missing, and so is the reversal's.
 */
interface FaultToAlert {
  medianMs: number;
  boundMs: number;
  samples: number[];
  healthyRunMs: number;
  failingRunMs: number;
  /** SLA + failureThreshold × interval: the usual rule of thumb, shown beside the measured bound. */
  referenceMs: number;
}

async function faultToAlert(repeats: number): Promise<FaultToAlert> {
  const intervalMs = 1000;
  const slaMs = 250;
  const threshold = 2;
  const loaded = await loadConfig();
  const env = await prepareEnvironment(loaded, 'sandbox', { latencyMs: 20 });
  const sb = env.sandbox!;
  const sla: Record<string, number> = {};
  for (const s of loaded.scenarios) for (const m of s.definition.milestones) sla[m.name] = slaMs;
  let lastTrigger: { at: number; n: Notification } | null = null;
  let resolved = 0;
  const alerter = new Alerter({
    outbox: {
      enqueue: (_c: string, n: Notification) => {
        if (n.kind === 'trigger' && n.milestone === 'erp.onHandUpdated') lastTrigger = { at: Date.now(), n };
        if (n.kind === 'resolve' && n.milestone === 'erp.onHandUpdated') resolved++;
      },
    },
  });
  const probe: ProbeDefinition = {
    name: 'stock-east',
    scenario: 'stock-adjustment/WH-EAST',
    environment: 'sandbox',
    cron: '* * * * * *',
    timeoutMs: 30_000,
    thresholds: { failureThreshold: threshold, successThreshold: 1 },
    alerts: [{ channel: 'bench', minSeverity: 'info' }],
  };
  const jobs = jobFactory({ config: loaded, overrides: { sandbox: env.systemsOverride }, runOverrides: { sla, polling: { initialMs: 20, maxMs: 100 } } });
  const healthy: number[] = [];
  const failing: number[] = [];
  const daemon = new Daemon({
    probes: [probe],
    jobFor: (p) => {
      const job = jobs(p);
      return async (ctx) => {
        const t0 = Date.now();
        const out = await job(ctx);
        (out.status === 'ok' ? healthy : failing).push(Date.now() - t0);
        return out;
      };
    },
    ticks: new IntervalTicks(intervalMs),
    alerter,
    healthIntervalMs: 0,
    log: () => {},
  });
  const samples: number[] = [];
  try {
    await daemon.start();
    await sleep(2500);
    for (let i = 0; i < repeats; i++) {
      await sleep(Math.random() * intervalMs);
      lastTrigger = null;
      const injected = Date.now();
      sb.faults.set('wms.tokenExpired', 'WH-EAST');
      while (!lastTrigger && Date.now() - injected < 60_000) await sleep(10);
      if (lastTrigger) samples.push((lastTrigger as { at: number }).at - injected);
      sb.faults.clear('wms.tokenExpired');
      const r0 = resolved;
      const cleared = Date.now();
      while (resolved === r0 && Date.now() - cleared < 60_000) await sleep(10);
    }
  } finally {
    sb.faults.clear('wms.tokenExpired');
    await daemon.stop(30_000);
    await env.stop();
  }
  const healthyRunMs = median(healthy);
  const failingRunMs = median(failing);
  const ticks = (ms: number) => Math.ceil(ms / intervalMs) * intervalMs;
  const boundMs = ticks(healthyRunMs) + (threshold - 1) * ticks(failingRunMs) + failingRunMs;
  return { medianMs: median(samples), boundMs, referenceMs: slaMs + threshold * intervalMs, samples, healthyRunMs, failingRunMs };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/**
 * The daemon's cost measured in a process of its own, so its RSS is the daemon's and not what the
 * bench's earlier sections (10,000 transactions) left on the heap.
 */
function daemonCostInChild(cron: string, windowMs: number): Promise<{ cpuPct: number; rssMb: number; runs: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--daemon-cost', cron, String(windowMs)], { timeout: windowMs + 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`daemon cost child failed: ${err.message}${stderr ? `: ${stderr.trim().slice(-300)}` : ''}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()!));
      } catch {
        reject(new Error(`daemon cost child printed no figures: ${stdout.slice(-300)}`));
      }
    });
  });
}

export async function benchScheduler(): Promise<Row[]> {
  const rows: Row[] = [];
  const idle = await daemonCostInChild('*/5 * * * *', 3000);
  rows.push({ name: 'scheduler: daemon CPU, 100 probes scheduled, idle between runs', value: idle.cpuPct, unit: '%' });
  rows.push({ name: 'scheduler: process RSS (node + tsx + engine modules), 100 probes scheduled', value: idle.rssMb, unit: 'MiB' });
  const busy = await daemonCostInChild('* * * * * *', 5000);
  rows.push({ name: 'scheduler: daemon CPU, 100 probes every second (no-I/O check)', value: busy.cpuPct, unit: '%' });
  rows.push({ name: 'scheduler: runs completed in 5 s, 100 probes every second', value: busy.runs });
  rows.push({ name: 'scheduler: process RSS, 100 probes every second', value: busy.rssMb, unit: 'MiB' });
  const f = await faultToAlert(3);
  rows.push({ name: 'scheduler: fault injection to critical alert, median (expired WH-EAST token, sandbox)', value: f.medianMs, unit: 'ms' });
  rows.push({ name: 'scheduler: fault-to-alert samples', value: f.samples.join(', ') || 'none' });
  rows.push({ name: 'scheduler: stock probe run, median, healthy (SLA 250 ms, interval 1 s)', value: f.healthyRunMs, unit: 'ms' });
  rows.push({ name: 'scheduler: stock probe run, median, failing (two postings awaited 500 ms each)', value: f.failingRunMs, unit: 'ms' });
  rows.push({ name: 'scheduler: fault-to-alert bound: next run after the one in flight + 2 failing runs, on 1 s ticks', value: f.boundMs, unit: 'ms' });
  rows.push({ name: 'scheduler: reference SLA + failureThreshold × interval (250 ms + 2 × 1000 ms)', value: f.referenceMs, unit: 'ms' });
  rows.push({ name: 'scheduler: fault-to-alert median / reference', value: +(f.medianMs / f.referenceMs).toFixed(2), unit: 'ratio' });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--daemon-cost');
  if (at > 0) {
    console.log(JSON.stringify(await daemonCost(process.argv[at + 1]!, Number(process.argv[at + 2]))));
    process.exit(0);
  }
  for (const r of await benchScheduler()) console.log(`${r.name}: ${r.value}${r.unit ? ` ${r.unit}` : ''}`);
}
