import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, type JSONWebKeySet } from 'jose';
import { UsageError } from '../../core/errors.ts';
import type { Point } from '../../core/outputs.ts';
import { registerSecret } from '../../core/redact.ts';
import { EXIT_CODE, type CheckDocument } from '../../core/status.ts';
import { HttpTransportError, httpRequest, parseJsonObject } from '../http.ts';
import { DEFAULT_THRESHOLDS, type CheckProblem, type ExpiryThresholds, type Notice } from '../verdict.ts';
import { DEFAULT_STATE_DIR, readRotationState, stateFile, writeRotationState } from './state.ts';
import { evaluateOAuth, type DiscoveryFacts, type JwksFacts, type JwtFacts, type OAuthFacts, type RotationState, type TokenFacts } from './verdict.ts';

export { evaluateOAuth } from './verdict.ts';
export type { OAuthFacts, RotationState } from './verdict.ts';
export { DEFAULT_STATE_DIR } from './state.ts';

export interface OAuthCheckOptions {
  /** Issuer for discovery ({issuer}/.well-known/openid-configuration). Either this or tokenUrl. */
  issuer?: string;
  tokenUrl?: string;
  /** JWKS to verify tokens with when there is no discovery. */
  jwksUri?: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes to request. */
  scope?: string;
  resource?: string;
  /** Expected aud of JWT access tokens; default: the resource. */
  audience?: string;
  caPem?: string;
  /** Missing fields fall back to 30 / 7 days. */
  thresholds?: Partial<ExpiryThresholds>;
  /** Configured client-secret expiry (the identity provider's admin console date). */
  secretExpiresAt?: Date;
  /** Directory for rotation state; null disables it. Default .syncprobe/state. */
  stateDir?: string | null;
  timeoutMs?: number;
  maxClockSkewS?: number;
  now?: () => number;
}

export interface OAuthCheckDocument extends CheckDocument {
  check: 'oauth';
  problems: CheckProblem[];
  notices: Notice[];
  issuer: string | null;
  tokenEndpoint: string | null;
  jwksUri: string | null;
  clientId: string;
  acquireMs: number | null;
  expiresIn: number | null;
  lifetimeS: number | null;
  tokenFormat: 'jwt' | 'opaque' | null;
  requestedScopes: string[];
  grantedScopes: string[] | null;
  audience: unknown;
  kid: string | null;
  alg: string | null;
  signature: JwtFacts['signature'] | null;
  jwksKids: string[] | null;
  previousJwksKids: string[] | null;
  clockSkewS: number | null;
  secretExpiresAt: string | null;
  secretDaysLeft: number | null;
  checkedAt: string;
}

function transportMessage(err: unknown): { code: 'unreachable' | 'timeout' | 'tls-error'; message: string } {
  if (err instanceof HttpTransportError) return { code: err.code, message: err.message };
  return { code: 'unreachable', message: (err as Error)?.message ?? String(err) };
}

function validUrl(raw: string, flag: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`'${raw}' is not a URL`, flag, 'give an absolute https:// URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError(`'${raw}' is not an http(s) URL`, flag);
  return raw;
}

async function discover(issuer: string, caPem: string | undefined, timeoutMs: number): Promise<DiscoveryFacts> {
  const oidc = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const u = new URL(issuer);
  // RFC 8414 puts the well-known segment before the issuer's path.
  const rfc8414 = `${u.origin}/.well-known/oauth-authorization-server${u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '')}`;
  let last: DiscoveryFacts = { ok: false, url: oidc, code: 'discovery-failed', message: 'no metadata' };
  for (const url of [oidc, rfc8414]) {
    let a;
    try {
      a = await httpRequest(url, { caPem, timeoutMs });
    } catch (err) {
      const t = transportMessage(err);
      return { ok: false, url, code: t.code, message: t.message };
    }
    const meta = a.status === 200 ? parseJsonObject(a.text) : undefined;
    if (meta) return { ok: true, url, issuer: meta.issuer, tokenEndpoint: meta.token_endpoint, jwksUri: meta.jwks_uri };
    last = { ok: false, url, code: 'discovery-failed', message: a.status === 200 ? 'the answer is not a JSON object' : `HTTP ${a.status}` };
    if (a.status !== 404) break;
  }
  return last;
}

async function requestToken(o: { tokenUrl: string; clientId: string; clientSecret: string; scope?: string | undefined; resource?: string | undefined; caPem?: string | undefined; timeoutMs: number }): Promise<{ facts: TokenFacts; accessToken?: string; window: { sent: number; received: number } }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (o.scope) form.set('scope', o.scope);
  if (o.resource) form.set('resource', o.resource);
  const body = form.toString();
  const basic = Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`).toString('base64');
  registerSecret(basic);
  const started = performance.now();
  const sent = Date.now() / 1000;
  try {
    const a = await httpRequest(o.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), authorization: `Basic ${basic}` },
      body,
      caPem: o.caPem,
      timeoutMs: o.timeoutMs,
    });
    const window = { sent, received: Date.now() / 1000 };
    const acquireMs = Math.round((performance.now() - started) * 10) / 10;
    const json = parseJsonObject(a.text) ?? {};
    if (a.status !== 200 || typeof json.access_token !== 'string') {
      return {
        window,
        facts: {
          ok: false,
          acquireMs,
          httpStatus: a.status,
          ...(typeof json.error === 'string' ? { error: json.error } : a.status === 200 ? { error: 'invalid_response', description: 'no access_token in the answer' } : {}),
          ...(typeof json.error_description === 'string' ? { description: json.error_description } : {}),
        },
      };
    }
    registerSecret(json.access_token);
    const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : typeof json.expires_in === 'string' && /^\d+$/.test(json.expires_in) ? Number(json.expires_in) : null;
    const secretExp = typeof json.client_secret_expires_at === 'number' ? json.client_secret_expires_at : null;
    return {
      window,
      accessToken: json.access_token,
      facts: { ok: true, acquireMs, expiresIn, grantedScopes: typeof json.scope === 'string' ? json.scope.split(' ').filter(Boolean) : null, clientSecretExpiresAt: secretExp },
    };
  } catch (err) {
    return { window: { sent, received: Date.now() / 1000 }, facts: { ok: false, acquireMs: Math.round((performance.now() - started) * 10) / 10, transport: transportMessage(err) } };
  }
}

async function fetchJwks(url: string, caPem: string | undefined, timeoutMs: number): Promise<{ facts: JwksFacts; set?: JSONWebKeySet }> {
  try {
    const a = await httpRequest(url, { caPem, timeoutMs });
    const json = parseJsonObject(a.text);
    if (a.status !== 200 || !json || !Array.isArray(json.keys)) return { facts: { ok: false, url, message: a.status !== 200 ? `HTTP ${a.status}` : 'not a JWK set' } };
    const set = json as unknown as JSONWebKeySet;
    return { facts: { ok: true, url, kids: set.keys.map((k) => (typeof k.kid === 'string' ? k.kid : '(no kid)')) }, set };
  } catch (err) {
    return { facts: { ok: false, url, message: transportMessage(err).message } };
  }
}

async function inspectJwt(token: string, set: JSONWebKeySet | undefined): Promise<JwtFacts | null> {
  let header;
  let claims;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    return null;
  }
  let signature: JwtFacts['signature'] = 'unchecked';
  if (set) {
    try {
      await compactVerify(token, createLocalJWKSet(set));
      signature = 'valid';
    } catch (err) {
      signature = err instanceof joseErrors.JWKSNoMatchingKey ? 'unknown-kid' : 'invalid';
    }
  }
  const scopeClaim = typeof claims.scope === 'string' ? claims.scope : typeof claims.scp === 'string' ? claims.scp : Array.isArray(claims.scp) ? (claims.scp as string[]).join(' ') : null;
  return {
    kid: typeof header.kid === 'string' ? header.kid : null,
    alg: typeof header.alg === 'string' ? header.alg : null,
    iss: claims.iss,
    aud: claims.aud,
    exp: typeof claims.exp === 'number' ? claims.exp : null,
    iat: typeof claims.iat === 'number' ? claims.iat : null,
    scopes: scopeClaim === null ? null : scopeClaim.split(' ').filter(Boolean),
    signature,
  };
}

export async function checkOAuth(opts: OAuthCheckOptions): Promise<OAuthCheckDocument> {
  if (!opts.issuer && !opts.tokenUrl) throw new UsageError('give --issuer URL (discovery) or --token-url URL', 'check oauth');
  if (!opts.clientId) throw new UsageError('the client id is empty', '--client-id');
  if (!opts.clientSecret) throw new UsageError('the client secret is empty', '--client-secret-env');
  registerSecret(opts.clientSecret);
  const issuer = opts.issuer ? validUrl(opts.issuer, '--issuer') : null;
  if (opts.tokenUrl) validUrl(opts.tokenUrl, '--token-url');
  if (opts.jwksUri) validUrl(opts.jwksUri, '--jwks-uri');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const requestedScopes = (opts.scope ?? '').split(/\s+/).filter(Boolean);

  const discovery = issuer ? await discover(issuer, opts.caPem, timeoutMs) : null;
  const tokenUrl = opts.tokenUrl ?? (discovery?.ok && typeof discovery.tokenEndpoint === 'string' ? discovery.tokenEndpoint : null);
  const jwksUri = opts.jwksUri ?? (discovery?.ok && typeof discovery.jwksUri === 'string' ? discovery.jwksUri : null);

  const tokenResult = tokenUrl ? await requestToken({ tokenUrl, clientId: opts.clientId, clientSecret: opts.clientSecret, scope: opts.scope, resource: opts.resource, caPem: opts.caPem, timeoutMs }) : null;
  const jwks = jwksUri ? await fetchJwks(jwksUri, opts.caPem, timeoutMs) : null;
  const jwt = tokenResult?.accessToken ? await inspectJwt(tokenResult.accessToken, jwks?.set) : null;

  const stateDir = opts.stateDir === undefined ? DEFAULT_STATE_DIR : opts.stateDir;
  const file = stateDir ? stateFile(stateDir, issuer ?? tokenUrl ?? '', opts.clientId) : null;
  const previous = file ? await readRotationState(file) : null;

  const facts: OAuthFacts = {
    nowS: now() / 1000,
    requestWindowS: tokenResult?.window ?? null,
    expectedIssuer: issuer,
    expectedAudience: opts.audience ?? opts.resource ?? null,
    requestedScopes,
    discovery,
    token: tokenResult?.facts ?? null,
    jwt,
    jwks: jwks?.facts ?? null,
    previous,
    configuredSecretExpiresAt: opts.secretExpiresAt ? Math.floor(opts.secretExpiresAt.getTime() / 1000) : null,
  };
  const verdict = evaluateOAuth(facts, { thresholds: { ...DEFAULT_THRESHOLDS, ...opts.thresholds }, maxClockSkewS: opts.maxClockSkewS ?? 60 });

  if (file && jwks?.facts.ok) {
    const next: RotationState = {
      jwksUri: jwks.facts.url,
      kids: jwks.facts.kids,
      // A failed run keeps the last known signing key so its disappearance is still noticed later.
      lastTokenKid: jwt?.kid ?? previous?.lastTokenKid ?? null,
      updatedAt: new Date(now()).toISOString(),
    };
    try {
      await writeRotationState(file, { ...next, endpoint: issuer ?? tokenUrl ?? '', clientId: opts.clientId });
    } catch (err) {
      verdict.notices.push({ code: 'state-not-saved', message: `rotation state could not be written to ${file} (${(err as Error).message}); key rotations will not be noticed` });
    }
  }

  const token = tokenResult?.facts;
  return {
    check: 'oauth',
    status: verdict.status,
    problems: verdict.problems,
    notices: verdict.notices,
    issuer,
    tokenEndpoint: tokenUrl,
    jwksUri,
    clientId: opts.clientId,
    acquireMs: token ? token.acquireMs : null,
    expiresIn: token?.ok ? token.expiresIn : null,
    lifetimeS: verdict.lifetimeS,
    tokenFormat: token?.ok ? (jwt ? 'jwt' : 'opaque') : null,
    requestedScopes,
    grantedScopes: token?.ok ? (token.grantedScopes ?? jwt?.scopes ?? null) : null,
    audience: jwt?.aud ?? null,
    kid: jwt?.kid ?? null,
    alg: jwt?.alg ?? null,
    signature: jwt?.signature ?? null,
    jwksKids: jwks?.facts.ok ? jwks.facts.kids : null,
    previousJwksKids: previous?.kids ?? null,
    clockSkewS: verdict.clockSkewS,
    secretExpiresAt: verdict.secretExpiresAt !== null ? new Date(verdict.secretExpiresAt * 1000).toISOString() : null,
    secretDaysLeft: verdict.secretDaysLeft,
    checkedAt: new Date(now()).toISOString(),
  };
}

/** InfluxDB points for an OAuth client check: measurement oauth_client, tags target and env. */
export function toPoints(doc: OAuthCheckDocument, ctx: { target: string; environment: string }): Point[] {
  const fields: Point['fields'] = { status: doc.status, status_code: EXIT_CODE[doc.status] };
  if (doc.acquireMs !== null) fields.acquire_ms = doc.acquireMs;
  if (doc.lifetimeS !== null) fields.lifetime_s = doc.lifetimeS;
  if (doc.secretDaysLeft !== null) fields.secret_days_left = doc.secretDaysLeft;
  if (doc.clockSkewS !== null) fields.clock_skew_s = doc.clockSkewS;
  fields.problems = doc.problems.map((p) => p.code).join(',');
  return [{ measurement: 'oauth_client', tags: { target: ctx.target, env: ctx.environment }, fields, timestamp: Date.parse(doc.checkedAt) }];
}
