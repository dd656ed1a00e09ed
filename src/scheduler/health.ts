import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Daemon, DaemonSnapshot } from './daemon.ts';

/**
 * The daemon's health over HTTP on 127.0.0.1: `GET /healthz` (200 while scheduling, 503 when
 * stopping or backed up) with last run per probe, missed/skipped counts and backlogs;
 * `GET /state` the full snapshot (per-probe state, last transactions, open alerts) for a status page.
 */
export interface HealthSummary {
  status: 'ok' | 'degraded' | 'stopping';
  startedAt: string | null;
  killSwitch: boolean;
  running: number;
  probes: Array<{ name: string; lastRunAt: string | null; lastStatus: string | null; running: boolean; runs: number; missed: number; skipped: number; timeouts: number; nextRunAt: string | null }>;
  sinkBacklog: number;
  outboxBacklog: number;
  deadLettered: number;
  openAlerts: number;
  /** Webhook inboxes: deliveries received and refused (a sender signing with another secret), webhooks that cannot be awaited. */
  inboxes: Array<{ environment: string; url: string; received: number; refused: number; unavailable: string[] }>;
}

export function summarize(s: DaemonSnapshot, backlogLimit = 10_000): HealthSummary {
  const sinkBacklog = s.sinks.reduce((a, x) => a + x.pending + x.spooled, 0);
  const outboxBacklog = s.outbox?.pending ?? 0;
  const deadLettered = s.sinks.reduce((a, x) => a + x.deadLettered, 0) + (s.outbox?.deadLettered ?? 0);
  const status = s.stopping || !s.startedAt ? 'stopping' : sinkBacklog > backlogLimit || outboxBacklog > backlogLimit || deadLettered > 0 ? 'degraded' : 'ok';
  return {
    status,
    startedAt: s.startedAt,
    killSwitch: s.killSwitch.on,
    running: s.running,
    probes: s.probes.map((p) => ({
      name: p.name,
      lastRunAt: p.lastRun?.startedAt ?? null,
      lastStatus: p.lastRun?.status ?? null,
      running: p.running,
      runs: p.runs,
      missed: p.missed,
      skipped: Object.values(p.skipped).reduce((a, b) => a + b, 0),
      timeouts: p.timeouts,
      nextRunAt: p.nextRunAt,
    })),
    sinkBacklog,
    outboxBacklog,
    deadLettered,
    openAlerts: s.openAlerts.length,
    inboxes: (s.inboxes ?? []).map((i) => ({ environment: i.environment, url: i.url, received: i.stats.received, refused: i.stats.refused, unavailable: i.unavailable })),
  };
}

export async function startHealthServer(daemon: Pick<Daemon, 'snapshot'>, opts: { port?: number; backlogLimit?: number } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      const h = summarize(daemon.snapshot(), opts.backlogLimit);
      res.writeHead(h.status === 'stopping' ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(h));
      return;
    }
    if (path === '/state') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(daemon.snapshot()));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'GET /healthz or /state' } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
