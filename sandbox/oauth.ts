import { generateKeyPairSync, randomBytes } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWK } from 'jose';
import type { Pki } from './pki.ts';

/**
 * The sandbox's authorization server: the certified `oidc-provider` 8, client credentials only,
 * JWT access tokens for the ERP resource, served over HTTPS at https://127.0.0.1:PORT/oidc.
 * Plus the two things the sandbox services need around it: a token verifier (the ERP) and a
 * cached client-credentials token source (middleware and WMS connectors).
 */

export const ERP_RESOURCE = 'urn:syncprobe:erp';
const MOUNT = '/oidc';

export interface OAuthClientSpec {
  clientId: string;
  /** Generated when absent. */
  clientSecret?: string;
  scopes: string[];
  /** Epoch seconds; the provider refuses the secret after it and reports it as client_secret_expires_at. */
  secretExpiresAt?: number;
  /** Default ['client_credentials']; e.g. ['authorization_code'] gives a client that gets unauthorized_client at the token endpoint. */
  grantTypes?: string[];
}

export type OAuthClient = Required<Pick<OAuthClientSpec, 'clientId' | 'clientSecret' | 'scopes'>> & { secretExpiresAt?: number };

export interface OAuthServer {
  issuer: string;
  tokenEndpoint: string;
  jwksUri: string;
  clients: OAuthClient[];
  /** Kids currently served in the JWKS, the signing key first. */
  kids(): string[];
  /** New signing key first in the JWKS; keepOld keeps the previous keys published (tokens they signed stay verifiable). */
  rotateKeys(opts?: { keepOld?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOAuthServerOptions {
  pki: Pki;
  port?: number;
  clients: OAuthClientSpec[];
  /** Access token lifetime; default 3600 s. */
  accessTokenTtlSeconds?: number;
  /** Certificate lifetime of the server certificate (the tls.expiresInDays fault). */
  certExpiresInDays?: number;
}

type SigningJwk = JWK & { kid: string };

function newSigningKey(): SigningJwk {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: `sp-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

/** Storage for the provider's models, one per server so two sandboxes in a process never share state. */
function memoryAdapterFactory() {
  const store = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  const get = (key: string) => {
    const e = store.get(key);
    if (!e) return undefined;
    if (e.expiresAt && e.expiresAt < Date.now()) {
      store.delete(key);
      return undefined;
    }
    return e.payload;
  };
  return class MemoryAdapter {
    constructor(readonly model: string) {}
    key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
      store.set(this.key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
    }
    async find(id: string) {
      return get(this.key(id));
    }
    async findByUid(uid: string) {
      for (const [k, e] of store) if (k.startsWith(`${this.model}:`) && e.payload.uid === uid) return get(k);
      return undefined;
    }
    async findByUserCode(userCode: string) {
      for (const [k, e] of store) if (k.startsWith(`${this.model}:`) && e.payload.userCode === userCode) return get(k);
      return undefined;
    }
    async consume(id: string) {
      const p = get(this.key(id));
      if (p) p.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, e] of store) if (e.payload.grantId === grantId) store.delete(k);
    }
  };
}

interface TokenContext {
  oidc?: { route?: string; client?: { clientId?: string } };
  body?: unknown;
}

interface ProviderLike {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  use(fn: (ctx: TokenContext, next: () => Promise<void>) => Promise<void>): void;
}
type ProviderCtor = new (issuer: string, config: Record<string, unknown>) => ProviderLike;

async function loadProvider(): Promise<ProviderCtor> {
  // oidc-provider ships no type declarations; the constructor is all this module needs.
  const specifier: string = 'oidc-provider';
  const mod = (await import(specifier)) as { default: ProviderCtor };
  return mod.default;
}

export async function startOAuthServer(opts: StartOAuthServerOptions): Promise<OAuthServer> {
  const Provider = await loadProvider();
  const ttl = opts.accessTokenTtlSeconds ?? 3600;
  const clients: OAuthClient[] = opts.clients.map((c) => ({
    clientId: c.clientId,
    clientSecret: c.clientSecret ?? randomBytes(24).toString('base64url'),
    scopes: [...c.scopes],
    ...(c.secretExpiresAt !== undefined ? { secretExpiresAt: c.secretExpiresAt } : {}),
  }));
  const grantTypes = new Map(opts.clients.map((c) => [c.clientId, c.grantTypes ?? ['client_credentials']]));
  const allScopes = [...new Set(clients.flatMap((c) => c.scopes))];
  const cookieKey = randomBytes(32).toString('hex');
  const Adapter = memoryAdapterFactory();
  let keys: SigningJwk[] = [newSigningKey()];
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const { keyPem, certPem } = await opts.pki.issueServerCert({
    hosts: ['127.0.0.1', 'localhost'],
    ...(opts.certExpiresInDays !== undefined ? { expiresInDays: opts.certExpiresInDays } : {}),
  });
  const server = https.createServer({ key: keyPem, cert: certPem }, (req, res) => {
    const url = req.url ?? '/';
    if (!handler || !(url === MOUNT || url.startsWith(`${MOUNT}/`) || url.startsWith(`${MOUNT}?`))) {
      res.writeHead(handler ? 404 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: handler ? 'not_found' : 'starting', message: `the issuer is served under ${MOUNT}` } }));
      return;
    }
    // oidc-provider derives its mount path from originalUrl minus url, as under express.
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
    req.url = url.slice(MOUNT.length) || '/';
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `https://127.0.0.1:${port}${MOUNT}`;

  const build = () => {
    const provider = new Provider(issuer, {
      adapter: Adapter,
      clients: clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        grant_types: grantTypes.get(c.clientId),
        // Only a code-flow client needs response types and redirect URIs; none of them is ever used here.
        ...(grantTypes.get(c.clientId)!.includes('authorization_code')
          ? { response_types: ['code'], redirect_uris: [`https://127.0.0.1:${port}/callback`] }
          : { response_types: [], redirect_uris: [] }),
        token_endpoint_auth_method: 'client_secret_basic',
        scope: c.scopes.join(' '),
        ...(c.secretExpiresAt !== undefined ? { client_secret_expires_at: c.secretExpiresAt } : {}),
      })),
      clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
      jwks: { keys },
      scopes: allScopes,
      cookies: { keys: [cookieKey] },
      // Exact expiry for client secrets: the health checks test the boundary.
      clockTolerance: 0,
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => ERP_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => {
            if (resource !== ERP_RESOURCE) {
              throw Object.assign(new Error(`unknown resource ${resource}`), { error: 'invalid_target', status: 400, expose: true, error_description: `unknown resource indicator; this server issues tokens for ${ERP_RESOURCE}` });
            }
            return { scope: allScopes.join(' '), audience: ERP_RESOURCE, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
          },
        },
      },
      ttl: { ClientCredentials: ttl },
    });
    // Like identity providers that tell clients when their secret runs out: the token response
    // carries client_secret_expires_at (RFC 7591's field) for clients that have one.
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.oidc?.route !== 'token' || !ctx.body || typeof ctx.body !== 'object') return;
      const body = ctx.body as Record<string, unknown>;
      const expiresAt = clients.find((c) => c.clientId === ctx.oidc?.client?.clientId)?.secretExpiresAt;
      if (typeof body.access_token === 'string' && expiresAt) body.client_secret_expires_at = expiresAt;
    });
    handler = provider.callback();
  };
  build();

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    jwksUri: `${issuer}/jwks`,
    clients,
    kids: () => keys.map((k) => k.kid),
    async rotateKeys(o = {}) {
      keys = [newSigningKey(), ...(o.keepOld ? keys : [])];
      build();
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export type TokenRejectionReason =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not-yet-valid'
  | 'bad-signature'
  | 'unknown-key'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'jwks-unavailable';

/** A resource server's refusal of a bearer token; the ERP answers 401 with the reason. */
export class TokenRejectedError extends Error {
  readonly status = 401;
  constructor(readonly reason: TokenRejectionReason, message: string) {
    super(message);
    this.name = 'TokenRejectedError';
  }
}

/** The token of an `Authorization: Bearer ...` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

export interface VerifiedToken {
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

export function createTokenVerifier(opts: { issuer: string; jwksUri: string; audience: string; caPem: string; jwksCacheMs?: number }): (token: string | undefined) => Promise<VerifiedToken> {
  const agent = new https.Agent({ ca: opts.caPem, keepAlive: true });
  // A short cache and no cooldown: after a rotation the new kid is fetched at once, and a dropped key stops verifying soon.
  const jwks = createRemoteJWKSet(new URL(opts.jwksUri), { agent, cooldownDuration: 0, cacheMaxAge: opts.jwksCacheMs ?? 2000, timeoutDuration: 5000 });
  return async (token) => {
    if (!token) throw new TokenRejectedError('missing', 'no bearer token: send Authorization: Bearer <access token>');
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: opts.issuer, audience: opts.audience, algorithms: ['RS256', 'PS256', 'ES256'] });
      const clientId = String(payload.client_id ?? payload.sub ?? '');
      const scopes = typeof payload.scope === 'string' && payload.scope ? payload.scope.split(' ') : [];
      return { clientId, scopes, expiresAt: payload.exp ?? 0 };
    } catch (err) {
      throw toRejection(err);
    }
  };
}

function toRejection(err: unknown): TokenRejectedError {
  if (err instanceof joseErrors.JWTExpired) return new TokenRejectedError('expired', 'access token expired: request a new token');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new TokenRejectedError('wrong-issuer', 'access token was issued by another issuer');
    if (err.claim === 'aud') return new TokenRejectedError('wrong-audience', 'access token is not meant for this resource');
    if (err.claim === 'nbf' || err.claim === 'iat') return new TokenRejectedError('not-yet-valid', 'access token is not valid yet');
    return new TokenRejectedError('malformed', `access token claim check failed: ${err.claim}`);
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new TokenRejectedError('bad-signature', 'access token signature does not verify against the issuer keys');
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return new TokenRejectedError('unknown-key', 'access token was signed with a key the issuer does not publish');
  }
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return new TokenRejectedError('jwks-unavailable', 'issuer keys could not be fetched');
  if (err instanceof joseErrors.JOSEError) return new TokenRejectedError('malformed', `access token is malformed (${err.code})`);
  // Transport errors fetching the JWKS.
  return new TokenRejectedError('jwks-unavailable', `issuer keys could not be fetched: ${(err as Error)?.message ?? String(err)}`);
}

/** A token endpoint's refusal (RFC 6749 section 5.2), without the client secret in any field. */
export class TokenRequestError extends Error {
  constructor(readonly error: string, readonly status: number | undefined, readonly description?: string) {
    super(`token request refused: ${error}${description ? ` (${description})` : ''}${status ? ` [HTTP ${status}]` : ''}`);
    this.name = 'TokenRequestError';
  }
}

export interface TokenResponse {
  access_token: string;
  expires_in?: number;
  token_type?: string;
  scope?: string;
  /** Epoch seconds, for clients whose secret expires. */
  client_secret_expires_at?: number;
}

/** One client-credentials request; errors become TokenRequestError with the OAuth error code. */
export async function requestClientCredentialsToken(opts: {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  resource?: string;
  scope?: string;
  caPem?: string;
  agent?: https.Agent;
  timeoutMs?: number;
}): Promise<TokenResponse> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (opts.resource) form.set('resource', opts.resource);
  if (opts.scope) form.set('scope', opts.scope);
  const body = form.toString();
  const basic = Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64');
  const url = new URL(opts.tokenEndpoint);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), authorization: `Basic ${basic}`, accept: 'application/json' },
        ...(opts.agent ? { agent: opts.agent } : opts.caPem ? { ca: opts.caPem } : {}),
        timeout: opts.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`token endpoint ${url.origin}${url.pathname} did not answer in time`)));
    req.on('error', reject);
    req.end(body);
  });
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new TokenRequestError('invalid_response', status, 'token endpoint answered with a body that is not JSON');
  }
  if (status !== 200 || typeof json.access_token !== 'string') {
    throw new TokenRequestError(typeof json.error === 'string' ? json.error : 'invalid_response', status, typeof json.error_description === 'string' ? json.error_description : undefined);
  }
  return json as unknown as TokenResponse;
}

/** A cached client-credentials token: reused until shortly before it expires, one request in flight at a time. */
export function createClientCredentialsSource(opts: { tokenEndpoint: string; clientId: string; clientSecret: string; resource: string; scope?: string; caPem: string }): {
  getToken(): Promise<string>;
  invalidate(): void;
} {
  const agent = new https.Agent({ ca: opts.caPem, keepAlive: true });
  let cached: { token: string; refreshAt: number } | undefined;
  let inflight: Promise<string> | undefined;
  let generation = 0;
  return {
    getToken() {
      if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.token);
      if (inflight) return inflight;
      const gen = generation;
      const requestedAt = Date.now();
      inflight = requestClientCredentialsToken({ ...opts, agent })
        .then((t) => {
          const lifetimeMs = (t.expires_in ?? 60) * 1000;
          const margin = Math.min(30_000, lifetimeMs * 0.2);
          if (gen === generation) cached = { token: t.access_token, refreshAt: requestedAt + lifetimeMs - margin };
          return t.access_token;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
    invalidate() {
      generation += 1;
      cached = undefined;
    },
  };
}
