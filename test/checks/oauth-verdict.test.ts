import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateOAuth, type OAuthFacts } from '../../src/checks/oauth/verdict.ts';

const NOW = 1_800_000_000;
const ISS = 'https://idp.example.com/oidc';
const JWKS = `${ISS}/jwks`;

function facts(over: Partial<OAuthFacts> = {}): OAuthFacts {
  return {
    nowS: NOW,
    requestWindowS: { sent: NOW - 0.2, received: NOW },
    expectedIssuer: ISS,
    expectedAudience: 'urn:syncprobe:erp',
    requestedScopes: ['erp:read'],
    discovery: { ok: true, url: `${ISS}/.well-known/openid-configuration`, issuer: ISS, tokenEndpoint: `${ISS}/token`, jwksUri: JWKS },
    token: { ok: true, acquireMs: 40, expiresIn: 3600, grantedScopes: ['erp:read'], clientSecretExpiresAt: null },
    jwt: { kid: 'k2', alg: 'RS256', iss: ISS, aud: 'urn:syncprobe:erp', exp: NOW + 3600, iat: NOW, scopes: ['erp:read'], signature: 'valid' },
    jwks: { ok: true, url: JWKS, kids: ['k2'] },
    previous: { jwksUri: JWKS, kids: ['k2'], lastTokenKid: 'k2', updatedAt: '2026-12-01T00:00:00.000Z' },
    configuredSecretExpiresAt: null,
    ...over,
  };
}
const tokenError = (over: Record<string, unknown>) => ({ token: { ok: false as const, acquireMs: 12, ...over } });
const jwt = (over: Record<string, unknown>) => ({ jwt: { ...facts().jwt!, ...over } });
const DAY = 86_400;

const table: Array<{ name: string; over: Partial<OAuthFacts>; status: string; codes: string[]; notices?: string[]; match?: RegExp }> = [
  { name: 'healthy client', over: {}, status: 'ok', codes: [] },
  { name: 'first run: nothing remembered', over: { previous: null }, status: 'ok', codes: [] },
  { name: 'opaque token: nothing to inspect', over: { jwt: null }, status: 'ok', codes: [] },
  { name: 'discovery unreachable', over: { discovery: { ok: false, url: 'u', code: 'unreachable', message: 'connection refused' }, token: null, jwks: null, jwt: null }, status: 'critical', codes: ['unreachable'] },
  { name: 'discovery answers 404', over: { discovery: { ok: false, url: 'u', code: 'discovery-failed', message: 'HTTP 404' }, token: null, jwks: null, jwt: null }, status: 'critical', codes: ['discovery-failed'] },
  { name: 'issuer differs by a trailing slash', over: { discovery: { ...(facts().discovery as object), ok: true, issuer: `${ISS}/` } as OAuthFacts['discovery'] }, status: 'critical', codes: ['issuer-mismatch'], match: /trailing slash/ },
  { name: 'metadata without jwks_uri', over: { discovery: { ok: true, url: 'u', issuer: ISS, tokenEndpoint: `${ISS}/token`, jwksUri: undefined }, jwks: null }, status: 'critical', codes: ['metadata-incomplete'] },
  { name: 'wrong secret', over: tokenError({ httpStatus: 401, error: 'invalid_client', description: 'client authentication failed' }), status: 'critical', codes: ['invalid-client'], match: /secret is wrong/ },
  { name: 'expired secret', over: tokenError({ httpStatus: 400, error: 'invalid_client', description: 'could not authenticate the client - its client secret is expired' }), status: 'critical', codes: ['invalid-client'], match: /secret has expired/ },
  { name: 'scope not allowed', over: tokenError({ httpStatus: 400, error: 'invalid_scope', description: 'requested scope is not allowed' }), status: 'critical', codes: ['invalid-scope'] },
  { name: 'grant not allowed (RFC code)', over: tokenError({ httpStatus: 400, error: 'unauthorized_client' }), status: 'critical', codes: ['unauthorized-client'] },
  { name: 'grant not allowed (oidc-provider wording)', over: tokenError({ httpStatus: 400, error: 'invalid_request', description: 'requested grant type is not allowed for this client' }), status: 'critical', codes: ['unauthorized-client'] },
  { name: 'token endpoint 503', over: tokenError({ httpStatus: 503 }), status: 'critical', codes: ['server-error'] },
  { name: 'token endpoint times out', over: tokenError({ transport: { code: 'timeout', message: 'did not answer within 2s' } }), status: 'critical', codes: ['timeout'] },
  { name: 'token endpoint TLS untrusted', over: tokenError({ transport: { code: 'tls-error', message: 'TLS verification failed' } }), status: 'critical', codes: ['tls-error'] },
  { name: 'other refusal', over: tokenError({ httpStatus: 400, error: 'invalid_target' }), status: 'critical', codes: ['token-refused'], match: /invalid_target/ },
  { name: 'expires_in 0', over: { token: { ok: true, acquireMs: 1, expiresIn: 0, grantedScopes: ['erp:read'], clientSecretExpiresAt: null } }, status: 'critical', codes: ['token-expired'] },
  { name: 'exp already past', over: jwt({ exp: NOW - 5 }), status: 'critical', codes: ['token-expired'] },
  { name: 'bad signature', over: jwt({ signature: 'invalid' }), status: 'critical', codes: ['signature-invalid'] },
  { name: 'kid not in JWKS', over: jwt({ signature: 'unknown-kid', kid: 'gone' }), status: 'critical', codes: ['unknown-kid'], match: /kid gone/ },
  { name: 'token from another issuer', over: jwt({ iss: 'https://other.example.com' }), status: 'critical', codes: ['issuer-mismatch'] },
  { name: 'token for another audience', over: jwt({ aud: ['urn:other'] }), status: 'critical', codes: ['audience-mismatch'] },
  { name: 'audience in a list', over: jwt({ aud: ['urn:other', 'urn:syncprobe:erp'] }), status: 'ok', codes: [] },
  { name: 'no audience expected', over: { expectedAudience: null, ...jwt({ aud: undefined }) }, status: 'ok', codes: [] },
  {
    name: 'granted fewer scopes than requested',
    over: { requestedScopes: ['erp:read', 'erp:write'] },
    status: 'critical',
    codes: ['scope-missing'],
    match: /lacks requested scope erp:write/,
  },
  { name: 'scopes from the JWT when the response omits them', over: { token: { ok: true, acquireMs: 1, expiresIn: 60, grantedScopes: null, clientSecretExpiresAt: null }, ...jwt({ scopes: [] }) }, status: 'critical', codes: ['scope-missing'] },
  { name: 'iat 2 minutes ahead', over: jwt({ iat: NOW + 120 }), status: 'warning', codes: ['clock-skew'], match: /120s/ },
  { name: 'iat 30 s behind is tolerated', over: jwt({ iat: NOW - 30 }), status: 'ok', codes: [] },
  { name: 'JWKS unreadable', over: { jwks: { ok: false, url: JWKS, message: 'HTTP 500' } }, status: 'critical', codes: ['jwks-unavailable'] },
  {
    name: 'rotation with the old key still served: informational',
    over: { jwks: { ok: true, url: JWKS, kids: ['k3', 'k2'] }, ...jwt({ kid: 'k3' }) },
    status: 'ok',
    codes: [],
    notices: ['key-rotated'],
  },
  {
    name: 'the key that signed the last token disappeared',
    over: { jwks: { ok: true, url: JWKS, kids: ['k3'] }, ...jwt({ kid: 'k3' }) },
    status: 'warning',
    codes: ['signing-key-removed'],
    match: /kid k2/,
  },
  { name: 'a different JWKS URL is not compared', over: { previous: { jwksUri: 'https://old/jwks', kids: ['x'], lastTokenKid: 'x', updatedAt: '' } }, status: 'ok', codes: [] },
  { name: 'configured secret expiry passed', over: { configuredSecretExpiresAt: NOW - DAY }, status: 'critical', codes: ['secret-expired'] },
  { name: 'secret expires in 20 days', over: { configuredSecretExpiresAt: NOW + 20 * DAY }, status: 'warning', codes: ['secret-expiring'], match: /in 20 days/ },
  { name: 'secret expires in 3 days', over: { configuredSecretExpiresAt: NOW + 3 * DAY }, status: 'critical', codes: ['secret-expiring'] },
  { name: 'secret expires in 90 days', over: { configuredSecretExpiresAt: NOW + 90 * DAY }, status: 'ok', codes: [] },
  {
    name: 'the provider reports an earlier expiry than configured',
    over: { configuredSecretExpiresAt: NOW + 90 * DAY, token: { ok: true, acquireMs: 1, expiresIn: 60, grantedScopes: ['erp:read'], clientSecretExpiresAt: NOW + 2 * DAY } },
    status: 'critical',
    codes: ['secret-expiring'],
  },
  { name: 'client_secret_expires_at 0 means never', over: { token: { ok: true, acquireMs: 1, expiresIn: 60, grantedScopes: ['erp:read'], clientSecretExpiresAt: 0 } }, status: 'ok', codes: [] },
];

for (const row of table) {
  test(`OAuth verdict: ${row.name}`, () => {
    const v = evaluateOAuth(facts(row.over), { thresholds: { warnDays: 30, critDays: 7 }, maxClockSkewS: 60 });
    assert.equal(v.status, row.status, JSON.stringify(v.problems));
    assert.deepEqual(v.problems.map((p) => p.code), row.codes);
    assert.deepEqual(v.notices.map((n) => n.code), row.notices ?? []);
    if (row.match) assert.match(v.problems[0]?.message ?? '', row.match);
  });
}

test('figures: lifetime from expires_in, else exp - iat; skew in whole seconds; secret days left', () => {
  const a = evaluateOAuth(facts({ configuredSecretExpiresAt: NOW + 45 * DAY + 100 }), { thresholds: { warnDays: 30, critDays: 7 }, maxClockSkewS: 60 });
  assert.equal(a.lifetimeS, 3600);
  assert.equal(a.clockSkewS, 0);
  assert.equal(a.secretDaysLeft, 45);
  assert.equal(a.secretExpiresAt, NOW + 45 * DAY + 100);
  const b = evaluateOAuth(facts({ token: { ok: true, acquireMs: 1, expiresIn: null, grantedScopes: ['erp:read'], clientSecretExpiresAt: null }, ...jwt({ iat: NOW - 90, exp: NOW + 510 }) }), {
    thresholds: { warnDays: 30, critDays: 7 },
    maxClockSkewS: 60,
  });
  assert.equal(b.lifetimeS, 600);
  // Measured from the whole second the request left (NOW - 1 for a request sent at NOW - 0.2).
  assert.equal(b.clockSkewS, -89);
});
