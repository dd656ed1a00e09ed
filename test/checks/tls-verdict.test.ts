import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateCertificates, type CertVerdictInput } from '../../src/checks/tls/verdict.ts';
import { parseTlsTarget } from '../../src/checks/tls/index.ts';
import { signatureAlgorithmOid, parsePemCertificates, certFacts, type CertFacts } from '../../src/checks/tls/facts.ts';
import { assessTrust } from '../../src/checks/tls/chain.ts';
import { UsageError } from '../../src/core/errors.ts';
import { createPki } from '../../sandbox/pki.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const day = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

function cert(over: Partial<CertFacts> = {}): CertFacts {
  return {
    subject: 'CN=erp.example.com',
    issuer: 'CN=Example Issuing CA',
    serialNumber: '01',
    fingerprint256: 'AA',
    notBefore: iso(NOW - 30 * day),
    notAfter: iso(NOW + 200 * day),
    sans: ['DNS:erp.example.com'],
    isCA: false,
    selfSigned: false,
    signatureAlgorithm: 'sha256WithRSAEncryption',
    signatureHash: 'sha256',
    keyType: 'rsa',
    keyBits: 2048,
    ...over,
  };
}
const intermediate = (over: Partial<CertFacts> = {}) => cert({ subject: 'CN=Example Issuing CA', issuer: 'CN=Example Root', isCA: true, notAfter: iso(NOW + 1000 * day), ...over });

const trusted = { trust: 'trusted' as const, path: ['CN=erp.example.com', 'CN=Example Issuing CA', 'CN=Example Root'] };
const base: CertVerdictInput = {
  chain: [cert(), intermediate()],
  nowMs: NOW,
  thresholds: { warnDays: 30, critDays: 7 },
  trust: trusted,
  hostname: { name: 'erp.example.com', matches: true },
  tlsVersion: 'TLSv1.3',
};

const table: Array<{ name: string; input: Partial<CertVerdictInput>; status: string; codes: string[]; daysLeft?: number; chainDaysLeft?: number }> = [
  { name: 'healthy chain', input: {}, status: 'ok', codes: [], daysLeft: 200, chainDaysLeft: 200 },
  { name: 'leaf expired', input: { chain: [cert({ notAfter: iso(NOW - 3 * day) }), intermediate()] }, status: 'critical', codes: ['expired'], daysLeft: -3 },
  { name: 'expires exactly now counts as expired', input: { chain: [cert({ notAfter: iso(NOW) })] }, status: 'critical', codes: ['expired'] },
  { name: 'not yet valid', input: { chain: [cert({ notBefore: iso(NOW + day) })] }, status: 'critical', codes: ['not-yet-valid'] },
  { name: '29.9 days left: warning', input: { chain: [cert({ notAfter: iso(NOW + 29.9 * day) })] }, status: 'warning', codes: ['expiring'], daysLeft: 29 },
  { name: '30 days left: ok', input: { chain: [cert({ notAfter: iso(NOW + 30 * day) })] }, status: 'ok', codes: [], daysLeft: 30 },
  { name: '5 days left: critical', input: { chain: [cert({ notAfter: iso(NOW + 5 * day) })] }, status: 'critical', codes: ['expiring'], daysLeft: 5 },
  { name: '7 days left: warning (crit below 7)', input: { chain: [cert({ notAfter: iso(NOW + 7 * day) })] }, status: 'warning', codes: ['expiring'] },
  {
    name: 'intermediate expiring first sets chainDaysLeft',
    input: { chain: [cert(), intermediate({ notAfter: iso(NOW + 10 * day) })] },
    status: 'warning',
    codes: ['expiring'],
    daysLeft: 200,
    chainDaysLeft: 10,
  },
  { name: 'expired intermediate', input: { chain: [cert(), intermediate({ notAfter: iso(NOW - day) })] }, status: 'critical', codes: ['expired'], chainDaysLeft: -1 },
  { name: 'custom thresholds', input: { thresholds: { warnDays: 400, critDays: 100 } }, status: 'warning', codes: ['expiring'] },
  { name: 'hostname mismatch', input: { hostname: { name: 'wms.example.com', matches: false } }, status: 'critical', codes: ['hostname-mismatch'] },
  { name: 'self-signed', input: { chain: [cert({ selfSigned: true, issuer: 'CN=erp.example.com' })], trust: { trust: 'self-signed', path: ['CN=erp.example.com'] } }, status: 'critical', codes: ['self-signed'] },
  { name: 'untrusted root', input: { trust: { trust: 'untrusted-root', path: ['CN=erp.example.com', 'CN=Rogue Root'] } }, status: 'critical', codes: ['untrusted-root'] },
  { name: 'incomplete chain', input: { chain: [cert()], trust: { trust: 'incomplete-chain', path: ['CN=erp.example.com'], missingIssuer: 'CN=Example Issuing CA' } }, status: 'critical', codes: ['incomplete-chain'] },
  { name: 'trust not evaluated (files without --ca)', input: { trust: null, hostname: null, tlsVersion: null }, status: 'ok', codes: [] },
  { name: 'SHA-1 leaf', input: { chain: [cert({ signatureHash: 'sha1', signatureAlgorithm: 'sha1WithRSAEncryption' })] }, status: 'critical', codes: ['weak-signature'] },
  { name: 'MD5 intermediate', input: { chain: [cert(), intermediate({ signatureHash: 'md5', signatureAlgorithm: 'md5WithRSAEncryption' })] }, status: 'critical', codes: ['weak-signature'] },
  { name: 'SHA-1 self-signature of a presented root is ignored', input: { chain: [cert(), intermediate(), cert({ subject: 'CN=Example Root', issuer: 'CN=Example Root', isCA: true, selfSigned: true, signatureHash: 'sha1' })] }, status: 'ok', codes: [] },
  { name: 'RSA-1024', input: { chain: [cert({ keyBits: 1024 })] }, status: 'critical', codes: ['weak-key'] },
  { name: 'EC P-256 is enough', input: { chain: [cert({ keyType: 'ec', keyBits: 256 })] }, status: 'ok', codes: [] },
  { name: 'EC P-224 is weak', input: { chain: [cert({ keyType: 'ec', keyBits: 224 })] }, status: 'critical', codes: ['weak-key'] },
  { name: 'Ed25519 has no size rule', input: { chain: [cert({ keyType: 'ed25519', keyBits: 256 })] }, status: 'ok', codes: [] },
  { name: 'TLS 1.1', input: { tlsVersion: 'TLSv1.1' }, status: 'critical', codes: ['legacy-protocol'] },
  { name: 'TLS 1.2', input: { tlsVersion: 'TLSv1.2' }, status: 'ok', codes: [] },
  {
    name: 'several problems at once, all reported',
    input: { chain: [cert({ notAfter: iso(NOW + 20 * day), keyBits: 1024 })], hostname: { name: 'x', matches: false }, tlsVersion: 'TLSv1' },
    status: 'critical',
    codes: ['expiring', 'hostname-mismatch', 'weak-key', 'legacy-protocol'],
  },
];

for (const row of table) {
  test(`certificate verdict: ${row.name}`, () => {
    const v = evaluateCertificates({ ...base, ...row.input });
    assert.equal(v.status, row.status);
    assert.deepEqual(v.problems.map((p) => p.code), row.codes);
    for (const p of v.problems) assert.ok(p.message.length > 20, `a message a person can act on: ${p.message}`);
    if (row.daysLeft !== undefined) assert.equal(v.daysLeft, row.daysLeft);
    if (row.chainDaysLeft !== undefined) assert.equal(v.chainDaysLeft, row.chainDaysLeft);
  });
}

test('expiring problems name the certificate, the date and the threshold', () => {
  const v = evaluateCertificates({ ...base, chain: [cert(), intermediate({ notAfter: iso(NOW + 3 * day) })] });
  assert.match(v.problems[0]!.message, /chain certificate #2 \(CN=Example Issuing CA\)/);
  assert.match(v.problems[0]!.message, /in 3 days/);
  assert.match(v.problems[0]!.message, /below 7 days/);
});

const targets: Array<[string, { host: string; port: number } | RegExp]> = [
  ['erp.example.com:8443', { host: 'erp.example.com', port: 8443 }],
  ['erp.example.com', { host: 'erp.example.com', port: 443 }],
  ['https://erp.example.com/api/v1', { host: 'erp.example.com', port: 443 }],
  ['https://127.0.0.1:9443', { host: '127.0.0.1', port: 9443 }],
  ['[::1]:8443', { host: '::1', port: 8443 }],
  ['https://[::1]:8443/x', { host: '::1', port: 8443 }],
  ['::1', { host: '::1', port: 443 }],
  ['http://erp.example.com', /not an https:\/\/ URL/],
  ['erp.example.com:99999', /out of range/],
  ['erp example', /not a TLS target/],
  ['', /not a TLS target/],
];
for (const [raw, expected] of targets) {
  test(`TLS target '${raw}'`, () => {
    if (expected instanceof RegExp) {
      assert.throws(() => parseTlsTarget(raw), (err: unknown) => err instanceof UsageError && expected.test(err.message));
    } else {
      assert.deepEqual(parseTlsTarget(raw), expected);
    }
  });
}

test('certificate facts from sandbox certificates: ECDSA P-256, SHA-256, SANs, CA flags, trust path', async (t) => {
  const pki = await createPki();
  t.after(() => pki.cleanup());
  const { certPem } = await pki.issueServerCert({ hosts: ['127.0.0.1', 'erp.sandbox.test'], expiresInDays: 90 });
  const [leaf] = parsePemCertificates(certPem, 'leaf.pem');
  const [ca] = parsePemCertificates(pki.caPem, 'ca.pem');
  assert.equal(signatureAlgorithmOid(leaf!.raw), '1.2.840.10045.4.3.2');
  const f = certFacts(leaf!);
  assert.equal(f.signatureAlgorithm, 'ecdsa-with-SHA256');
  assert.equal(f.signatureHash, 'sha256');
  assert.equal(f.keyType, 'ec');
  assert.equal(f.keyBits, 256);
  assert.deepEqual(f.sans, ['IP:127.0.0.1', 'DNS:erp.sandbox.test']);
  assert.equal(f.isCA, false);
  assert.equal(f.selfSigned, false);
  assert.equal(certFacts(ca!).selfSigned, true);
  assert.equal(certFacts(ca!).isCA, true);
  assert.deepEqual(assessTrust([leaf!], [ca!]).trust, 'trusted');
  assert.deepEqual(assessTrust([leaf!, ca!], []).trust, 'untrusted-root');
  assert.deepEqual(assessTrust([leaf!], []), { trust: 'incomplete-chain', path: [f.subject], missingIssuer: f.issuer });
  assert.equal(assessTrust([ca!], []).trust, 'self-signed');
});

test('PEM parsing names the file and what is wrong', () => {
  assert.throws(() => parsePemCertificates('hello', 'partner.pem'), (e: unknown) => e instanceof UsageError && e.where === 'partner.pem' && /not a PEM file/.test(e.message));
  assert.throws(
    () => parsePemCertificates('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'bad.pem'),
    (e: unknown) => e instanceof UsageError && /certificate #1 does not parse/.test(e.message),
  );
  assert.throws(
    () => parsePemCertificates('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', 'key.pem'),
    (e: unknown) => e instanceof UsageError && /no certificate/.test(e.message),
  );
});
