import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { checkTls, checkCertFile } from '../../src/checks/tls/index.ts';
import { buildSuite, opensslClientVerdict, opensslVerifyFile, SUITE_CASES, type Suite, type SuiteCase } from './tls-suite.ts';

/** OpenSSL verify error numbers and the problem code that names the same fault. */
const OPENSSL_TO_CODE: Record<number, string> = {
  9: 'not-yet-valid',
  10: 'expired',
  18: 'self-signed',
  19: 'untrusted-root',
  20: 'incomplete-chain',
  21: 'incomplete-chain',
  62: 'hostname-mismatch',
  66: 'weak-key',
  67: 'weak-key',
  68: 'weak-signature',
};

/** What each case must produce, independently of OpenSSL: the suite is also a spec. */
const EXPECTED: Record<SuiteCase, { status: string; codes: string[] }> = {
  valid: { status: 'ok', codes: [] },
  expired: { status: 'critical', codes: ['expired'] },
  'not-yet-valid': { status: 'critical', codes: ['not-yet-valid'] },
  'expiring-5-days': { status: 'critical', codes: ['expiring'] },
  'wrong-host': { status: 'critical', codes: ['hostname-mismatch'] },
  'self-signed': { status: 'critical', codes: ['self-signed'] },
  'untrusted-root': { status: 'critical', codes: ['untrusted-root'] },
  'incomplete-chain': { status: 'critical', codes: ['incomplete-chain'] },
  sha1: { status: 'critical', codes: ['weak-signature'] },
  'rsa-1024': { status: 'critical', codes: ['weak-key'] },
};

let suite: Suite;
before(async () => {
  suite = await buildSuite();
});
after(async () => {
  await suite?.close();
});

for (const name of SUITE_CASES) {
  test(`TLS verdict agrees with openssl s_client: ${name}`, async () => {
    const c = suite.cases.find((x) => x.name === name)!;
    const [ours, openssl] = await Promise.all([checkTls(`localhost:${c.port}`, { caPem: suite.rootPem, timeoutMs: 30_000 }), opensslClientVerdict(c.port, suite.rootPath, 'localhost')]);
    const codes = ours.problems.map((p) => p.code);
    assert.equal(ours.status, EXPECTED[name].status, JSON.stringify(ours.problems));
    assert.deepEqual(codes, EXPECTED[name].codes);
    // OpenSSL judges trust and validity; an early expiry warning is ours alone.
    const trustCodes = codes.filter((x) => x !== 'expiring');
    const fromOpenssl = openssl.code === 0 ? [] : [OPENSSL_TO_CODE[openssl.code] ?? `openssl-${openssl.code}`];
    assert.deepEqual(trustCodes, fromOpenssl, `openssl said ${openssl.code} (${openssl.text})`);
    assert.ok(ours.chain.length >= 1);
    assert.ok(ours.tlsVersion);
  });
}

for (const name of SUITE_CASES.filter((n) => n !== 'wrong-host')) {
  test(`certificate-file verdict agrees with openssl verify: ${name}`, async () => {
    const c = suite.cases.find((x) => x.name === name)!;
    const [ours, openssl] = await Promise.all([checkCertFile(c.chainPath, { caPem: suite.rootPem }), opensslVerifyFile(c.leafPath, c.chainPath, suite.rootPath)]);
    const trustCodes = ours.problems.map((p) => p.code).filter((x) => x !== 'expiring');
    const fromOpenssl = openssl.code === 0 ? [] : [OPENSSL_TO_CODE[openssl.code] ?? `openssl-${openssl.code}`];
    assert.deepEqual(trustCodes, fromOpenssl, `openssl verify said ${openssl.code} (${openssl.text})`);
  });
}

test('the valid case reports its figures: chain as presented, SANs, days left, protocol and cipher', async () => {
  const c = suite.cases.find((x) => x.name === 'valid')!;
  const doc = await checkTls(`https://localhost:${c.port}/`, { caPem: suite.rootPem });
  assert.equal(doc.subject, 'CN=localhost, O=syncprobe suite');
  assert.equal(doc.issuer, 'CN=Suite Intermediate CA, O=syncprobe suite');
  assert.deepEqual(doc.sans, ['DNS:localhost', 'IP:127.0.0.1']);
  assert.deepEqual(doc.chain.map((x) => x.subject), ['CN=localhost, O=syncprobe suite', 'CN=Suite Intermediate CA, O=syncprobe suite']);
  assert.deepEqual(doc.trustPath, [...doc.chain.map((x) => x.subject), 'CN=Suite Root CA, O=syncprobe suite']);
  assert.equal(doc.trust, 'trusted');
  assert.ok(doc.daysLeft! >= 363 && doc.daysLeft! <= 365);
  assert.equal(doc.chainDaysLeft, doc.daysLeft, 'the leaf expires before the intermediate');
  assert.equal(doc.tlsVersion, 'TLSv1.3');
  assert.match(doc.cipher!, /^TLS_/);
  assert.equal(doc.servername, 'localhost');
});

test('the bundle of the expiring case reports chainDaysLeft and every certificate', async () => {
  const c = suite.cases.find((x) => x.name === 'expiring-5-days')!;
  const doc = await checkCertFile(c.chainPath, {});
  assert.equal(doc.certificates.length, 2);
  assert.equal(doc.daysLeft, 4);
  assert.equal(doc.chainDaysLeft, 4);
  assert.equal(doc.trust, null, 'without --ca the file is judged on its own');
  assert.equal(doc.status, 'critical');
});
