import { registerSecret, redact } from '../core/redact.ts';
import type { ConfigProblem } from '../config/errors.ts';
import type { EnvironmentConfig } from '../config/types.ts';
import { SystemClient, type ResolvedSystem, type ResponseValidator } from '../http/client.ts';
import { WebhookInbox, type InboxStats, type WebhookRoute } from '../http/inbox.ts';
import { getPath } from '../http/records.ts';
import type { ScenarioDefinition } from './types.ts';

/**
 * The webhook inbox of an environment, shared by the runs of one process: a scheduler running
 * several probes at once, or one `run`, holds one listener (a fixed `inbox.port` could not be
 * bound twice) and one subscription per webhook. Started by the first run that needs it, stopped
 * (and unsubscribed) when the last one is done.
 */
export interface InboxLease {
  inbox: WebhookInbox;
  release(): Promise<void>;
}

/** Webhooks the selected scenarios await, as `system.webhook`. */
export function awaitedWebhooks(definitions: ScenarioDefinition[]): Set<string> {
  const out = new Set<string>();
  for (const d of definitions) for (const m of d.milestones) if (m.push?.webhook) out.add(`${m.system}.${m.push.webhook}`);
  return out;
}

/** The routes of every webhook of the environment, with their signing secrets; every missing secret or clash is one problem. */
export function resolveWebhooks(env: EnvironmentConfig, environment: string, file: string, secretOverride: (system: string) => string | undefined): { routes: WebhookRoute[]; problems: ConfigProblem[] } {
  const routes: WebhookRoute[] = [];
  const problems: ConfigProblem[] = [];
  const paths = new Map<string, string>();
  for (const [system, sys] of Object.entries(env.systems)) {
    for (const [name, spec] of Object.entries(sys.webhooks ?? {})) {
      const f = `environments.${environment}.systems.${system}.webhooks.${name}`;
      const other = paths.get(spec.path);
      if (other) problems.push({ file, field: `${f}.path`, message: `path ${spec.path} is also the path of ${other}: each webhook needs its own path on the inbox` });
      paths.set(spec.path, `${system}.${name}`);
      let secret: string | undefined;
      if (spec.signature) {
        secret = secretOverride(system) ?? process.env[spec.signature.secretEnv];
        registerSecret(secret);
        if (!secret) problems.push({ file, field: `${f}.signature.secretEnv`, message: `environment variable ${spec.signature.secretEnv} is not set: export the signing secret of this webhook in it` });
      }
      routes.push({ system, name, spec, ...(secret ? { secret } : {}) });
    }
  }
  return { routes, problems };
}

interface Shared {
  environment: string;
  inbox: WebhookInbox;
  lease: Promise<WebhookInbox>;
  holders: number;
  linger?: NodeJS.Timeout;
  retry(): Promise<void>;
  stop(): Promise<void>;
}
const shared = new Map<string, Shared>();

export interface OpenInbox {
  environment: string;
  url: string;
  /** Runs holding it now (0: lingering for the next run). */
  holders: number;
  stats: InboxStats;
  /** Webhooks that cannot be awaited, with why (a failed subscription). */
  unavailable: string[];
}

/** The inboxes open in this process, for a daemon's health. */
export function openInboxes(): OpenInbox[] {
  return [...shared.values()]
    .filter((e) => e.inbox.url)
    .map((e) => ({ environment: e.environment, url: e.inbox.url, holders: e.holders, stats: e.inbox.stats(), unavailable: e.inbox.unavailableReasons() }));
}

/** Stops every inbox still open (lingering after its last run): a daemon's shutdown. */
export async function closeInboxes(): Promise<void> {
  const all = [...shared.entries()];
  shared.clear();
  for (const [, e] of all) {
    clearTimeout(e.linger);
    await e.lease.then(() => e.stop()).catch(() => undefined);
  }
}

export interface InboxStart {
  key: string;
  environment: string;
  env: EnvironmentConfig;
  routes: WebhookRoute[];
  tls?: { certPem: string; keyPem: string };
  /** The systems to subscribe through; the inbox makes its own clients, which live as long as it does. */
  systems: Map<string, ResolvedSystem>;
  validators?: ResponseValidator[];
  log?(message: string): void;
  /**
   * Keep the inbox (and its subscriptions) open this long after its last run ends, for the next
   * run of a schedule; closeInboxes() ends it sooner. Default 0.
   */
  lingerMs?: number;
  /** A failed subscription is tried again by a run acquiring the inbox this long after the last try. Default 30 s. */
  resubscribeAfterMs?: number;
}

export async function acquireInbox(o: InboxStart): Promise<InboxLease> {
  let entry = shared.get(o.key);
  if (!entry) {
    const subscriptions: Array<() => Promise<void>> = [];
    const clients = new Map<string, SystemClient>();
    const clientFor = (name: string) => {
      const sys = o.systems.get(name);
      if (!sys) return undefined;
      let c = clients.get(name);
      if (!c) clients.set(name, (c = new SystemClient(sys)));
      return c;
    };
    const { tls: _files, ...config } = o.env.inbox ?? {};
    const inbox = new WebhookInbox({ ...config, ...(o.tls ? { tls: o.tls } : {}), routes: o.routes, ...(o.validators ? { validators: o.validators } : {}), ...(o.log ? { log: o.log } : {}) });
    const closeClients = async () => {
      for (const c of clients.values()) await c.close().catch(() => undefined);
    };
    const subscribeAll = async (only?: (r: WebhookRoute) => boolean) => {
      for (const r of o.routes) {
        if (!r.spec.subscribe || (only && !only(r))) continue;
        const undo = await subscribe(inbox, r, clientFor(r.system), o.log);
        if (undo) subscriptions.push(undo);
      }
    };
    const start = (async () => {
      await inbox.start();
      await subscribeAll();
      return inbox;
    })();
    let lastRetry = Date.now();
    entry = {
      environment: o.environment,
      inbox,
      lease: start,
      holders: 0,
      // A subscription that failed (the system down for a moment) is tried again by a later run, at most every 30 s.
      retry: async () => {
        if (Date.now() - lastRetry < (o.resubscribeAfterMs ?? 30_000)) return;
        lastRetry = Date.now();
        await subscribeAll((r) => inbox.unavailableReason(r.system, r.name) !== undefined);
      },
      stop: async () => {
        for (const u of subscriptions.reverse()) await u();
        await inbox.stop();
        await closeClients();
      },
    };
    shared.set(o.key, entry);
    start.catch(async () => {
      shared.delete(o.key);
      await inbox.stop();
      await closeClients();
    });
  }
  entry.holders++;
  clearTimeout(entry.linger);
  entry.linger = undefined;
  const held = entry;
  let inbox: WebhookInbox;
  try {
    inbox = await held.lease;
    await held.retry();
  } catch (err) {
    held.holders--;
    throw err;
  }
  let released = false;
  return {
    inbox,
    release: async () => {
      if (released) return;
      released = true;
      if (--held.holders > 0) return;
      const end = async () => {
        if (held.holders > 0) return;
        if (shared.get(o.key) === held) shared.delete(o.key);
        await held.stop();
      };
      if (o.lingerMs && shared.get(o.key) === held) {
        held.linger = setTimeout(() => void end().catch(() => undefined), o.lingerMs);
        held.linger.unref();
        return;
      }
      await end();
    },
  };
}

/**
 * Subscribes the inbox URL of one webhook through the system's API. A failed subscription leaves
 * the webhook unavailable with the reason: its milestones fall back to polling where they can.
 */
async function subscribe(inbox: WebhookInbox, r: WebhookRoute, client: SystemClient | undefined, log?: (m: string) => void): Promise<(() => Promise<void>) | undefined> {
  const sub = r.spec.subscribe!;
  const what = `${r.system} webhook ${r.name}`;
  if (!client) {
    inbox.markUnavailable(r.system, r.name, `${what} cannot be subscribed to: the system is not resolved in this environment`);
    return undefined;
  }
  const url = inbox.urlOf(r.system, r.name)!;
  const body = fill(sub.body, { url, secret: r.secret ?? '' });
  try {
    const res = await client.request<Record<string, unknown>>({ method: sub.method ?? 'POST', path: sub.path, body, accept: [200, 201, 202, 204], timeoutMs: 10_000 });
    if (res.status >= 300) throw new Error(`${sub.path} answered ${res.status}`);
    inbox.markAvailable(r.system, r.name);
    const id = sub.idField ? getPath(res.body, sub.idField) : undefined;
    log?.(`inbox: subscribed ${what} at ${url}`);
    if (!sub.unsubscribePath) return undefined;
    if (sub.unsubscribePath.includes('{id}') && (typeof id !== 'string' && typeof id !== 'number')) {
      log?.(`inbox: the subscription answer of ${what} holds no '${sub.idField ?? '(idField not set)'}': it will not be removed at stop`);
      return undefined;
    }
    const path = sub.unsubscribePath.replace('{id}', encodeURIComponent(String(id)));
    return async () => {
      try {
        await client.request({ method: 'DELETE', path, accept: [200, 202, 204, 404], timeoutMs: 10_000 });
      } catch (err) {
        log?.(redact(`inbox: could not unsubscribe ${what} (${path}): ${(err as Error).message}`));
      }
    };
  } catch (err) {
    const reason = redact(`${what} could not be subscribed to (${sub.method ?? 'POST'} ${sub.path}): ${(err as Error).message}`);
    inbox.markUnavailable(r.system, r.name, reason);
    log?.(`inbox: ${reason}`);
    return undefined;
  }
}

function fill(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') return value.replace(/\{(url|secret)\}/g, (_, k: string) => vars[k]!);
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)]));
  return value;
}
