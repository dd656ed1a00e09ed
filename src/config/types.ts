/**
 * What an author writes in syncprobe.config.ts. Systems are described by data: where they are,
 * how to authenticate, and how to find a record (which path, which field holds which status or
 * timestamp). Pointing syncprobe at a real ERP changes this data, never the engine.
 */

/** OAuth 2.0 client credentials; the secret is read from an environment variable, never written in config. */
export interface OAuthClientCredentials {
  type: 'oauth2-client-credentials';
  /** Issuer URL (token endpoint from its discovery document) or an explicit token URL. */
  issuer?: string;
  tokenUrl?: string;
  clientId: string;
  clientSecretEnv: string;
  scope?: string;
  /** RFC 8707 resource indicator (the audience of the access token). */
  resource?: string;
}

export type AuthConfig = OAuthClientCredentials | { type: 'none' };

/** A field of a normalized record: a dot path into the payload, optionally typed or with values renamed. */
export type FieldSpec =
  | string
  | {
      path: string;
      /** number: numeric strings ("2.000") become numbers; time: ISO strings become epoch ms. */
      type?: 'string' | 'number' | 'time';
      /** Renames system values to the scenario's vocabulary, e.g. v2 `in_fulfillment` -> `released`. */
      map?: Record<string, string>;
    };

/** How to find records in a system: a request and how to read what comes back. */
export interface LookupSpec {
  method?: 'GET' | 'POST';
  /** Path with {param} placeholders, e.g. '/api/sales-orders/{orderNumber}'. */
  path: string;
  /** Query parameters with {param} placeholders; a parameter whose placeholder is not given is left out. */
  query?: Record<string, string>;
  /** Dot path to the array of records in the body; absent means the body is a single record. */
  items?: string;
  /** Statuses that mean "not there (yet)", a negative observation rather than an error. Default [404]. */
  notFound?: number[];
  /** Normalized field name -> where the system keeps it. */
  fields: Record<string, FieldSpec>;
  /** Order or transaction lines, normalized the same way. */
  lines?: { path: string; fields: Record<string, FieldSpec> };
  /** JSON Schema id the response body is validated against by the response validators, when installed. */
  schema?: string;
}

/**
 * A webhook the system sends to syncprobe's inbox (see EnvironmentConfig.inbox): where it arrives,
 * how to read it (like a lookup's answer), how it is signed, and optionally how to subscribe to it
 * through the system's own API. Milestones observe it with `push: { webhook, until }`.
 */
export interface WebhookSpec {
  /** Path on the inbox the system posts to, e.g. '/hooks/notifications'. Unique in the environment. */
  path: string;
  /** Dot path to the array of records in the body; absent means the body is a single record. */
  items?: string;
  /** Normalized field name -> where the payload keeps it. `correlationId` ties it to a transaction. */
  fields: Record<string, FieldSpec>;
  lines?: { path: string; fields: Record<string, FieldSpec> };
  /** Header with the correlation id when no record field `correlationId` holds it. Default X-Correlation-Id. */
  correlationHeader?: string;
  /** HMAC-SHA256 of the raw body with a shared secret read from an environment variable. */
  signature?: {
    header: string;
    secretEnv: string;
    /** Text before the digest in the header, e.g. 'sha256='. */
    prefix?: string;
    encoding?: 'hex' | 'base64';
  };
  /** JSON Schema id the body is validated against (drift on webhooks, like on lookups). */
  schema?: string;
  /**
   * Subscribe when the inbox starts and unsubscribe when it stops, through the system's API.
   * `{url}` and `{secret}` in the body are replaced by the inbox URL of this webhook and the signing
   * secret; `{id}` in the unsubscribe path by `idField` of the subscribe answer.
   */
  subscribe?: { method?: 'POST' | 'PUT'; path: string; body: Record<string, unknown>; idField?: string; unsubscribePath?: string };
}

/** The harness's webhook inbox: an HTTP listener the systems post their webhooks to. */
export interface InboxConfig {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port. Default 0 (any free port). */
  port?: number;
  /** The URL the systems post to, when they reach the inbox through a proxy or another name. */
  publicUrl?: string;
  /** Serve HTTPS: PEM files of the certificate (chain) and its private key, relative to the config file. */
  tls?: { cert: string; key: string };
  /** How long a delivery is kept for a milestone that is not awaited yet, ms. Default 1 hour. */
  retainMs?: number;
  /** Deliveries kept at most (oldest dropped first). Default 10,000. */
  maxDeliveries?: number;
}

export interface RequestBudget {
  /** Sustained requests per second to this system from one syncprobe process. */
  requestsPerSecond?: number;
  /** Burst allowance on top of the rate. */
  burst?: number;
  /** Requests in flight at once. */
  maxConcurrent?: number;
}

export interface SystemConfig {
  /** Base URL; may be left out in an embedded-sandbox environment, where it is filled in at start. */
  baseUrl?: string;
  auth?: AuthConfig;
  /** Path of a PEM CA bundle to trust in addition to the system's default trust store. */
  ca?: string;
  /** Extra headers sent with every request (no secrets: use auth). */
  headers?: Record<string, string>;
  requestTimeoutMs?: number;
  budget?: RequestBudget;
  lookups?: Record<string, LookupSpec>;
  /** Webhooks this system sends to the environment's inbox. */
  webhooks?: Record<string, WebhookSpec>;
  /** Free-form values scenarios read for this system (e.g. channel paths, the ERP version). */
  settings?: Record<string, unknown>;
}

export interface PollingConfig {
  /** First poll interval; polling is fast at first, then backs off. */
  initialMs?: number;
  factor?: number;
  /** Upper cap of the interval (also capped at a tenth of the milestone's SLA to keep bounds tight). */
  maxMs?: number;
  /** How long after the SLA a milestone is still awaited before it is declared missing, as a multiple of the SLA. */
  graceFactor?: number;
  /** Added to the grace so tiny SLAs still get a reasonable wait. */
  graceMs?: number;
  /** Transient failures (5xx, transport) tolerated in a row before a milestone is an error. */
  maxConsecutiveErrors?: number;
}

export interface EnvironmentConfig {
  /** Start the embedded reference stack when the systems carry no URLs (sandbox environments only). */
  sandbox?: { erpVersion?: 'v1' | 'v2'; latencyMs?: number; faults?: string[] };
  systems: Record<string, SystemConfig>;
  /** Per-milestone SLA overrides for this environment, ms. */
  sla?: Record<string, number>;
  polling?: PollingConfig;
  /** The webhook inbox; started for a run when a selected scenario awaits a webhook of a system here. */
  inbox?: InboxConfig;
  /** Values scenarios read (channels enabled, warehouses, items to use). */
  settings?: Record<string, unknown>;
}

export interface SyntheticMarker {
  /** Customer that marks an order as synthetic. */
  customer: string;
  /** Prefix of every synthetic reference. */
  referencePrefix: string;
}

export interface SyncprobeConfig {
  defaultEnvironment?: string;
  environments: Record<string, EnvironmentConfig>;
  marker?: Partial<SyntheticMarker>;
  /** Directory (relative to the config file) or explicit list of scenario modules. */
  scenarios?: string | string[];
  /** Default SLAs by milestone name, ms (a scenario's own SLA wins, an environment's override wins over both). */
  sla?: Record<string, number>;
  polling?: PollingConfig;
  /** Scenario deadline and cleanup deadline, ms. */
  timeouts?: { scenarioMs?: number; cleanupMs?: number };
  /** Synthetic records older than this are swept at the start of a run. */
  orphanSweep?: { olderThanMs?: number; enabled?: boolean };
  /** Allowed difference between system-reported and observed latency before clock skew is suspected. */
  clockSkewToleranceMs?: number;
  sinks?: { influx?: string };
  /**
   * KPI targets overriding the defaults of `syncprobe kpi` and the status page, by section and field,
   * e.g. `{ targets: { orderCreated: { min: 90, warnBelow: 95 } } }`; `--target` flags win over these.
   */
  kpi?: { targets?: Record<string, Record<string, number | string>> };
}
