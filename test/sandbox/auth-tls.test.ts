import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Agent, request } from 'undici';
import { SignJWT } from 'jose';
import type { Sandbox } from '../../sandbox/index.ts';
import { requestClientCredentialsToken } from '../../sandbox/oauth.ts';
import { Api, fastSandbox, waitFor } from './support.ts';

let sb: Sandbox;
let api: Api;
// Short-lived tokens so an honestly expired one (issued by the real provider) is seconds away; iat is
// rounded down to the second, and a machine stalled for longer than what is left gets a new token
// (withFreshToken).
before(async () => {
  sb = await fastSandbox({ accessTokenTtlSeconds: 4 });
  api = new Api(sb);
});
after(async () => {
  await api?.close();
  await sb?.stop();
});

async function tokenOf(clientId: string, scope = 'erp:read erp:write') {
  const c = sb.clients.find((x) => x.clientId === clientId)!;
  return requestClientCredentialsToken({ tokenEndpoint: sb.oauth.tokenEndpoint, clientId, clientSecret: c.clientSecret, resource: sb.oauth.resource, scope, caPem: sb.caPem });
}

const items = (bearer: string | null) => api.get(`${sb.services.erp}/api/items`, { bearer });

const expOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;

/**
 * Runs `use` with a fresh token of the client. A machine stalled for a few seconds between the
 * issue and the use hands `use` an honestly expired token, which the ERP rightly refuses: only then
 * (the clock past the token's exp) does `use` run again with a new one. A refusal of a token that
 * was still valid fails the test.
 */
async function withFreshToken<T>(clientId: string, scope: string | undefined, use: (token: string) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const t = await tokenOf(clientId, scope);
    try {
      return await use(t.access_token);
    } catch (err) {
      if (attempt < 5 && Date.now() >= expOf(t.access_token) * 1000) continue;
      throw err;
    }
  }
}

test('a token from the real authorization server is accepted by the ERP', async () => {
  await withFreshToken('syncprobe-probe', undefined, async (token) => {
    const r = await items(token);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((i: { sku: string }) => i.sku), ['SKU-1001', 'SKU-1002', 'SKU-1003']);
  });
});

test('no token: 401 with WWW-Authenticate and the error convention', async () => {
  const r = await items(null);
  assert.equal(r.status, 401);
  assert.equal(r.body.error.code, 'invalid_token');
  assert.match(String(r.headers['www-authenticate']), /^Bearer realm="erp"/);
});

test('an expired token from the real provider: 401', async () => {
  const token = await withFreshToken('syncprobe-probe', undefined, async (tok) => {
    assert.equal((await items(tok)).status, 200);
    return tok;
  });
  const exp = expOf(token);
  await waitFor('the token to expire', () => Date.now() / 1000 > exp + 0.5);
  const r = await items(token);
  assert.equal(r.status, 401);
  assert.match(r.body.error.message, /expired/);
  assert.match(String(r.headers['www-authenticate']), /error_description="expired"/);
});

test('wrongly signed tokens: 401 (a foreign key, and a real token with an altered payload)', async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forged = await new SignJWT({ client_id: 'syncprobe-probe', scope: 'erp:read erp:write' })
    .setProtectedHeader({ alg: 'RS256', kid: 'forged-key' })
    .setIssuer(sb.oauth.issuer)
    .setAudience(sb.oauth.resource)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);
  const r1 = await items(forged);
  assert.equal(r1.status, 401);
  assert.match(r1.body.error.message, /key the issuer does not publish/);

  const real = (await tokenOf('syncprobe-probe', 'erp:read')).access_token;
  const [h, p, s] = real.split('.');
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
  payload.scope = 'erp:read erp:write';
  const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
  const r2 = await items(tampered);
  assert.equal(r2.status, 401);
  assert.match(r2.body.error.message, /signature/);
});

test('a token without the write scope cannot create orders: 403 insufficient_scope', async () => {
  await withFreshToken('syncprobe-expiring', 'erp:read', async (token) => {
    assert.equal((await items(token)).status, 200);
    const r = await api.post(`${sb.services.erp}/api/sales-orders`, { externalReference: 'SP-X', channel: 'b2b', customer: 'X', lines: [{ item: 'SKU-1001', quantity: 1, uom: 'EA', warehouse: 'WH-EAST' }] }, { bearer: token });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'insufficient_scope');
  });
});

test('TLS verifies with the sandbox CA and fails without it', async () => {
  for (const url of [sb.services.storefront, sb.services.middleware, sb.services.erp, sb.services.wms, sb.services.notifications, sb.admin, `${sb.services.oauth}/.well-known/openid-configuration`]) {
    const withCa = new Agent({ connect: { ca: sb.caPem } });
    const without = new Agent();
    try {
      const ok = await request(url, { dispatcher: withCa });
      await ok.body.dump();
      assert.ok(ok.statusCode < 500, `${url} answered ${ok.statusCode}`);
      await assert.rejects(
        request(url, { dispatcher: without }),
        (err: Error & { code?: string }) => /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i.test(`${err.code} ${err.message}`),
        url,
      );
    } finally {
      await withCa.close();
      await without.close();
    }
  }
  // The certificate names 127.0.0.1 and localhost only: another name fails verification even with the CA.
  const wrongName = new Agent({ connect: { ca: sb.caPem, servername: 'erp.example.com' } });
  try {
    await assert.rejects(request(sb.services.erp, { dispatcher: wrongName }), /altnames|Hostname|ERR_TLS_CERT_ALTNAME_INVALID/);
  } finally {
    await wrongName.close();
  }
});
