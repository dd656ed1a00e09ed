import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redact } from '../core/redact.ts';
import type { LoadedConfig } from '../engine/index.ts';
import type { ChannelConfig } from '../alerting/index.ts';
import type { Notification } from '../alerting/types.ts';
import { IntervalTicks, type DaemonSnapshot, type ProbeDefinition } from '../scheduler/index.ts';
import { startStatusPage, type FaultControls } from '../status/server.ts';
import { setUpDaemon } from './daemon-setup.ts';
import { closeInboxes } from '../engine/inbox.ts';

/**
 * The continuous demo: the embedded sandbox, every probe of probes/ on a short schedule, alerts
 * delivered to a local receiver that prints them, and the status page. A person can switch a
 * sandbox fault on from the page and watch the probes find it.
 */
export interface LiveDemoOptions {
  loaded: LoadedConfig;
  environment: string;
  influx?: string;
  faults?: string[];
  port?: number;
  /** Scenario probes run this often; checks twice as often. */
  intervalMs: number;
  /** Stop by itself after this long (tests, CI); otherwise until SIGINT/SIGTERM. */
  durationMs?: number;
  log: (line: string) => void;
  onReady?: (info: { statusUrl: string }) => void;
}

export const DEMO_FAULTS = [
  'wms.tokenExpired=WH-WEST',
  'channel.drop=marketplace',
  'middleware.badUom',
  'inventory.delay=WH-EAST:8000',
  'wms.confirmationBacklog',
  'erp.version=v2',
];

interface Receiver {
  url: string;
  received: number;
  close(): Promise<void>;
}

/** Stands in for chat and paging: every notification the outbox delivers is printed. */
async function startAlertReceiver(log: (line: string) => void): Promise<Receiver> {
  const state = { received: 0 };
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    state.received++;
    try {
      const { notification: n } = JSON.parse(body) as { notification: Notification };
      const channel = decodeURIComponent((req.url ?? '/').slice(1)) || 'alerts';
      log(`[${channel}] ${n.kind.toUpperCase()} ${n.severity} ${n.summary}${n.reason ? ` — ${n.reason}` : ''}`);
    } catch {
      log(`[alerts] notification: ${body.slice(0, 300)}`);
    }
    res.writeHead(202).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get received() {
      return state.received;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export async function runLiveDemo(o: LiveDemoOptions): Promise<{ code: number; snapshot: DaemonSnapshot }> {
  const log = o.log;
  // The status page shows every milestone; the console keeps to what needs a look.
  const quiet = (line: string) => {
    if (!/^\[[^\]]+\] [\w.]+: met /.test(line)) log(line);
  };
  const stateDir = await mkdtemp(join(tmpdir(), 'syncprobe-demo-'));
  const receiver = await startAlertReceiver(log);
  const setup = await setUpDaemon({
    loaded: o.loaded,
    environment: o.environment,
    stateDir,
    influx: o.influx ? { url: o.influx, where: '--influx' } : undefined,
    ticks: new IntervalTicks((p: ProbeDefinition) => (p.scenario ? o.intervalMs : Math.max(1000, Math.round(o.intervalMs / 2)))),
    // Every alert channel the probes name is delivered to the local receiver instead.
    channels: (configured: ChannelConfig[]) => configured.map((c) => ({ name: c.name, type: 'webhook', url: `${receiver.url}/${encodeURIComponent(c.name)}` }) as ChannelConfig),
    adjustProbe: (p) => ({
      ...p,
      jitterMs: 0,
      timeoutMs: Math.min(p.timeoutMs ?? 60_000, 60_000),
      thresholds: { ...p.thresholds, failureThreshold: Math.min(p.thresholds?.failureThreshold ?? 2, 2), successThreshold: 1 },
    }),
    prepare: { faults: o.faults },
    log: quiet,
  });
  const sandbox = setup.prepared.find((p) => p.sandbox)?.sandbox;
  const controls: FaultControls | undefined = sandbox && {
    presets: DEMO_FAULTS,
    active: () => sandbox.faults.list().map((f) => (f.value !== undefined ? `${f.name}=${f.value}` : f.name)),
    set: (spec) => {
      const eq = spec.indexOf('=');
      sandbox.faults.set(eq < 0 ? spec : spec.slice(0, eq), eq < 0 ? undefined : spec.slice(eq + 1));
      log(`fault switched on from the status page: ${spec}`);
    },
    clearAll: () => {
      sandbox.faults.clear();
      log('all faults cleared from the status page');
    },
  };
  // With InfluxDB, the KPIs of the last hour are computed from what the probes wrote, every 30 s.
  let kpiHtml: string | undefined;
  const refreshKpis = async () => {
    if (!o.influx) return;
    try {
      await Promise.all(setup.sinks.map((s) => s.flush()));
      const { applyConfigTargets, computeKpis, DEFAULT_TARGETS, renderKpiTable } = await import('../kpi/index.ts');
      const targets = applyConfigTargets(DEFAULT_TARGETS, o.loaded.config.kpi?.targets, `${o.loaded.file}: kpi.targets`);
      kpiHtml = renderKpiTable(await computeKpis({ influx: o.influx, env: o.environment, since: '1h', targets }), 'html');
    } catch (err) {
      log(`KPIs not computed: ${(err as Error).message}`);
    }
  };
  const kpiTimer = o.influx ? setInterval(refreshKpis, 30_000) : undefined;
  const pageOptions = { snapshot: () => setup.daemon.snapshot(), title: `syncprobe demo · ${o.environment}`, faults: controls, kpiHtml: () => kpiHtml };
  const page = await startStatusPage({ ...pageOptions, port: o.port ?? 0 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    log(`port ${o.port} is in use: the status page takes a free port instead`);
    return startStatusPage({ ...pageOptions, port: 0 });
  });
  try {
    await setup.daemon.start();
    log(`status page: ${page.url}`);
    log(`${setup.probes.length} probes every ${o.intervalMs / 1000} s (checks every ${Math.max(1, o.intervalMs / 2000)} s); Ctrl-C stops, cleans up and exits`);
    o.onReady?.({ statusUrl: page.url });
    await new Promise<void>((resolve) => {
      const done = () => {
        process.off('SIGINT', done);
        process.off('SIGTERM', done);
        clearTimeout(timer);
        resolve();
      };
      const timer = o.durationMs !== undefined ? setTimeout(done, o.durationMs) : undefined;
      process.on('SIGINT', done);
      process.on('SIGTERM', done);
    });
    log('stopping: running probes clean up, sinks flush');
    const report = await setup.daemon.stop(setup.settings.shutdownDeadlineMs ?? 30_000);
    await closeInboxes();
    const snapshot = setup.daemon.snapshot();
    for (const p of snapshot.probes) {
      log(`  ${(p.lastRun?.status ?? 'no run').padEnd(8)} ${p.name.padEnd(24)} runs ${p.runs}${p.lastRun?.status !== 'ok' && p.lastRun?.results.find((r) => r.status !== 'ok')?.reason ? `  ${p.lastRun.results.find((r) => r.status !== 'ok')!.reason}` : ''}`);
    }
    log(`${snapshot.openAlerts.length} open alert(s), ${receiver.received} notification(s) delivered; ${report.interrupted} run(s) interrupted, ${report.abandoned} abandoned`);
    return { code: 0, snapshot };
  } finally {
    clearInterval(kpiTimer);
    await page.stop();
    await setup.close();
    await receiver.close();
    await rm(stateDir, { recursive: true, force: true }).catch(() => {});
  }
}

export const demoLog = (line: string) => process.stderr.write(redact(line) + '\n');
