import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { redactDeep } from '../core/redact.ts';
import type { DaemonSnapshot } from '../scheduler/index.ts';
import { renderMain, renderPage } from './render.ts';

export interface StatusPage {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the status page on loopback: `/` the page, `/fragment` the part the page refreshes,
 * `/api/status` the snapshot as JSON (redacted) for anything else that wants it.
 */
export async function startStatusPage(opts: { snapshot: () => DaemonSnapshot; port?: number; host?: string; title?: string; refreshMs?: number }): Promise<StatusPage> {
  const host = opts.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET' }).end();
      } else if (path === '/' || path === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(renderPage(opts.snapshot(), { title: opts.title, refreshMs: opts.refreshMs }));
      } else if (path === '/fragment') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(renderMain(opts.snapshot()));
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
