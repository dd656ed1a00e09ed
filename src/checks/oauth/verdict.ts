import { daysLeft, expirySeverity, statusOf, type CheckProblem, type ExpiryThresholds, type Notice } from '../verdict.ts';
import type { Status } from '../../core/status.ts';

/**
 * OAuth client verdicts: what discovery, the token endpoint, the token and the JWKS showed, plus
 * what the last run remembered, in; problems and notices out. No I/O.
 */
export type TransportCode = 'unreachable' | 'timeout' | 'tls-error';

export type DiscoveryFacts =
  | { ok: true; url: string; issuer: unknown; tokenEndpoint: unknown; jwksUri: unknown }
  | { ok: false; url: string; code: TransportCode | 'discovery-failed'; message: string };

export type TokenFacts =
  | { ok: true; acquireMs: number; expiresIn: number | null; grantedScopes: string[] | null; clientSecretExpiresAt: number | null }
  | { ok: false; acquireMs: number; transport?: { code: TransportCode; message: string }; httpStatus?: number; error?: string; description?: string };

export interface JwtFacts {
  kid: string | null;
  alg: string | null;
  iss: unknown;
  aud: unknown;
  exp: number | null;
  iat: number | null;
  scopes: string[] | null;
  /** Signature against the JWKS: unchecked when no JWKS was available. */
  signature: 'valid' | 'invalid' | 'unknown-kid' | 'unchecked';
}

export type JwksFacts = { ok: true; url: string; kids: string[] } | { ok: false; url: string; message: string };

/** What a run remembers for the next one; no secrets, no tokens. */
export interface RotationState {
  jwksUri: string;
  kids: string[];
  lastTokenKid: string | null;
  updatedAt: string;
}

export interface OAuthFacts {
  nowS: number;
  /** Local clock around the token request, epoch seconds (fractional): iat should fall inside. */
  requestWindowS: { sent: number; received: number } | null;
  expectedIssuer: string | null;
  expectedAudience: string | null;
  requestedScopes: string[];
  discovery: DiscoveryFacts | null;
  token: TokenFacts | null;
  jwt: JwtFacts | null;
  jwks: JwksFacts | null;
  previous: RotationState | null;
  /** Configured expiry of the client secret (epoch seconds). */
  configuredSecretExpiresAt: number | null;
}

export interface OAuthPolicy {
  thresholds: ExpiryThresholds;
  maxClockSkewS: number;
}

export interface OAuthVerdict {
  status: Status;
  problems: CheckProblem[];
  notices: Notice[];
  secretExpiresAt: number | null;
  secretDaysLeft: number | null;
  clockSkewS: number | null;
  lifetimeS: number | null;
}

function classifyTokenError(t: Extract<TokenFacts, { ok: false }>): CheckProblem {
  if (t.transport) return { code: t.transport.code, message: `token endpoint: ${t.transport.message}`, severity: 'critical' };
  const said = `${t.error ?? 'no OAuth error code'}${t.description ? `: ${t.description}` : ''}${t.httpStatus ? ` (HTTP ${t.httpStatus})` : ''}`;
  const e = t.error ?? '';
  if (e === 'invalid_client') {
    const expired = /expired/i.test(t.description ?? '');
    return {
      code: 'invalid-client',
      severity: 'critical',
      message: expired
        ? `the client secret has expired (${said}): rotate the secret at the identity provider and update the connector`
        : `client authentication failed (${said}): the client id is unknown or the secret is wrong or revoked`,
    };
  }
  if (e === 'invalid_scope') return { code: 'invalid-scope', severity: 'critical', message: `a requested scope is not allowed for this client (${said}): grant it at the identity provider or stop requesting it` };
  if (e === 'unauthorized_client' || e === 'unsupported_grant_type' || (e === 'invalid_request' && /grant[ _]type/i.test(t.description ?? ''))) {
    return { code: 'unauthorized-client', severity: 'critical', message: `the client may not use the client-credentials grant (${said}): enable it for this client at the identity provider` };
  }
  if ((t.httpStatus ?? 0) >= 500 || e === 'server_error' || e === 'temporarily_unavailable') {
    return { code: 'server-error', severity: 'critical', message: `the token endpoint failed (${said})` };
  }
  return { code: 'token-refused', severity: 'critical', message: `the token endpoint refused the request (${said})` };
}

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

export function evaluateOAuth(f: OAuthFacts, policy: OAuthPolicy): OAuthVerdict {
  const problems: CheckProblem[] = [];
  const notices: Notice[] = [];
  const add = (severity: CheckProblem['severity'], code: string, message: string) => problems.push({ code, message, severity });

  const d = f.discovery;
  if (d && !d.ok) add('critical', d.code, `discovery at ${d.url}: ${d.message}`);
  if (d && d.ok) {
    if (f.expectedIssuer !== null && d.issuer !== f.expectedIssuer) {
      add('critical', 'issuer-mismatch', `discovery names issuer ${JSON.stringify(d.issuer)}, expected exactly ${f.expectedIssuer}: tokens will fail issuer checks; fix the issuer URL (trailing slash, host, path)`);
    }
    const missing = [typeof d.tokenEndpoint === 'string' ? null : 'token_endpoint', typeof d.jwksUri === 'string' ? null : 'jwks_uri'].filter(Boolean);
    if (missing.length) add('critical', 'metadata-incomplete', `discovery at ${d.url} lacks ${missing.join(' and ')}`);
  }

  const t = f.token;
  let lifetimeS: number | null = null;
  let clockSkewS: number | null = null;
  if (t && !t.ok) problems.push(classifyTokenError(t));
  if (t && t.ok) {
    const jwt = f.jwt;
    lifetimeS = t.expiresIn ?? (jwt?.exp != null && jwt.iat != null ? jwt.exp - jwt.iat : null);
    if (t.expiresIn !== null && t.expiresIn <= 0) add('critical', 'token-expired', `the token endpoint issued a token with expires_in ${t.expiresIn}`);
    else if (jwt?.exp != null && jwt.exp <= f.nowS) add('critical', 'token-expired', `the token's exp (${new Date(jwt.exp * 1000).toISOString()}) is already past by this host's clock`);

    if (jwt) {
      if (jwt.signature === 'invalid') add('critical', 'signature-invalid', `the token's signature does not verify against the JWKS (kid ${jwt.kid ?? 'none'}): resource servers will reject it`);
      if (jwt.signature === 'unknown-kid') add('critical', 'unknown-kid', `the token was signed with kid ${jwt.kid ?? '(none)'}, which the JWKS does not publish: resource servers cannot verify it`);
      const expIss = f.expectedIssuer ?? (d && d.ok && typeof d.issuer === 'string' ? d.issuer : null);
      if (expIss !== null && jwt.iss !== expIss) add('critical', 'issuer-mismatch', `the token's iss is ${JSON.stringify(jwt.iss)}, expected ${expIss}`);
      if (f.expectedAudience !== null && !audiences(jwt.aud).includes(f.expectedAudience)) {
        add('critical', 'audience-mismatch', `the token's aud is ${JSON.stringify(jwt.aud ?? null)}, expected ${f.expectedAudience}: check the resource / audience configured for this client`);
      }
      if (jwt.iat != null && f.requestWindowS !== null) {
        // iat has whole seconds: anything between the second the request left and the one the answer came is no skew.
        const lo = Math.floor(f.requestWindowS.sent);
        const hi = Math.ceil(f.requestWindowS.received);
        clockSkewS = jwt.iat < lo ? jwt.iat - lo : jwt.iat > hi ? jwt.iat - hi : 0;
        if (Math.abs(clockSkewS) > policy.maxClockSkewS) {
          add('warning', 'clock-skew', `the token's iat differs from this host's clock by ${clockSkewS}s (more than ${policy.maxClockSkewS}s): check NTP on the identity provider and here; tokens may be refused as not yet valid or expire early`);
        }
      }
    }
    const granted = t.grantedScopes ?? jwt?.scopes ?? null;
    if (f.requestedScopes.length) {
      const lacking = granted === null ? [] : f.requestedScopes.filter((s) => !granted.includes(s));
      if (lacking.length) add('critical', 'scope-missing', `the token lacks requested scope${lacking.length > 1 ? 's' : ''} ${lacking.join(', ')} (granted: ${granted!.join(' ') || 'none'}): calls needing ${lacking.length > 1 ? 'them' : 'it'} will get 403`);
    }
  }

  const j = f.jwks;
  if (j && !j.ok) add('critical', 'jwks-unavailable', `the JWKS at ${j.url} could not be read (${j.message}): resource servers cannot verify new tokens`);
  if (j && j.ok) {
    const prev = f.previous;
    if (prev && prev.jwksUri === j.url) {
      const added = j.kids.filter((k) => !prev.kids.includes(k));
      const removed = prev.kids.filter((k) => !j.kids.includes(k));
      if (prev.lastTokenKid && !j.kids.includes(prev.lastTokenKid)) {
        add('warning', 'signing-key-removed', `the key that signed the last token (kid ${prev.lastTokenKid}) is no longer in the JWKS: tokens issued with it no longer verify; resource servers caching the old JWKS may reject new tokens until they refresh`);
      } else if (added.length || removed.length) {
        notices.push({
          code: 'key-rotated',
          message: `the JWKS changed since ${prev.updatedAt}: ${added.length ? `added ${added.join(', ')}` : ''}${added.length && removed.length ? '; ' : ''}${removed.length ? `removed ${removed.join(', ')}` : ''}${prev.lastTokenKid ? `; the last token's key ${prev.lastTokenKid} is still served` : ''}`,
        });
      }
    }
  }

  const reported = t && t.ok ? t.clientSecretExpiresAt : null;
  const candidates = [f.configuredSecretExpiresAt, reported].filter((x): x is number => typeof x === 'number' && x > 0);
  const secretExpiresAt = candidates.length ? Math.min(...candidates) : null;
  let secretDaysLeft: number | null = null;
  if (secretExpiresAt !== null) {
    const atMs = secretExpiresAt * 1000;
    const nowMs = f.nowS * 1000;
    secretDaysLeft = daysLeft(atMs, nowMs);
    const when = new Date(atMs).toISOString();
    if (atMs <= nowMs) {
      add('critical', 'secret-expired', `the client secret expired on ${when}: rotate it at the identity provider and update the connector`);
    } else {
      const sev = expirySeverity(atMs, nowMs, policy.thresholds);
      if (sev) add(sev, 'secret-expiring', `the client secret expires on ${when}, in ${secretDaysLeft} day${secretDaysLeft === 1 ? '' : 's'} (${sev} below ${sev === 'critical' ? policy.thresholds.critDays : policy.thresholds.warnDays} days): rotate it`);
    }
  }

  return { status: statusOf(problems), problems, notices, secretExpiresAt, secretDaysLeft, clockSkewS, lifetimeS };
}
