import { execFile } from 'node:child_process';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createPki } from '../sandbox/pki.ts';
import { checkTls } from '../src/checks/tls/index.ts';

/**
 * 200 TLS endpoints on loopback: checked concurrently by `check tls`, against checking them one at
 * a time with `openssl s_client` (what a shell loop over endpoints does).
 */
const ENDPOINTS = 200;

function opensslOnce(port: number, caPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caPath, '-verify_return_error', '-verify_ip', '127.0.0.1'],
      { timeout: 10_000 },
      (_err, stdout) => resolve(/Verify return code: 0 \(ok\)/.test(stdout)),
    );
    child.stdin?.end();
  });
}

export async function benchTls(): Promise<Array<{ name: string; value: string | number; unit?: string }>> {
  const pki = await createPki();
  const servers: tls.Server[] = [];
  try {
    const { keyPem, certPem } = await pki.issueServerCert({ hosts: ['127.0.0.1'], expiresInDays: 90 });
    const ports: number[] = [];
    for (let i = 0; i < ENDPOINTS; i++) {
      const s = tls.createServer({ key: keyPem, cert: certPem }, (sock) => {
        sock.on('error', () => {});
        sock.end();
      });
      s.on('tlsClientError', () => {});
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
      servers.push(s);
      ports.push((s.address() as AddressInfo).port);
    }
    // One warm-up check so module loading and the first key exchange are not in the figures.
    await checkTls(`127.0.0.1:${ports[0]}`, { caPem: pki.caPem });

    let t = performance.now();
    const docs = await Promise.all(ports.map((p) => checkTls(`127.0.0.1:${p}`, { caPem: pki.caPem, timeoutMs: 30_000 })));
    const concurrentMs = performance.now() - t;
    const okConcurrent = docs.filter((d) => d.status === 'ok').length;

    t = performance.now();
    for (const p of ports) await checkTls(`127.0.0.1:${p}`, { caPem: pki.caPem });
    const sequentialMs = performance.now() - t;

    t = performance.now();
    let okOpenssl = 0;
    for (const p of ports) if (await opensslOnce(p, pki.caPath)) okOpenssl += 1;
    const opensslMs = performance.now() - t;

    const r = (x: number) => Math.round(x);
    return [
      { name: `tls: ${ENDPOINTS} endpoints, check tls concurrently`, value: r(concurrentMs), unit: 'ms' },
      { name: `tls: ${ENDPOINTS} endpoints, check tls one at a time`, value: r(sequentialMs), unit: 'ms' },
      { name: `tls: ${ENDPOINTS} endpoints, openssl s_client one at a time`, value: r(opensslMs), unit: 'ms' },
      { name: 'tls: openssl one at a time / check tls concurrently', value: Math.round((opensslMs / concurrentMs) * 10) / 10, unit: 'x' },
      { name: 'tls: endpoints verified ok (check tls / openssl)', value: `${okConcurrent}/${okOpenssl} of ${ENDPOINTS}` },
    ];
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    await pki.cleanup();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const row of await benchTls()) console.log(`${row.name}: ${row.value}${row.unit ? ` ${row.unit}` : ''}`);
}
