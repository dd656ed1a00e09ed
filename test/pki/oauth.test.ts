import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { SignJWT, generateKeyPair, decodeProtectedHeader } from 'jose';
import { createPki, type Pki } from '../../sandbox/pki.ts';
import {
  ERP_RESOURCE,
  TokenRejectedError,
  TokenRequestError,
  bearerToken,
  createClientCredentialsSource,
  createTokenVerifier,
  requestClientCredentialsToken,
  startOAuthServer,
  type OAuthServer,
  type TokenRejectionReason,
} from '../../sandbox/oauth.ts';

let pki: Pki;
let oauth: OAuthServer;
let verify: ReturnType<typeof createTokenVerifier>;

before(async () => {
  pki = await createPki();
  oauth = await startOAuthServer({
    pki,
    accessTokenTtlSeconds: 300,
    clients: [
      { clientId: 'syncprobe-probe', scopes: ['erp:read', 'erp:write'] },
      { clientId: 'wms-WH-EAST', clientSecret: 'east-secret-value', scopes: ['erp:write'] },
      { clientId: 'expired-secret', scopes: ['erp:read'], secretExpiresAt: Math.floor(Date.now() / 1000) - 86_400 },
      { clientId: 'code-flow-only', scopes: ['erp:read'], grantTypes: ['authorization_code'] },
      { clientId: 'expiring-secret', scopes: ['erp:read'], secretExpiresAt: Math.floor(Date.now() / 1000) + 5 * 86_400 },
    ],
  });
  verify = createTokenVerifier({ issuer: oauth.issuer, jwksUri: oauth.jwksUri, audience: ERP_RESOURCE, caPem: pki.caPem });
});
after(async () => {
  await oauth.stop();
  await pki.cleanup();
});

const client = (id: string) => oauth.clients.find((c) => c.clientId === id)!;

function tokenFor(id: string, scope?: string) {
  const c = client(id);
  return requestClientCredentialsToken({ tokenEndpoint: oauth.tokenEndpoint, clientId: c.clientId, clientSecret: c.clientSecret, resource: ERP_RESOURCE, caPem: pki.caPem, ...(scope ? { scope } : {}) });
}

function getJson(url: string, ca?: string): Promise<any> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ...(ca ? { ca } : {}), agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', reject);
  });
}

async function rejectsWith(token: string | undefined, reason: TokenRejectionReason, v = verify) {
  await assert.rejects(v(token), (err: unknown) => {
    assert.ok(err instanceof TokenRejectedError, `expected TokenRejectedError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.equal(err.status, 401);
    return true;
  });
}

test('discovery is served over HTTPS under /oidc with the token endpoint and JWKS', async () => {
  assert.match(oauth.issuer, /^https:\/\/127\.0\.0\.1:\d+\/oidc$/);
  const meta = await getJson(`${oauth.issuer}/.well-known/openid-configuration`, pki.caPem);
  assert.equal(meta.issuer, oauth.issuer);
  assert.equal(meta.token_endpoint, oauth.tokenEndpoint);
  assert.equal(meta.jwks_uri, oauth.jwksUri);
  assert.ok(meta.grant_types_supported.includes('client_credentials'));
  await assert.rejects(getJson(`${oauth.issuer}/.well-known/openid-configuration`), /certificate/);
});

test('a client-credentials token from the provider verifies with client id, scopes and expiry', async () => {
  const t = await tokenFor('syncprobe-probe', 'erp:read erp:write');
  assert.equal(t.token_type, 'Bearer');
  assert.equal(t.expires_in, 300);
  assert.equal(decodeProtectedHeader(t.access_token).typ, 'at+jwt');
  const v = await verify(t.access_token);
  assert.equal(v.clientId, 'syncprobe-probe');
  assert.deepEqual(v.scopes.sort(), ['erp:read', 'erp:write']);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(v.expiresAt > now + 240 && v.expiresAt <= now + 300, `expires at ${v.expiresAt}, now ${now}`);
  assert.equal(bearerToken(`Bearer ${t.access_token}`), t.access_token);
  assert.equal(bearerToken('Basic abc'), undefined);
});

test('the token response reports client_secret_expires_at for a client whose secret expires', async () => {
  const t = await tokenFor('expiring-secret');
  assert.equal(t.client_secret_expires_at, client('expiring-secret').secretExpiresAt);
  const plain = await tokenFor('syncprobe-probe');
  assert.equal(plain.client_secret_expires_at, undefined);
});

test('a missing or malformed token is rejected with its own reason', async () => {
  await rejectsWith(undefined, 'missing');
  await rejectsWith('', 'missing');
  await rejectsWith('not-a-jwt', 'malformed');
});

test('a token signed by a foreign key is rejected: same kid -> bad-signature, unknown kid -> unknown-key', async () => {
  const { privateKey } = await generateKeyPair('RS256');
  const realKid = oauth.kids()[0]!;
  const claims = { client_id: 'syncprobe-probe', scope: 'erp:read' };
  const forge = (kid: string) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid })
      .setIssuer(oauth.issuer)
      .setAudience(ERP_RESOURCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
  await rejectsWith(await forge(realKid), 'bad-signature');
  await rejectsWith(await forge('someone-elses-key'), 'unknown-key');
});

test('a token for another audience is rejected', async () => {
  const other = createTokenVerifier({ issuer: oauth.issuer, jwksUri: oauth.jwksUri, audience: 'urn:syncprobe:wms', caPem: pki.caPem });
  const t = await tokenFor('syncprobe-probe', 'erp:read');
  await rejectsWith(t.access_token, 'wrong-audience', other);
});

test('an expired token is rejected as expired', async (t) => {
  const shortPki = pki;
  // Three seconds: iat is the issuing second rounded down, so a one-second token can already be
  // expired when it is first verified a few hundred milliseconds later.
  const short = await startOAuthServer({ pki: shortPki, accessTokenTtlSeconds: 3, clients: [{ clientId: 'short', scopes: ['erp:read'] }] });
  t.after(() => short.stop());
  const c = short.clients[0]!;
  const v = createTokenVerifier({ issuer: short.issuer, jwksUri: short.jwksUri, audience: ERP_RESOURCE, caPem: pki.caPem });
  // A machine stalled for longer than the token has left between the issue and the first
  // verification gets it refused as expired, rightly: only then (the clock past its exp) is another
  // one asked for. A fresh token refused fails the test.
  let tok: Awaited<ReturnType<typeof requestClientCredentialsToken>>;
  let verified: Awaited<ReturnType<typeof v>>;
  for (let attempt = 1; ; attempt++) {
    tok = await requestClientCredentialsToken({ tokenEndpoint: short.tokenEndpoint, clientId: c.clientId, clientSecret: c.clientSecret, caPem: pki.caPem });
    assert.equal(tok.expires_in, 3);
    try {
      verified = await v(tok.access_token);
      break;
    } catch (err) {
      const exp = JSON.parse(Buffer.from(tok.access_token.split('.')[1]!, 'base64url').toString()).exp as number;
      if (attempt < 5 && err instanceof TokenRejectedError && err.reason === 'expired' && Date.now() >= exp * 1000) continue;
      throw err;
    }
  }
  assert.equal(verified.clientId, 'short');
  // exp is whole seconds: wait until the clock is past it for certain.
  await new Promise((r) => setTimeout(r, Math.max(0, verified.expiresAt * 1000 + 1100 - Date.now())));
  await rejectsWith(tok.access_token, 'expired', v);
});

test('token endpoint refusals carry the OAuth error code: wrong secret, expired secret, scope, grant', async () => {
  const refused = async (p: Promise<unknown>, error: string, description?: RegExp) =>
    assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof TokenRequestError);
      assert.equal(err.error, error);
      if (description) assert.match(err.description ?? '', description);
      assert.ok(!err.message.includes(client('syncprobe-probe').clientSecret));
      return true;
    });
  await refused(
    requestClientCredentialsToken({ tokenEndpoint: oauth.tokenEndpoint, clientId: 'syncprobe-probe', clientSecret: 'wrong', caPem: pki.caPem }),
    'invalid_client',
  );
  await refused(tokenFor('expired-secret'), 'invalid_client', /expired/);
  await refused(tokenFor('wms-WH-EAST', 'erp:read'), 'invalid_scope');
  await refused(tokenFor('code-flow-only'), 'invalid_request', /grant type is not allowed/);
  assert.equal(client('wms-WH-EAST').clientSecret, 'east-secret-value');
  assert.ok(client('syncprobe-probe').clientSecret.length >= 24, 'a secret is generated when none is given');
  assert.ok(client('expired-secret').secretExpiresAt! < Date.now() / 1000);
});

test('the client-credentials source caches the token and fetches a new one after invalidate()', async () => {
  const c = client('wms-WH-EAST');
  const source = createClientCredentialsSource({ tokenEndpoint: oauth.tokenEndpoint, clientId: c.clientId, clientSecret: c.clientSecret, resource: ERP_RESOURCE, scope: 'erp:write', caPem: pki.caPem });
  const [a, b] = await Promise.all([source.getToken(), source.getToken()]);
  assert.equal(a, b);
  assert.equal(await source.getToken(), a);
  source.invalidate();
  const fresh = await source.getToken();
  assert.notEqual(fresh, a);
  assert.equal((await verify(fresh)).clientId, 'wms-WH-EAST');
});

test('key rotation puts a new kid first; keepOld keeps old tokens verifiable, dropping the key rejects them', async (t) => {
  const own = await startOAuthServer({ pki, clients: [{ clientId: 'rot', scopes: ['erp:read'] }] });
  t.after(() => own.stop());
  const v = createTokenVerifier({ issuer: own.issuer, jwksUri: own.jwksUri, audience: ERP_RESOURCE, caPem: pki.caPem, jwksCacheMs: 0 });
  const c = own.clients[0]!;
  const get = () => requestClientCredentialsToken({ tokenEndpoint: own.tokenEndpoint, clientId: c.clientId, clientSecret: c.clientSecret, caPem: pki.caPem });
  const kidsOf = async () => ((await getJson(own.jwksUri, pki.caPem)).keys as Array<{ kid: string }>).map((k) => k.kid);

  const first = await kidsOf();
  assert.equal(first.length, 1);
  const oldToken = (await get()).access_token;
  assert.equal(decodeProtectedHeader(oldToken).kid, first[0]);

  await own.rotateKeys({ keepOld: true });
  const second = await kidsOf();
  assert.equal(second.length, 2);
  assert.notEqual(second[0], first[0]);
  assert.equal(second[1], first[0]);
  const newToken = (await get()).access_token;
  assert.equal(decodeProtectedHeader(newToken).kid, second[0]);
  assert.equal((await v(oldToken)).clientId, 'rot');
  assert.equal((await v(newToken)).clientId, 'rot');

  await own.rotateKeys({ keepOld: false });
  const third = await kidsOf();
  assert.equal(third.length, 1);
  assert.ok(!second.includes(third[0]!));
  assert.deepEqual(own.kids(), third);
  await rejectsWith(oldToken, 'unknown-key', v);
  await rejectsWith(newToken, 'unknown-key', v);
  assert.equal((await v((await get()).access_token)).clientId, 'rot');
});
