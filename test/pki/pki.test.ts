import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createPki, type Pki } from '../../sandbox/pki.ts';

let pki: Pki;
before(async () => {
  pki = await createPki();
});
after(async () => {
  await pki.cleanup();
});

function serve(keyPem: string, certPem: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = https.createServer({ key: keyPem, cert: certPem }, (_req, res) => res.end('ok'));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

function get(opts: https.RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get({ ...opts, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

test('the CA file is written and is a CA certificate', () => {
  assert.ok(existsSync(pki.caPath));
  assert.equal(readFileSync(pki.caPath, 'utf8'), pki.caPem);
  const ca = new X509Certificate(pki.caPem);
  assert.equal(ca.ca, true);
  assert.match(ca.subject, /CN=syncprobe sandbox CA/);
  assert.ok(ca.checkIssued(ca), 'the root is self-issued');
});

test('server certificates carry IP and DNS SANs and are issued by the CA', async () => {
  const { certPem } = await pki.issueServerCert({ hosts: ['127.0.0.1', 'localhost', 'erp.sandbox.test'] });
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(pki.caPem);
  assert.equal(cert.ca, false);
  assert.ok(cert.checkIssued(ca));
  assert.ok(cert.verify(ca.publicKey));
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(cert.checkHost('localhost'), 'localhost');
  assert.equal(cert.checkHost('erp.sandbox.test'), 'erp.sandbox.test');
  assert.equal(cert.checkHost('other.test'), undefined);
});

test('expiresInDays and notBeforeDaysFromNow set the validity window', async () => {
  const soon = new X509Certificate((await pki.issueServerCert({ expiresInDays: 5 })).certPem);
  const daysLeft = (Date.parse(soon.validTo) - Date.now()) / 86_400_000;
  assert.ok(daysLeft > 4.9 && daysLeft <= 5, `expected about 5 days left, got ${daysLeft}`);
  const expired = new X509Certificate((await pki.issueServerCert({ expiresInDays: -2 })).certPem);
  assert.ok(Date.parse(expired.validTo) < Date.now());
  assert.ok(Date.parse(expired.validFrom) < Date.parse(expired.validTo));
  const future = new X509Certificate((await pki.issueServerCert({ notBeforeDaysFromNow: 3 })).certPem);
  assert.ok(Date.parse(future.validFrom) > Date.now());
});

test('an HTTPS request verifies with the sandbox CA and fails without it', async (t) => {
  const { keyPem, certPem } = await pki.issueServerCert();
  const srv = await serve(keyPem, certPem);
  t.after(() => srv.close());
  const ok = await get({ host: '127.0.0.1', port: srv.port, ca: pki.caPem });
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'ok');
  const byName = await get({ host: 'localhost', port: srv.port, ca: pki.caPem });
  assert.equal(byName.status, 200);
  await assert.rejects(get({ host: '127.0.0.1', port: srv.port }), (err: NodeJS.ErrnoException) => {
    assert.match(String(err.code), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER_CERT/);
    return true;
  });
});

test('a server certificate for another host fails hostname verification', async (t) => {
  const { keyPem, certPem } = await pki.issueServerCert({ hosts: ['erp.sandbox.test'] });
  const srv = await serve(keyPem, certPem);
  t.after(() => srv.close());
  await assert.rejects(get({ host: '127.0.0.1', port: srv.port, ca: pki.caPem }), (err: NodeJS.ErrnoException) => {
    assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    return true;
  });
});
