import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { loadConfig, runScenarios, SystemClient, type LoadedConfig, type SystemOverride, type EngineRunResult } from '../src/engine/index.ts';

/**
 * Engine benchmarks against the sandbox in its own process (`syncprobe sandbox`), so the harness and
 * the stack do not share an event loop:
 *  - timing: B2B transactions with random hop delays; how the reported bounds, the observed and the
 *    system-reported latency compare with the sandbox's ground truth;
 *  - scale: N concurrent API-channel transactions; completion, peak RSS and heap of the harness,
 *    event-loop lag, CPU, each against the goal where there is one.
 * BENCH_SCALE=1000 BENCH_TRANSACTIONS=0 npm run bench -- engine: one scale step alone.
 */
type Row = { name: string; value: number | string; unit?: string };

interface ChildSandbox {
  services: Record<string, string>;
  admin: string;
  caPem: string;
  admin_: SystemClient;
  overrides: Record<string, SystemOverride>;
  stop(): Promise<void>;
}

async function startChildSandbox(latencyMs: number): Promise<ChildSandbox> {
  const child: ChildProcess = spawn(process.execPath, ['bin/syncprobe.js', 'sandbox', '--latency-ms', String(latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  const info = JSON.parse(line) as { services: Record<string, string>; admin: string; ca: string };
  const caPem = readFileSync(info.ca, 'utf8');
  const admin = new SystemClient({ name: 'admin', baseUrl: info.admin, caPem, lookups: {} });
  const clients = (await admin.request<{ clients: Array<{ clientId: string; clientSecret?: string }> }>({ path: '/clients' })).body.clients;
  const probe = clients.find((c) => c.clientId === 'syncprobe-probe')!;
  const issuer = info.services.oauth!;
  const overrides: Record<string, SystemOverride> = {};
  for (const s of ['storefront', 'middleware', 'erp', 'wms', 'notifications']) overrides[s] = { baseUrl: info.services[s], caPem };
  overrides.housekeeping = { baseUrl: info.admin, caPem };
  // The notifications webhooks are signed with a secret the inbox hands over when it subscribes.
  overrides.notifications!.webhookSecret = randomBytes(24).toString('base64url');
  overrides.erp!.auth = { issuer, clientId: probe.clientId, clientSecret: probe.clientSecret!, resource: 'urn:syncprobe:erp', scope: 'erp:read erp:write' };
  return {
    services: info.services,
    admin: info.admin,
    caPem,
    admin_: admin,
    overrides,
    stop: async () => {
      await admin.close();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

const ORDER_EVENTS: Record<string, string> = {
  'channel.accepted': 'channel.accepted',
  'middleware.delivered': 'middleware.delivered',
  'erp.created': 'erp.created',
  'erp.released': 'erp.released',
  'wms.allocated': 'wms.allocated',
  'wms.shipped': 'wms.shipped',
  'erp.shipmentConfirmed': 'erp.shipmentConfirmed',
  'notifications.shipped': 'notifications.shipped',
};

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function truthTimes(admin: SystemClient): Promise<Map<string, Map<string, number>>> {
  const byCorrelation = new Map<string, Map<string, number>>();
  for (const event of Object.values(ORDER_EVENTS)) {
    const { events } = (await admin.request<{ events: Array<{ correlationId: string; event: string; at: string }> }>({ path: '/truth', query: { event }, timeoutMs: 60_000 })).body;
    for (const e of events) {
      let m = byCorrelation.get(e.correlationId);
      if (!m) byCorrelation.set(e.correlationId, (m = new Map()));
      if (!m.has(e.event)) m.set(e.event, Date.parse(e.at));
    }
  }
  return byCorrelation;
}

async function timing(loaded: LoadedConfig, transactions: number): Promise<Row[]> {
  const sb = await startChildSandbox(60);
  try {
    // Random hop delays: each hop waits uniformly between 0 and 120 ms.
    await sb.admin_.request({ method: 'PUT', path: '/latency', body: { defaultMs: 60, jitter: 1 } });
    const run = await runScenarios({ config: loaded, environment: 'sandbox', scenarios: ['order-to-notification/b2b'], repeat: transactions, concurrency: 10, systemsOverride: sb.overrides, sweep: false });
    const truth = await truthTimes(sb.admin_);
    let inBounds = 0;
    let judged = 0;
    const observedErr: number[] = [];
    const systemErr: number[] = [];
    const webhookErr: number[] = [];
    let requests = 0;
    let polled = 0;
    for (const s of run.scenarios) {
      const t = truth.get(s.correlationId);
      if (!t) continue;
      for (const m of s.milestones) {
        if (!m.from || m.latencyLowerMs === null || m.latencyUpperMs === null) continue;
        const te = t.get(ORDER_EVENTS[m.name] ?? '');
        const ts = t.get(ORDER_EVENTS[m.from] ?? '');
        if (te === undefined || ts === undefined) continue;
        const trueMs = te - ts;
        judged++;
        if (m.latencyLowerMs <= trueMs && trueMs <= m.latencyUpperMs) inBounds++;
        observedErr.push(Math.abs(m.latencyMs! - trueMs));
        if (m.observedBy === 'webhook') webhookErr.push(Math.abs(m.latencyMs! - trueMs));
        if (typeof m.systemLatencyMs === 'number') systemErr.push(Math.abs(m.systemLatencyMs - trueMs));
        if (m.observedBy === 'poll') {
          requests += m.requests ?? 0;
          polled++;
        }
      }
    }
    observedErr.sort((a, b) => a - b);
    systemErr.sort((a, b) => a - b);
    webhookErr.sort((a, b) => a - b);
    // The same milestone by polling: the environment without its inbox, the same transactions again.
    const env = loaded.config.environments.sandbox!;
    const inbox = env.inbox;
    delete env.inbox;
    const polledNotice: number[] = [];
    let polledNoticeRequests = 0;
    try {
      const again = await runScenarios({ config: loaded, environment: 'sandbox', scenarios: ['order-to-notification/b2b'], repeat: transactions, concurrency: 10, systemsOverride: sb.overrides, sweep: false });
      const truth2 = await truthTimes(sb.admin_);
      for (const s of again.scenarios) {
        const m = s.milestones.find((x) => x.name === 'notifications.shipped');
        const t = truth2.get(s.correlationId);
        const te = t?.get('notifications.shipped');
        const ts = t?.get('wms.shipped');
        if (!m || m.latencyMs === null || te === undefined || ts === undefined) continue;
        polledNotice.push(Math.abs(m.latencyMs - (te - ts)));
        polledNoticeRequests += m.requests ?? 0;
      }
    } finally {
      env.inbox = inbox;
    }
    polledNotice.sort((a, b) => a - b);
    const ok = run.scenarios.filter((s) => s.status === 'ok').length;
    return [
      { name: 'timing: transactions (B2B, random hop delays 0-120 ms)', value: run.scenarios.length },
      { name: 'timing: transactions ok', value: ok },
      { name: 'timing: milestones judged against ground truth', value: judged },
      { name: 'timing: true time inside the reported bounds', value: +((100 * inBounds) / Math.max(1, judged)).toFixed(2), unit: '%' },
      { name: 'timing: |observed - true| median', value: quantile(observedErr, 0.5), unit: 'ms' },
      { name: 'timing: |observed - true| p95', value: quantile(observedErr, 0.95), unit: 'ms' },
      { name: 'timing: |system-reported - true| median', value: quantile(systemErr, 0.5), unit: 'ms' },
      { name: 'timing: |system-reported - true| p95', value: quantile(systemErr, 0.95), unit: 'ms' },
      { name: 'timing: requests per polled milestone (mean)', value: +(requests / Math.max(1, polled)).toFixed(2) },
      { name: 'timing: milestones observed by webhook (customer notice; no requests)', value: webhookErr.length },
      { name: 'timing: |observed - true| median, webhook milestones', value: quantile(webhookErr, 0.5), unit: 'ms' },
      { name: 'timing: |observed - true| p95, webhook milestones', value: quantile(webhookErr, 0.95), unit: 'ms' },
      { name: 'timing: the customer notice by polling instead (no inbox), |observed - true| median', value: quantile(polledNotice, 0.5), unit: 'ms' },
      { name: 'timing: the customer notice by polling instead, |observed - true| p95', value: quantile(polledNotice, 0.95), unit: 'ms' },
      { name: 'timing: the customer notice by polling instead, requests (mean)', value: +(polledNoticeRequests / Math.max(1, polledNotice.length)).toFixed(2) },
    ];
  } finally {
    await sb.stop();
  }
}

/** Issue 3: 10,000 concurrent API-channel transactions within 1 GiB peak RSS of the harness and 100 ms loop lag p99. */
const GOAL_RSS_MIB = 1024;
const GOAL_LAG_P99_MS = 100;

async function scale(loaded: LoadedConfig, n: number): Promise<Row[]> {
  const sb = await startChildSandbox(1000);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  // The harness process only (the sandbox is a child). rss() alone is cheap and read often; the heap
  // split costs more and is read once a second.
  let peakRss = process.memoryUsage.rss();
  let maxHeapUsed = 0;
  let maxHeapTotal = 0;
  let ticks = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    if (ticks++ % 10 === 0) {
      const m = process.memoryUsage();
      maxHeapUsed = Math.max(maxHeapUsed, m.heapUsed);
      maxHeapTotal = Math.max(maxHeapTotal, m.heapTotal);
    }
  }, 100);
  const started = Date.now();
  const cpu0 = process.cpuUsage();
  let run: EngineRunResult | undefined;
  try {
    lag.enable();
    // Production-like SLAs and polling: the point is how many transactions one process can follow.
    run = await runScenarios({
      config: loaded,
      environment: 'sandbox',
      scenarios: ['order-to-notification/b2b'],
      repeat: n,
      concurrency: n,
      systemsOverride: sb.overrides,
      sweep: false,
      sla: Object.fromEntries(Object.keys(ORDER_EVENTS).map((k) => [k, 120_000])),
      polling: { initialMs: 1000, factor: 1.5, maxMs: 10_000, graceFactor: 2 },
    });
  } finally {
    lag.disable();
    clearInterval(sampler);
    await sb.stop();
  }
  const cpu = process.cpuUsage(cpu0);
  const done = run.scenarios.filter((s) => s.milestones.length > 0 && s.milestones.every((m) => m.status === 'met' || m.status === 'late')).length;
  // What stopped the others: the first failing milestone's class and the start of its reason.
  const why = new Map<string, number>();
  for (const s of run.scenarios) {
    const f = s.milestones.find((m) => m.status === 'missing' || m.status === 'error');
    if (!f?.failure) continue;
    const key = `${f.name} ${f.status} ${f.failure.class}: ${f.failure.reason.replace(/SP-\w+|sp\w{10,}|MSG-\d+|SO-\d+/g, '…').slice(0, 70)}`;
    why.set(key, (why.get(key) ?? 0) + 1);
  }
  const top = [...why.entries()].sort((a, b) => b[1] - a[1])[0];
  const mib = (b: number) => Math.round(b / 2 ** 20);
  return [
    { name: `scale ${n}: transactions completed`, value: +((100 * done) / n).toFixed(2), unit: '%' },
    { name: `scale ${n}: wall time`, value: +((Date.now() - started) / 1000).toFixed(1), unit: 's' },
    { name: `scale ${n}: peak RSS of the harness (goal <= ${GOAL_RSS_MIB})`, value: mib(peakRss), unit: 'MiB' },
    { name: `scale ${n}: JS heap, most used / largest size`, value: `${mib(maxHeapUsed)} / ${mib(maxHeapTotal)}`, unit: 'MiB' },
    { name: `scale ${n}: event-loop lag p99 (goal < ${GOAL_LAG_P99_MS})`, value: +(lag.percentile(99) / 1e6).toFixed(1), unit: 'ms' },
    { name: `scale ${n}: event-loop lag max`, value: +(lag.max / 1e6).toFixed(1), unit: 'ms' },
    { name: `scale ${n}: harness CPU per transaction`, value: +((cpu.user + cpu.system) / 1000 / n).toFixed(2), unit: 'ms' },
    ...(top ? [{ name: `scale ${n}: most frequent failure (${top[1]}x)`, value: top[0] }] : []),
  ];
}

export async function benchEngine(opts: { transactions?: number; scale?: number[] } = {}): Promise<Row[]> {
  const loaded = await loadConfig();
  const rows: Row[] = [];
  const transactions = opts.transactions ?? Number(process.env.BENCH_TRANSACTIONS ?? 200);
  if (transactions > 0) rows.push(...(await timing(loaded, transactions)));
  const levels = opts.scale ?? (process.env.BENCH_SCALE ?? '1000,5000,10000').split(',').map(Number).filter((x) => x > 0);
  for (const n of levels) {
    try {
      rows.push(...(await scale(loaded, n)));
    } catch (err) {
      rows.push({ name: `scale ${n}`, value: `failed: ${(err as Error).message}` });
    }
  }
  return rows;
}
