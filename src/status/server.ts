import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { redactDeep } from '../core/redact.ts';
import type { DaemonSnapshot } from '../scheduler/index.ts';
import { renderMain, renderPage, type FaultPanel } from './render.ts';

/** Switches for an embedded sandbox's faults; only the demo passes them (the engine never knows the sandbox). */
export interface FaultControls {
  presets: string[];
  active(): string[];
  set(spec: string): void;
  clearAll(): void;
}

async function formBody(req: import('node:http').IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) break;
  }
  return new URLSearchParams(body);
}

export interface StatusPage {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the status page on loopback: `/` the page, `/fragment` the part the page refreshes,
 * `/api/status` the snapshot as JSON (redacted) for anything else that wants it.
 */
export async function startStatusPage(opts: {
  snapshot: () => DaemonSnapshot;
  port?: number;
  host?: string;
  title?: string;
  refreshMs?: number;
  faults?: FaultControls;
  /** An HTML fragment (already escaped) with the KPI table, when KPIs are computed. */
  kpiHtml?: () => string | undefined;
}): Promise<StatusPage> {
  const host = opts.host ?? '127.0.0.1';
  const panel = (): FaultPanel | undefined => (opts.faults ? { presets: opts.faults.presets, active: opts.faults.active() } : undefined);
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method === 'POST' && opts.faults && (path === '/faults' || path === '/faults/clear')) {
        if (path === '/faults/clear') opts.faults.clearAll();
        else {
          const spec = (await formBody(req)).get('spec') ?? '';
          // Only the offered presets: the page is not a general remote control of the sandbox.
          if (!opts.faults.presets.includes(spec)) return void res.writeHead(400, { 'content-type': 'text/plain' }).end(`not an offered fault: ${spec}`);
          opts.faults.set(spec);
        }
        res.writeHead(303, { location: '/' }).end();
      } else if (req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET' }).end();
      } else if (path === '/' || path === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(renderPage(opts.snapshot(), { title: opts.title, refreshMs: opts.refreshMs, faults: panel(), kpiHtml: opts.kpiHtml?.() }));
      } else if (path === '/fragment') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(renderMain(opts.snapshot(), Date.now(), panel(), opts.kpiHtml?.()));
      } else if (path === '/api/status') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(redactDeep(opts.snapshot())));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`status page failed to render: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
