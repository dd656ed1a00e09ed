import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import http from 'node:http';
import { createPki, type Pki } from '../../sandbox/pki.ts';
import { ERP_RESOURCE, startOAuthServer, type OAuthServer } from '../../sandbox/oauth.ts';
import { checkOAuth, toPoints, type OAuthCheckOptions } from '../../src/checks/oauth/index.ts';

import { syncprobe as run } from './tls-cli-support.ts';

const CANARY = 'canary-Zq81xW-never-print-me';
const DAY = 86_400;

let pki: Pki;
let idp: OAuthServer;
let dir: string;

before(async () => {
  pki = await createPki();
  dir = await mkdtemp(join(tmpdir(), 'syncprobe-oauth-check-'));
  idp = await startOAuthServer({
    pki,
    accessTokenTtlSeconds: 600,
    clients: [
      { clientId: 'syncprobe-probe', scopes: ['erp:read', 'erp:write'] },
      { clientId: 'wms-WH-EAST', clientSecret: CANARY, scopes: ['erp:write'] },
      { clientId: 'expired-secret', scopes: ['erp:read'], secretExpiresAt: Math.floor(Date.now() / 1000) - DAY },
      { clientId: 'expiring-secret', scopes: ['erp:read'], secretExpiresAt: Math.floor(Date.now() / 1000) + 5 * DAY },
      { clientId: 'code-flow-only', scopes: ['erp:read'], grantTypes: ['authorization_code'] },
    ],
  });
});
after(async () => {
  await idp.stop();
  await pki.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const secretOf = (id: string) => idp.clients.find((c) => c.clientId === id)!.clientSecret;
let stateCounter = 0;
function opts(clientId: string, over: Partial<OAuthCheckOptions> = {}): OAuthCheckOptions {
  return { issuer: idp.issuer, clientId, clientSecret: secretOf(clientId), scope: 'erp:read', resource: ERP_RESOURCE, caPem: pki.caPem, stateDir: join(dir, `state-${++stateCounter}`), timeoutMs: 30_000, ...over };
}

test('a healthy client: discovery, token, JWT inspection and figures', async () => {
  const doc = await checkOAuth(opts('syncprobe-probe', { scope: 'erp:read erp:write' }));
  assert.equal(doc.status, 'ok', JSON.stringify(doc.problems));
  assert.deepEqual(doc.problems, []);
  assert.equal(doc.issuer, idp.issuer);
  assert.equal(doc.tokenEndpoint, idp.tokenEndpoint);
  assert.equal(doc.jwksUri, idp.jwksUri);
  assert.equal(doc.expiresIn, 600);
  assert.equal(doc.lifetimeS, 600);
  assert.ok(doc.acquireMs! > 0);
  assert.equal(doc.tokenFormat, 'jwt');
  assert.equal(doc.signature, 'valid');
  assert.equal(doc.kid, idp.kids()[0]);
  assert.deepEqual(doc.jwksKids, idp.kids());
  assert.equal(doc.audience, ERP_RESOURCE);
  assert.deepEqual(doc.grantedScopes!.sort(), ['erp:read', 'erp:write']);
  assert.ok(Math.abs(doc.clockSkewS!) <= 1);
  const [p] = toPoints(doc, { target: 'idp', environment: 'sandbox' });
  assert.equal(p!.measurement, 'oauth_client');
  assert.deepEqual(p!.tags, { target: 'idp', env: 'sandbox' });
  assert.equal(p!.fields.lifetime_s, 600);
  assert.equal(p!.fields.status, 'ok');
  assert.equal(typeof p!.fields.acquire_ms, 'number');
});

test('--token-url without discovery still acquires and, given --jwks-uri, verifies', async () => {
  const doc = await checkOAuth(opts('syncprobe-probe', { issuer: undefined, tokenUrl: idp.tokenEndpoint, jwksUri: idp.jwksUri }));
  assert.equal(doc.status, 'ok', JSON.stringify(doc.problems));
  assert.equal(doc.signature, 'valid');
  const noJwks = await checkOAuth(opts('syncprobe-probe', { issuer: undefined, tokenUrl: idp.tokenEndpoint }));
  assert.equal(noJwks.signature, 'unchecked');
});

test('a wrong secret is invalid-client', async () => {
  const doc = await checkOAuth(opts('syncprobe-probe', { clientSecret: 'definitely-wrong' }));
  assert.equal(doc.status, 'critical');
  assert.deepEqual(doc.problems.map((p) => p.code), ['invalid-client']);
  assert.match(doc.problems[0]!.message, /secret is wrong/);
});

test('an expired secret is invalid-client, explained as expired', async () => {
  const doc = await checkOAuth(opts('expired-secret'));
  assert.deepEqual(doc.problems.map((p) => p.code), ['invalid-client']);
  assert.match(doc.problems[0]!.message, /client secret has expired/);
});

test('a scope the client is not allowed is invalid-scope', async () => {
  const doc = await checkOAuth(opts('wms-WH-EAST', { scope: 'erp:read' }));
  assert.deepEqual(doc.problems.map((p) => p.code), ['invalid-scope']);
});

test('a scope the resource does not know is dropped by the provider: scope-missing', async () => {
  const doc = await checkOAuth(opts('syncprobe-probe', { scope: 'erp:read erp:admin' }));
  assert.deepEqual(doc.problems.map((p) => p.code), ['scope-missing']);
  assert.match(doc.problems[0]!.message, /erp:admin/);
});

test('a client without the client-credentials grant is unauthorized-client', async () => {
  const doc = await checkOAuth(opts('code-flow-only'));
  assert.deepEqual(doc.problems.map((p) => p.code), ['unauthorized-client']);
});

test('a secret expiring in 5 days is critical as reported by the provider; a configured date in 20 days is a warning', async () => {
  const in5 = await checkOAuth(opts('expiring-secret'));
  assert.deepEqual(in5.problems.map((p) => p.code), ['secret-expiring']);
  assert.equal(in5.status, 'critical');
  assert.equal(in5.secretDaysLeft, 4);
  assert.equal(Date.parse(in5.secretExpiresAt!) / 1000, idp.clients.find((c) => c.clientId === 'expiring-secret')!.secretExpiresAt);
  const in20 = await checkOAuth(opts('syncprobe-probe', { secretExpiresAt: new Date(Date.now() + 20 * DAY * 1000) }));
  assert.equal(in20.status, 'warning');
});

test('the issuer must match exactly', async () => {
  const doc = await checkOAuth(opts('syncprobe-probe', { issuer: idp.issuer.replace('127.0.0.1', 'localhost') }));
  assert.ok(doc.problems.some((p) => p.code === 'issuer-mismatch'), JSON.stringify(doc.problems));
  assert.equal(doc.status, 'critical');
});

test('unreachable issuer, untrusted TLS and plain HTTP are critical with their codes', async () => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const down = await checkOAuth(opts('syncprobe-probe', { issuer: `https://127.0.0.1:${port}/oidc` }));
  assert.deepEqual(down.problems.map((p) => p.code), ['unreachable']);
  const { caPem: _, ...noCa } = opts('syncprobe-probe');
  const untrusted = await checkOAuth(noCa);
  assert.deepEqual(untrusted.problems.map((p) => p.code), ['tls-error']);
  assert.match(untrusted.problems[0]!.message, /--ca/);
  const plain = http.createServer((_q, r) => r.end('{}'));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
  try {
    const notTls = await checkOAuth(opts('syncprobe-probe', { issuer: `https://127.0.0.1:${(plain.address() as net.AddressInfo).port}/oidc` }));
    assert.deepEqual(notTls.problems.map((p) => p.code), ['tls-error']);
    assert.match(notTls.problems[0]!.message, /wrong version number.*serves HTTPS/);
  } finally {
    await new Promise<void>((r) => plain.close(() => r()));
  }
});

test('key rotation between runs: informational with the old key served, a warning when it disappears', async (t) => {
  const own = await startOAuthServer({ pki, clients: [{ clientId: 'rot', scopes: ['erp:read'] }] });
  t.after(() => own.stop());
  const stateDir = join(dir, 'rotation');
  const run = () => checkOAuth({ issuer: own.issuer, clientId: 'rot', clientSecret: own.clients[0]!.clientSecret, resource: ERP_RESOURCE, caPem: pki.caPem, stateDir });
  const first = await run();
  assert.equal(first.status, 'ok');
  assert.equal(first.previousJwksKids, null);
  const oldKid = first.kid!;

  await own.rotateKeys({ keepOld: true });
  const second = await run();
  assert.equal(second.status, 'ok');
  assert.deepEqual(second.notices.map((n) => n.code), ['key-rotated']);
  assert.deepEqual(second.previousJwksKids, [oldKid]);
  assert.notEqual(second.kid, oldKid);

  await own.rotateKeys({ keepOld: false });
  const third = await run();
  assert.equal(third.status, 'warning');
  assert.deepEqual(third.problems.map((p) => p.code), ['signing-key-removed']);
  assert.match(third.problems[0]!.message, new RegExp(second.kid!));

  const fourth = await run();
  assert.equal(fourth.status, 'ok', 'the warning is about a change, not a lasting condition');
  const files = await readdir(stateDir);
  assert.equal(files.length, 1);
  const state = JSON.parse(await readFile(join(stateDir, files[0]!), 'utf8'));
  assert.deepEqual(state.kids, own.kids());
});

const syncprobe = (args: string[], env: Record<string, string>) => run(args, { env });

test('CLI: a canary secret appears in no output, state file or point; exit codes follow the verdict', async () => {
  const caPath = join(dir, 'ca.pem');
  await writeFile(caPath, pki.caPem);
  const stateDir = join(dir, 'cli-state');
  const common = ['check', 'oauth', '--issuer', idp.issuer, '--client-secret-env', 'SP_CANARY_SECRET', '--resource', ERP_RESOURCE, '--ca', caPath, '--state-dir', stateDir];
  const env = { SP_CANARY_SECRET: CANARY, SYNCPROBE_DEBUG: '1' };
  const [ok, wrong, badScope, noEnv, badDate] = await Promise.all([
    syncprobe([...common, '--client-id', 'wms-WH-EAST', '--scope', 'erp:write', '--json'], env),
    syncprobe([...common, '--client-id', 'syncprobe-probe', '--json'], env),
    syncprobe([...common, '--client-id', 'wms-WH-EAST', '--scope', 'erp:read'], env),
    syncprobe([...common, '--client-id', 'wms-WH-EAST'], { SP_CANARY_SECRET: '' }),
    syncprobe([...common, '--client-id', 'wms-WH-EAST', '--secret-expires-at', 'next tuesday'], env),
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const doc = JSON.parse(ok.stdout);
  assert.equal(doc.status, 'ok');
  for (const k of ['acquireMs', 'expiresIn', 'problems', 'kid', 'jwksKids']) assert.ok(k in doc, k);
  assert.match(ok.stderr, /OAuth client wms-WH-EAST .* OK - token in [\d.]+ ms, expires in 600s/);
  assert.equal(wrong.code, 2);
  assert.equal(JSON.parse(wrong.stdout).problems[0].code, 'invalid-client');
  assert.equal(badScope.code, 2);
  assert.match(badScope.stderr, /invalid-scope/);
  assert.equal(noEnv.code, 3);
  assert.match(noEnv.stderr, /environment variable SP_CANARY_SECRET is not set or empty/);
  assert.equal(badDate.code, 3);
  assert.match(badDate.stderr, /--secret-expires-at: 'next tuesday' is not an ISO date/);

  const basic = Buffer.from(`wms-WH-EAST:${CANARY}`).toString('base64');
  const outputs = [ok, wrong, badScope, noEnv, badDate].flatMap((r) => [r.stdout, r.stderr]);
  for (const f of await readdir(stateDir)) outputs.push(await readFile(join(stateDir, f), 'utf8'));
  assert.ok((await readdir(stateDir)).length >= 1, 'a state file was written');
  const inProcess = await checkOAuth(opts('wms-WH-EAST', { scope: 'erp:write' }));
  outputs.push(JSON.stringify(inProcess), JSON.stringify(toPoints(inProcess, { target: 'wms-WH-EAST', environment: 'sandbox' })));
  for (const text of outputs) {
    assert.ok(!text.includes(CANARY), 'the client secret leaked');
    assert.ok(!text.includes(basic), 'the Basic credentials leaked');
    assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{10,}\.eyJ/, 'an access token leaked');
  }
});
