import { createPki } from './pki.ts';
import { createClientCredentialsSource, createTokenVerifier, ERP_RESOURCE, startOAuthServer, type OAuthClient, type OAuthClientSpec } from './oauth.ts';
import { WAREHOUSES, type Warehouse } from './catalog.ts';
import { DEFAULT_MARKER, type Marker, type RetryPolicy, type ServiceContext, type ServiceUrls, type TokenSource } from './context.ts';
import { FaultController, type ActiveFault } from './faults.ts';
import { Latency, type LatencyConfig } from './latency.ts';
import { TruthLog } from './truth.ts';
import { ServiceClient } from './http/client.ts';
import { startServiceServer, type Router, type ServiceServer } from './http/server.ts';
import { StorefrontService } from './storefront/index.ts';
import { MiddlewareService } from './middleware/index.ts';
import { ErpService } from './erp/index.ts';
import { WmsService } from './wms/index.ts';
import { PublishedLog } from './wms/published.ts';
import { NotificationsService } from './notifications/index.ts';
import { adminRoutes } from './admin/index.ts';
import { mountEdiGateway, type MountedEdiGateway } from './edi/mount.ts';

/**
 * The reference distribution stack in one process: storefront, middleware, ERP, WMS,
 * notifications and an OAuth authorization server, each its own HTTPS server with a certificate
 * from the sandbox CA; latency on every hop; fault injection; ground truth. See docs/sandbox.md.
 */
export interface SandboxOptions {
  /** 0 (default): free ports. N: admin on N, services on N+1..N+7 (storefront, middleware, erp, wms, notifications, oauth, edi). */
  port?: number;
  /** "NAME" or "NAME=VALUE"; a bad one throws UsageError before anything starts. */
  faults?: Array<string | ActiveFault>;
  latency?: Partial<LatencyConfig>;
  marker?: Partial<Marker>;
  retry?: Partial<RetryPolicy>;
  accessTokenTtlSeconds?: number;
  /** Directory for the CA file; a temporary one by default. */
  dir?: string;
}

export interface Sandbox {
  services: ServiceUrls;
  admin: string;
  /** Path of the CA certificate (PEM) that every sandbox server certificate chains to. */
  ca: string;
  caPem: string;
  /** OAuth clients with their secrets, for in-process callers (tests, benchmarks). Never print them. */
  clients: OAuthClient[];
  oauth: { issuer: string; tokenEndpoint: string; jwksUri: string; resource: string; rotateKeys(opts?: { keepOld?: boolean }): Promise<void> };
  faults: FaultController;
  truth: TruthLog;
  latency: Latency;
  marker: Marker;
  /** The EDI gateway's file drop: partners upload to inbox/, outbound documents land in outbox/PARTNER/. */
  edi: { dropDir: string; inbox: string; outbox: string };
  /** Every event the WMS's producers sent (inventory adjustments, shipment confirmations), as sent. */
  published: PublishedLog;
  /** Empties every service's records and the truth log; faults and latency stay. */
  reset(): void;
  /**
   * A server certificate from the sandbox CA for something outside the stack that its services call
   * (a webhook inbox with TLS): they trust the sandbox CA besides the system's roots.
   */
  issueCertificate(opts?: { hosts?: string[]; commonName?: string }): Promise<{ certPem: string; keyPem: string }>;
  /** Resolves once the certificates reissued for tls.expiresInDays changes so far are in place. */
  certificatesSettled(): Promise<void>;
  stop(): Promise<void>;
}

export const SERVICE_ORDER = ['storefront', 'middleware', 'erp', 'wms', 'notifications', 'oauth', 'edi'] as const;

function clientSpecs(): OAuthClientSpec[] {
  const now = Math.floor(Date.now() / 1000);
  return [
    { clientId: 'syncprobe-probe', scopes: ['erp:read', 'erp:write', 'wms:read', 'wms:write'] },
    { clientId: 'middleware', scopes: ['erp:read', 'erp:write'] },
    ...WAREHOUSES.map((w) => ({ clientId: `wms-${w}`, scopes: ['erp:read', 'erp:write'] })),
    // For the credential health checks: one secret already expired, one expiring within the warning window.
    { clientId: 'syncprobe-expired', scopes: ['erp:read'], secretExpiresAt: now - 86_400 },
    { clientId: 'syncprobe-expiring', scopes: ['erp:read'], secretExpiresAt: now + 5 * 86_400 },
  ];
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const faults = new FaultController(opts.faults ?? []);
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535 - 7) throw new Error(`port must be 0 or a free base port <= ${65535 - 7}, got ${port}`);
  const truth = new TruthLog();
  const latency = new Latency(opts.latency ?? {});
  const marker: Marker = { ...DEFAULT_MARKER, ...(opts.marker ?? {}) };
  const retry: RetryPolicy = { maxAttempts: 5, baseMs: 200, ...(opts.retry ?? {}) };
  const pki = await createPki(opts.dir ? { dir: opts.dir } : {});
  const servers: ServiceServer[] = [];
  let client: ServiceClient | undefined;
  let oauthServer: Awaited<ReturnType<typeof startOAuthServer>> | undefined;
  let edi: MountedEdiGateway | undefined;
  // One key pair per server for the sandbox's life: a certificate reissued for tls.expiresInDays is a
  // renewal of the same key, so a client that pinned the key (Chromium's SPKI list) keeps trusting it.
  const serverKeys = new Map<string, CryptoKeyPair>();
  const certFor = async (name: string) => {
    const days = faults.get('tls.expiresInDays')?.days;
    const known = serverKeys.get(name);
    const issued = await pki.issueServerCert({ hosts: ['127.0.0.1', 'localhost'], commonName: `${name}.sandbox.syncprobe`, ...(days !== undefined ? { expiresInDays: days } : {}), ...(known ? { keys: known } : {}) });
    serverKeys.set(name, issued.keys);
    return { keyPem: issued.keyPem, certPem: issued.certPem };
  };

  try {
    client = new ServiceClient(pki.caPem);
    const urls: ServiceUrls = { storefront: '', middleware: '', erp: '', wms: '', notifications: '', oauth: '', edi: '' };
    const ctx: ServiceContext = { faults, truth, latency, client, urls, marker, retry, caPem: pki.caPem };

    let verifier: ReturnType<typeof createTokenVerifier> | undefined;
    let middlewareToken: TokenSource | undefined;
    let connectors: Record<Warehouse, TokenSource> | undefined;
    const storefront = new StorefrontService(ctx);
    const middleware = new MiddlewareService(ctx, () => middlewareToken!);
    const erp = new ErpService(ctx, () => verifier!);
    const published = new PublishedLog();
    const wms = new WmsService(ctx, () => connectors!, published);
    const notifications = new NotificationsService(ctx);

    const tlsDays = faults.get('tls.expiresInDays')?.days;
    oauthServer = await startOAuthServer({
      pki,
      port: port ? port + 6 : 0,
      clients: clientSpecs(),
      ...(opts.accessTokenTtlSeconds !== undefined ? { accessTokenTtlSeconds: opts.accessTokenTtlSeconds } : {}),
      ...(tlsDays !== undefined ? { certExpiresInDays: tlsDays } : {}),
    });
    const oauth = oauthServer;
    urls.oauth = oauth.issuer;
    verifier = createTokenVerifier({ issuer: oauth.issuer, jwksUri: oauth.jwksUri, audience: ERP_RESOURCE, caPem: pki.caPem });
    const secretOf = (id: string) => oauth.clients.find((c) => c.clientId === id)!.clientSecret;
    const source = (id: string) => createClientCredentialsSource({ tokenEndpoint: oauth.tokenEndpoint, clientId: id, clientSecret: secretOf(id), resource: ERP_RESOURCE, scope: 'erp:read erp:write', caPem: pki.caPem });
    middlewareToken = source('middleware');
    connectors = Object.fromEntries(WAREHOUSES.map((w) => [w, source(`wms-${w}`)])) as Record<Warehouse, TokenSource>;

    // The sandbox's own connectors drop their cached tokens at once, so its flows pick up the new key.
    const rotateKeys = async (o: { keepOld?: boolean } = {}) => {
      await oauth.rotateKeys(o);
      middlewareToken!.invalidate();
      for (const w of WAREHOUSES) connectors![w].invalidate();
    };

    const reset = () => {
      latency.cancelAll();
      truth.clear();
      storefront.reset();
      middleware.reset();
      erp.reset();
      wms.reset();
      published.clear();
      notifications.reset();
      edi?.reset();
    };

    const start = async (name: string, offset: number, router: Router, withFaults: boolean) => {
      const { keyPem, certPem } = await certFor(name);
      const s = await startServiceServer({ name, port: port ? port + offset : 0, keyPem, certPem, router, ...(withFaults ? { faults } : {}) });
      servers.push(s);
      return s;
    };
    const admin = await start(
      'admin',
      0,
      adminRoutes({ faults, truth, latency, marker, erp, wms, storefront, published, clients: () => oauth.clients, rotateKeys: (keepOld) => rotateKeys({ keepOld }), reset }),
      false,
    );
    urls.storefront = (await start('storefront', 1, storefront.routes(), true)).url;
    urls.middleware = (await start('middleware', 2, middleware.routes(), true)).url;
    urls.erp = (await start('erp', 3, erp.routes(), true)).url;
    urls.wms = (await start('wms', 4, wms.routes(), true)).url;
    urls.notifications = (await start('notifications', 5, notifications.routes(), true)).url;
    edi = await mountEdiGateway({ services: urls, caPem: pki.caPem, truth, faults }, { tls: await certFor('edi'), port: port ? port + 7 : 0, latencyMs: (h) => latency.delayOf(h) });
    urls.edi = edi.url;

    // tls.expiresInDays switched at run time: new certificates for new connections. Reissues run one
    // after another, so a quick set-then-clear cannot leave an older certificate in place last.
    let reissuing: Promise<void> = Promise.resolve();
    faults.onChange((name) => {
      if (name !== 'tls.expiresInDays') return;
      reissuing = reissuing
        .then(async () => {
          for (const s of servers) {
            if (s.name === 'admin') continue;
            const { keyPem, certPem } = await certFor(s.name);
            s.setCertificate(keyPem, certPem);
          }
        })
        .catch((err) => {
          process.stderr.write(`sandbox: could not reissue certificates: ${(err as Error).message}\n`);
        });
    });

    let stopped = false;
    return {
      services: { ...urls },
      admin: admin.url,
      ca: pki.caPath,
      caPem: pki.caPem,
      clients: oauth.clients,
      oauth: { issuer: oauth.issuer, tokenEndpoint: oauth.tokenEndpoint, jwksUri: oauth.jwksUri, resource: ERP_RESOURCE, rotateKeys },
      faults,
      truth,
      latency,
      marker,
      edi: { dropDir: edi.dropDir, inbox: edi.inbox, outbox: edi.outbox },
      issueCertificate: async (o = {}) => {
        const c = await pki.issueServerCert({ hosts: o.hosts ?? ['127.0.0.1', 'localhost'], commonName: o.commonName ?? 'syncprobe.sandbox.client' });
        return { certPem: c.certPem, keyPem: c.keyPem };
      },
      published,
      reset,
      certificatesSettled: () => reissuing,
      async stop() {
        if (stopped) return;
        stopped = true;
        await reissuing;
        await edi!.stop();
        latency.cancelAll();
        await notifications.close();
        await Promise.all(servers.map((s) => s.close()));
        await oauth.stop();
        await client!.close();
        await pki.cleanup();
      },
    };
  } catch (err) {
    await edi?.stop();
    latency.cancelAll();
    await Promise.all(servers.map((s) => s.close()));
    await oauthServer?.stop();
    await client?.close();
    await pki.cleanup();
    throw err;
  }
}

export { FAULTS, parseFaultSpec, validFaultsText } from './faults.ts';
export type { ServiceUrls, Marker } from './context.ts';
export type { PublishedEvent, PublishedLog } from './wms/published.ts';
