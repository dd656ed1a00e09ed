import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { createPki, type Pki } from '../../sandbox/pki.ts';
import { checkTls, toPoints } from '../../src/checks/tls/index.ts';

import { checkCertFile } from '../../src/checks/tls/index.ts';
import { UsageError } from '../../src/core/errors.ts';
import { syncprobe as run } from './tls-cli-support.ts';

const syncprobe = (...args: string[]) => run(args);

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

let pki: Pki;
let dir: string;
const servers: net.Server[] = [];
let okPort: number;
let soonPort: number;
let legacyPort: number;
let plainPort: number;
let silentPort: number;
let mtlsPort: number;

before(async () => {
  pki = await createPki();
  dir = await mkdtemp(join(tmpdir(), 'syncprobe-tls-check-'));
  const ok = await pki.issueServerCert({ expiresInDays: 200 });
  const soon = await pki.issueServerCert({ expiresInDays: 20 });
  const mk = (c: { keyPem: string; certPem: string }, extra: tls.TlsOptions = {}) => {
    const s = tls.createServer({ key: c.keyPem, cert: c.certPem, ...extra }, (sock) => {
      sock.on('error', () => {});
      sock.end();
    });
    s.on('tlsClientError', () => {});
    servers.push(s);
    return listen(s);
  };
  okPort = await mk(ok);
  soonPort = await mk(soon);
  legacyPort = await mk(ok, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  // TLS 1.2 with a required client certificate: the server ends the handshake with an alert.
  mtlsPort = await mk(ok, { maxVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: true, ca: pki.caPem });
  const plain = net.createServer((s) => s.on('data', () => s.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n')).on('error', () => {}));
  servers.push(plain);
  plainPort = await listen(plain);
  // Accepts and never says a word.
  const silent = net.createServer((s) => s.on('error', () => {}));
  servers.push(silent);
  silentPort = await listen(silent);
});

after(async () => {
  for (const s of servers) {
    (s as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }
  await pki.cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('a healthy endpoint on the sandbox CA is ok; without --ca its issuer is unknown', async () => {
  const doc = await checkTls(`127.0.0.1:${okPort}`, { caPem: pki.caPem });
  assert.equal(doc.status, 'ok');
  assert.deepEqual(doc.problems, []);
  assert.equal(doc.servername, null);
  const untrusted = await checkTls(`127.0.0.1:${okPort}`);
  assert.deepEqual(untrusted.problems.map((p) => p.code), ['incomplete-chain']);
});

test('an endpoint speaking TLS 1.1 is legacy-protocol', async () => {
  const doc = await checkTls(`127.0.0.1:${legacyPort}`, { caPem: pki.caPem });
  assert.equal(doc.tlsVersion, 'TLSv1.1');
  assert.deepEqual(doc.problems.map((p) => p.code), ['legacy-protocol']);
  assert.equal(doc.status, 'critical');
});

test('refused connection: unreachable, critical, with the reason', async () => {
  const doc = await checkTls(`127.0.0.1:${await freePort()}`, { timeoutMs: 20_000 });
  assert.equal(doc.status, 'critical');
  assert.equal(doc.problems[0]!.code, 'unreachable');
  assert.match(doc.problems[0]!.message, /connection refused/);
  assert.equal(doc.daysLeft, null);
});

test('a port that answers plain HTTP: not-tls', async () => {
  const doc = await checkTls(`127.0.0.1:${plainPort}`, { timeoutMs: 20_000 });
  assert.equal(doc.problems[0]!.code, 'not-tls');
  assert.match(doc.problems[0]!.message, /does not speak TLS/);
});

test('a TLS 1.2 server that demands a client certificate: handshake-failed, with the likely cause', async () => {
  const doc = await checkTls(`127.0.0.1:${mtlsPort}`, { caPem: pki.caPem, timeoutMs: 20_000 });
  assert.equal(doc.status, 'critical');
  assert.deepEqual(doc.problems.map((p) => p.code), ['handshake-failed']);
  assert.match(doc.problems[0]!.message, /alert handshake failure.*client certificate/);
});

test('a DER certificate file is read like PEM; partial thresholds fall back to the defaults', async () => {
  const { certPem } = await pki.issueServerCert({ expiresInDays: 20 });
  const der = join(dir, 'partner.cer');
  await writeFile(der, new X509Certificate(certPem).raw);
  const doc = await checkCertFile(der, { thresholds: { critDays: 3 } });
  assert.equal(doc.certificates.length, 1);
  assert.equal(doc.daysLeft, 19);
  assert.deepEqual(doc.problems.map((p) => [p.code, p.severity]), [['expiring', 'warning']]);
  const junk = join(dir, 'junk.der');
  await writeFile(junk, Buffer.from([0x30, 0x82, 0x01, 0x00, 0xff, 0xee]));
  await assert.rejects(checkCertFile(junk), (e: unknown) => e instanceof UsageError && /neither PEM nor a DER certificate/.test(e.message));
});

test('a server that accepts and never answers: timeout within the timeout', async () => {
  const doc = await checkTls(`127.0.0.1:${silentPort}`, { timeoutMs: 300 });
  assert.equal(doc.status, 'critical');
  assert.equal(doc.problems[0]!.code, 'timeout');
  assert.match(doc.problems[0]!.message, /accepted the connection but did not complete a TLS handshake within 0.3s/);
});

test('toPoints gives one tls_cert point with days left, chain days left and status, tagged by target and env', async () => {
  const doc = await checkTls(`127.0.0.1:${soonPort}`, { caPem: pki.caPem });
  const [p, ...rest] = toPoints(doc, { target: 'erp', environment: 'sandbox' });
  assert.equal(rest.length, 0);
  assert.equal(p!.measurement, 'tls_cert');
  assert.deepEqual(p!.tags, { target: 'erp', env: 'sandbox' });
  assert.equal(p!.fields.days_left, 19);
  assert.equal(p!.fields.chain_days_left, 19);
  assert.equal(p!.fields.status, 'warning');
  assert.equal(p!.fields.status_code, 1);
  assert.equal(p!.fields.problems, 'expiring');
  const down = toPoints(await checkTls(`127.0.0.1:${plainPort}`, { timeoutMs: 20_000 }), { target: 'erp', environment: 'sandbox' })[0]!;
  assert.equal(down.fields.status, 'critical');
  assert.equal('days_left' in down.fields, false);
});

test('CLI check tls --json: one document on stdout, the summary on stderr, exit code by status', async () => {
  const caPath = join(dir, 'ca.pem');
  await writeFile(caPath, pki.caPem);
  const ok = await syncprobe('check', 'tls', `127.0.0.1:${okPort}`, '--ca', caPath, '--json');
  assert.equal(ok.code, 0, ok.stderr);
  const doc = JSON.parse(ok.stdout);
  assert.equal(doc.status, 'ok');
  assert.deepEqual(doc.problems, []);
  for (const k of ['daysLeft', 'notAfter', 'subject', 'issuer', 'sans', 'chain', 'chainDaysLeft', 'tlsVersion', 'cipher']) assert.ok(k in doc, k);
  assert.match(ok.stderr, /^TLS 127\.0\.0\.1:\d+ OK - 199 days left/);

  const warn = await syncprobe('check', 'tls', `https://127.0.0.1:${soonPort}`, '--ca', caPath, '--warn-days', '30', '--crit-days', '7');
  assert.equal(warn.code, 1);
  assert.equal(warn.stdout, '');
  assert.match(warn.stderr, /WARNING.*\n  warning: expiring: /);

  const crit = await syncprobe('check', 'tls', `127.0.0.1:${soonPort}`, '--ca', caPath, '--crit-days', '25', '--json');
  assert.equal(crit.code, 2);
  assert.equal(JSON.parse(crit.stdout).status, 'critical');

  const down = await syncprobe('check', 'tls', `127.0.0.1:${silentPort}`, '--timeout', '0.3', '--json');
  assert.equal(down.code, 2);
  assert.equal(JSON.parse(down.stdout).problems[0].code, 'timeout');
});

test('CLI bad arguments and unreadable files exit 3 naming what is wrong', async () => {
  const garbage = join(dir, 'garbage.pem');
  await writeFile(garbage, 'this is not a certificate\n');
  const cases: Array<[string[], RegExp]> = [
    [['check', 'tls'], /missing the target/],
    [['check', 'tls', 'http://x.example'], /not an https:\/\/ URL/],
    [['check', 'tls', `127.0.0.1:${okPort}`, '--warn-days', '5', '--crit-days', '10'], /--crit-days \(10\) is larger than --warn-days \(5\)/],
    [['check', 'tls', `127.0.0.1:${okPort}`, '--ca', join(dir, 'nope.pem')], /--ca .*nope\.pem: cannot read the CA file \(ENOENT\)/],
    [['check', 'cert-file', join(dir, 'missing.pem')], /missing\.pem: file not found/],
    [['check', 'cert-file', garbage], /garbage\.pem: is not a PEM file/],
  ];
  const results = await Promise.all(cases.map(([args]) => syncprobe(...args)));
  results.forEach((r, i) => {
    assert.equal(r.code, 3, `${cases[i]![0].join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, cases[i]![1]);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});

test('certificate files that cannot be used are usage errors naming the file', async () => {
  const broken = join(dir, 'broken.pem');
  await writeFile(broken, '-----BEGIN CERTIFICATE-----\nMIIBroken==\n-----END CERTIFICATE-----\n');
  await assert.rejects(checkCertFile(broken), (e: unknown) => e instanceof UsageError && e.where === broken && /certificate #1 does not parse/.test(e.message));
  await assert.rejects(checkCertFile(dir), (e: unknown) => e instanceof UsageError && e.where === dir && /cannot be read/.test(e.message));
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked.pem');
    await writeFile(locked, pki.caPem);
    await chmod(locked, 0o000);
    await assert.rejects(checkCertFile(locked), (e: unknown) => e instanceof UsageError && /permission denied/.test(e.message));
  }
});

test('CLI check cert-file: a bundle with several certificates, --json', async () => {
  const soon = await pki.issueServerCert({ expiresInDays: 3 });
  const file = join(dir, 'partner-bundle.pem');
  await writeFile(file, soon.certPem + pki.caPem);
  const r = await syncprobe('check', 'cert-file', file, '--json');
  assert.equal(r.code, 2, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.certificates.length, 2);
  assert.equal(doc.daysLeft, 2);
  assert.deepEqual(doc.problems.map((p: { code: string }) => p.code), ['expiring']);
  const ok = await syncprobe('check', 'cert-file', pki.caPath);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /certificate file .*ca\.pem OK - CN=syncprobe sandbox CA/);
});
