import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { redact, registerSecret } from '../core/redact.ts';
import type { Point, Reporter, Sink } from '../core/outputs.ts';
import type { MilestoneResult, RunResult, ScenarioResult } from '../core/result.ts';
import type { Problem } from '../core/status.ts';
import { ConfigError, type ConfigProblem } from '../config/errors.ts';
import type { LoadedConfig, LoadedScenario } from '../config/load.ts';
import type { EnvironmentConfig } from '../config/types.ts';
import { SystemClient, type ResolvedSystem, type ResponseObserver, type ResponseValidator } from '../http/client.ts';
import type { ResolvedOAuth } from '../http/oauth.ts';
import { newCorrelationId } from './correlation.ts';
import { runStatus } from './evaluate.ts';
import { DEFAULT_POLLING, type PollingSettings } from './poll.ts';
import { StartPacer } from './pace.ts';
import { runScenario } from './runtime.ts';
import type { SweepReport } from './types.ts';
import type { WebhookInbox } from '../http/inbox.ts';
import { acquireInbox, awaitedWebhooks, resolveWebhooks, type InboxLease } from './inbox.ts';

/** What the outermost layer knows about a system that the config leaves open (embedded sandbox URLs, CA, client secret). */
export interface SystemOverride {
  baseUrl?: string;
  caPem?: string;
  auth?: Partial<ResolvedOAuth>;
  settings?: Record<string, unknown>;
  /** The signing secret of this system's webhooks (an embedded sandbox makes its own). */
  webhookSecret?: string;
}

export interface RunOptions {
  config: LoadedConfig;
  environment?: string;
  /** Scenario names; a trailing * matches a prefix. */
  scenarios?: string[];
  /** Tags: a label of the scenario or a tag value (b2b, WH-EAST) or key=value (channel=b2b). */
  tags?: string[];
  reporters?: Reporter[];
  sinks?: Sink[];
  signal?: AbortSignal;
  systemsOverride?: Record<string, SystemOverride>;
  /** Merged over the environment's settings (e.g. a browser launcher for UI steps). */
  settings?: Record<string, unknown>;
  /** Every point produced, as it is produced. */
  onPoint?(points: Point[]): void;
  validators?: ResponseValidator[];
  observers?: ResponseObserver[];
  /** Scenarios run at once. Default 8. */
  concurrency?: number;
  /** Run each selected scenario this many times (bench, soak). Default 1. */
  repeat?: number;
  /**
   * The first starts of the concurrent scenarios are spread evenly over this many ms, a few per turn
   * of the event loop. Default: the first polling interval when more than 16 start at once, else 0.
   */
  startSpreadMs?: number;
  /** Progress lines (redacted); default: none. */
  log?(message: string): void;
  /** Overrides for tests and benchmarks. */
  polling?: Partial<PollingSettings>;
  sla?: Record<string, number>;
  /** Reuse clients across runs (a scheduler running the same environment every minute). */
  clients?: Map<string, SystemClient>;
  sweep?: boolean;
  /** A running webhook inbox to use instead of the environment's own (tests). */
  inbox?: WebhookInbox;
  /** Keep the environment's inbox open this long after the run for the next one (a schedule); see closeInboxes(). */
  inboxLingerMs?: number;
  /** A given correlation id per scenario run (a scheduler's idempotency key); default: a fresh one. */
  correlationIdFor?(scenario: string, index: number): string | undefined;
}

export interface EngineRunResult extends RunResult {
  sweeps?: (SweepReport & { key: string })[];
}

function matchesName(name: string, pattern: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

export function selectScenarios(all: LoadedScenario[], names?: string[], tags?: string[]): LoadedScenario[] {
  let out = all;
  if (names?.length) {
    const unknown = names.filter((n) => !all.some((s) => matchesName(s.definition.name, n)));
    if (unknown.length)
      throw new ConfigError(unknown.map((n) => ({ file: '(command line)', field: '--scenario', message: `no scenario named '${n}'; known: ${all.map((s) => s.definition.name).join(', ')}` })));
    out = out.filter((s) => names.some((n) => matchesName(s.definition.name, n)));
  }
  if (tags?.length) {
    out = out.filter((s) =>
      tags.every((t) => {
        const [k, v] = t.includes('=') ? t.split('=', 2) : [undefined, t];
        const d = s.definition;
        if (k) return d.tags?.[k] === v;
        return (d.labels ?? []).includes(t) || Object.values(d.tags ?? {}).includes(t);
      }),
    );
  }
  return out;
}

/** Turns the environment's system descriptions into clients' inputs; every missing URL, file or secret is one problem. */
export function resolveSystems(config: LoadedConfig, environment: string, override: Record<string, SystemOverride> = {}): { systems: Map<string, ResolvedSystem>; problems: ConfigProblem[] } {
  const env = config.config.environments[environment]!;
  const problems: ConfigProblem[] = [];
  const systems = new Map<string, ResolvedSystem>();
  const file = config.file;
  for (const [name, sys] of Object.entries(env.systems)) {
    const f = `environments.${environment}.systems.${name}`;
    const ov = override[name] ?? {};
    const baseUrl = ov.baseUrl ?? sys.baseUrl;
    if (!baseUrl) {
      problems.push({ file, field: `${f}.baseUrl`, message: env.sandbox ? 'not set and the embedded sandbox did not provide it' : 'missing: expected the base URL of the system' });
      continue;
    }
    let caPem = ov.caPem;
    if (!caPem && sys.ca) {
      const p = resolve(config.dir, sys.ca);
      try {
        caPem = readFileSync(p, 'utf8');
        if (!caPem.includes('-----BEGIN CERTIFICATE-----')) problems.push({ file, field: `${f}.ca`, message: `${p} holds no PEM certificate` });
      } catch (err) {
        problems.push({ file, field: `${f}.ca`, message: `cannot read CA bundle ${p}: ${(err as Error).message}` });
      }
    }
    let auth: ResolvedOAuth | undefined;
    if (sys.auth?.type === 'oauth2-client-credentials' || ov.auth) {
      const a = sys.auth?.type === 'oauth2-client-credentials' ? sys.auth : undefined;
      const secret = ov.auth?.clientSecret ?? (a ? process.env[a.clientSecretEnv] : undefined);
      registerSecret(secret);
      const merged = {
        issuer: ov.auth?.issuer ?? a?.issuer,
        tokenUrl: ov.auth?.tokenUrl ?? a?.tokenUrl,
        clientId: ov.auth?.clientId ?? a?.clientId,
        clientSecret: secret,
        scope: ov.auth?.scope ?? a?.scope,
        resource: ov.auth?.resource ?? a?.resource,
      };
      if (!merged.clientSecret) problems.push({ file, field: `${f}.auth.clientSecretEnv`, message: `environment variable ${a?.clientSecretEnv ?? '(none)'} is not set: export the client secret of ${merged.clientId ?? 'the client'} in it` });
      if (!merged.issuer && !merged.tokenUrl) problems.push({ file, field: `${f}.auth`, message: 'no issuer or tokenUrl to get tokens from' });
      if (!merged.clientId) problems.push({ file, field: `${f}.auth.clientId`, message: 'expected the OAuth client id' });
      if (merged.clientSecret && merged.clientId && (merged.issuer || merged.tokenUrl)) auth = merged as ResolvedOAuth;
    }
    systems.set(name, {
      name,
      baseUrl,
      caPem,
      auth,
      headers: sys.headers,
      requestTimeoutMs: sys.requestTimeoutMs,
      budget: sys.budget,
      lookups: sys.lookups ?? {},
      settings: { ...sys.settings, ...ov.settings },
    });
  }
  return { systems, problems };
}

/** The inbox's certificate and key from their PEM files; every unreadable, wrong or mismatched file is one problem. */
function readInboxTls(tls: { cert: string; key: string }, dir: string, field: string, file: string, problems: ConfigProblem[]): { certPem: string; keyPem: string } | undefined {
  const read = (which: 'cert' | 'key', marker: RegExp, what: string): string | undefined => {
    const p = resolve(dir, tls[which]);
    try {
      const pem = readFileSync(p, 'utf8');
      if (!marker.test(pem)) {
        problems.push({ file, field: `${field}.${which}`, message: `${p} holds no ${what} in PEM` });
        return undefined;
      }
      return pem;
    } catch (err) {
      problems.push({ file, field: `${field}.${which}`, message: `cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      return undefined;
    }
  };
  const certPem = read('cert', /-----BEGIN CERTIFICATE-----/, 'certificate');
  const keyPem = read('key', /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, 'private key');
  if (!certPem || !keyPem) return undefined;
  try {
    createSecureContext({ cert: certPem, key: keyPem });
  } catch (err) {
    problems.push({ file, field, message: `the key does not go with the certificate (${(err as Error).message}): give the key the certificate was issued for` });
    return undefined;
  }
  return { certPem, keyPem };
}

/** References from scenarios to the environment: systems and lookups must exist. */
function checkReferences(selected: LoadedScenario[], env: EnvironmentConfig, environment: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const { definition: d, file } of selected) {
    const has = (s: string) => Object.prototype.hasOwnProperty.call(env.systems, s);
    for (const st of [...d.steps, ...(d.cleanup ?? [])])
      if (!has(st.system)) out.push({ file, field: `scenario ${d.name}.steps.${st.name}.system`, message: `system '${st.system}' is not defined in environment ${environment}` });
    for (const m of d.milestones) {
      if (!has(m.system)) {
        out.push({ file, field: `scenario ${d.name}.milestones.${m.name}.system`, message: `system '${m.system}' is not defined in environment ${environment} (systems: ${Object.keys(env.systems).join(', ')})` });
        continue;
      }
      const webhook = m.push?.webhook;
      if (webhook !== undefined && !m.poll) {
        if (!env.systems[m.system]!.webhooks?.[webhook])
          out.push({ file, field: `scenario ${d.name}.milestones.${m.name}.push.webhook`, message: `system '${m.system}' in environment ${environment} has no webhook '${webhook}'; add it under environments.${environment}.systems.${m.system}.webhooks` });
        else if (!env.inbox)
          out.push({ file, field: `scenario ${d.name}.milestones.${m.name}.push.webhook`, message: `environment ${environment} has no inbox to receive the ${m.system} webhook '${webhook}'; add environments.${environment}.inbox` });
      }
      if (m.poll && !env.systems[m.system]!.lookups?.[m.poll.lookup])
        out.push({ file, field: `scenario ${d.name}.milestones.${m.name}.poll.lookup`, message: `system '${m.system}' in environment ${environment} has no lookup '${m.poll.lookup}'; add it under environments.${environment}.systems.${m.system}.lookups` });
    }
  }
  return out;
}

async function defaultToPoints(): Promise<(r: ScenarioResult) => Point[]> {
  const mod = (await import('../sinks/points.ts')) as { scenarioToPoints: (r: ScenarioResult) => Point[] };
  return mod.scenarioToPoints;
}

async function safe(what: string, fn: () => unknown, log?: (m: string) => void): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log?.(redact(`${what} failed: ${(err as Error).message}`));
  }
}

/**
 * Runs the selected scenarios against one environment. Config and reference problems are thrown as
 * one ConfigError before anything is placed; outputs are isolated, so a broken reporter or sink never
 * fails or loses the result.
 */
export async function runScenarios(opts: RunOptions): Promise<EngineRunResult> {
  const loaded = opts.config;
  const environment = opts.environment ?? loaded.defaultEnvironment;
  const env = loaded.config.environments[environment];
  if (!env)
    throw new ConfigError([{ file: loaded.file, field: 'environments', message: `no environment '${environment}'; known: ${Object.keys(loaded.config.environments).join(', ')}` }]);
  const selected = selectScenarios(loaded.scenarios, opts.scenarios, opts.tags);
  const problems = checkReferences(selected, env, environment);
  const { systems, problems: resolveProblems } = resolveSystems(loaded, environment, opts.systemsOverride);
  // A system no selected scenario uses may stay unresolved (an embedded stack without that service).
  const used = new Set(selected.flatMap(({ definition: d }) => [...d.steps, ...(d.cleanup ?? []), ...d.milestones].map((x) => x.system)));
  if (selected.some((s) => s.definition.sweep)) for (const s of ['housekeeping', 'erp', 'wms']) used.add(s);
  problems.push(...resolveProblems.filter((p) => used.has(p.field.split('.')[3] ?? '') || !p.field.endsWith('.baseUrl')));
  // The inbox is started when a selected scenario awaits a webhook the environment describes.
  const awaited = [...awaitedWebhooks(selected.map((s) => s.definition))].filter((w) => {
    const [sys, name] = w.split('.', 2) as [string, string];
    return !!env.inbox && !!env.systems[sys]?.webhooks?.[name];
  });
  const webhooks = awaited.length && !opts.inbox ? resolveWebhooks(env, environment, loaded.file, (sys) => opts.systemsOverride?.[sys]?.webhookSecret) : undefined;
  if (webhooks) problems.push(...webhooks.problems);
  const inboxTls = webhooks && env.inbox?.tls ? readInboxTls(env.inbox.tls, loaded.dir, `environments.${environment}.inbox.tls`, loaded.file, problems) : undefined;
  if (problems.length) throw new ConfigError(problems);

  const ownClients = !opts.clients;
  const clients = opts.clients ?? new Map<string, SystemClient>();
  for (const [name, sys] of systems) if (!clients.has(name)) clients.set(name, new SystemClient(sys, { validators: opts.validators, observers: opts.observers }));

  const c = loaded.config;
  const polling: PollingSettings = { ...DEFAULT_POLLING, ...c.polling, ...env.polling, ...opts.polling };
  const slaFor = (m: string, own?: number) => opts.sla?.[m] ?? env.sla?.[m] ?? own ?? c.sla?.[m] ?? 60_000;
  const settings = { ...env.settings, ...opts.settings };
  const reporters = opts.reporters ?? [];
  const sinks = opts.sinks ?? [];
  const log = opts.log;
  const toPoints = await defaultToPoints();
  const startedAt = Date.now();
  const names = selected.map((s) => s.definition.name);
  for (const r of reporters) await safe(`reporter ${r.name} onRunStart`, () => r.onRunStart?.({ environment, scenarios: names, startedAt: new Date(startedAt).toISOString() }), log);

  const sweeps: (SweepReport & { key: string })[] = [];
  if (opts.sweep !== false && c.orphanSweep?.enabled !== false) {
    const done = new Set<string>();
    for (const { definition: d } of selected) {
      if (!d.sweep || done.has(d.sweep.key) || opts.signal?.aborted) continue;
      done.add(d.sweep.key);
      const counter = { requests: 0 };
      const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(c.timeouts?.cleanupMs ?? 60_000)]) : AbortSignal.timeout(c.timeouts?.cleanupMs ?? 60_000);
      const corr = newCorrelationId();
      try {
        const rep = await d.sweep.run({
          environment,
          marker: loaded.marker,
          olderThanMs: c.orphanSweep?.olderThanMs ?? 15 * 60_000,
          signal,
          settings,
          system: (n) => clients.get(n)!,
          lookup: async (sys, l, params) => (await clients.get(sys)!.lookup(l, params, { signal, counter, correlationId: corr })).records,
          log: (m) => log?.(redact(`[sweep ${d.sweep!.key}] ${m}`)),
        });
        sweeps.push({ key: d.sweep.key, ...rep });
      } catch (err) {
        sweeps.push({ key: d.sweep.key, found: 0, cleaned: 0, problems: [{ code: 'sweep_failed', message: redact(`orphan sweep ${d.sweep.key} failed: ${(err as Error).message}`) }] });
      }
    }
  }

  await Promise.all([...clients.values()].map((cl) => cl.warmUp(opts.signal)));
  let lease: InboxLease | undefined;
  if (webhooks) {
    const key = [loaded.file, environment, ...webhooks.routes.map((r) => `${r.system}=${systems.get(r.system)?.baseUrl ?? ''}`)].join('|');
    lease = await acquireInbox({ key, environment, env, routes: webhooks.routes, ...(inboxTls ? { tls: inboxTls } : {}), systems, validators: opts.validators, log: log ? (m) => log(redact(m)) : undefined, lingerMs: opts.inboxLingerMs });
  }
  const inbox = opts.inbox ?? lease?.inbox;
  let results: ScenarioResult[] = [];
  try {
    const queue: LoadedScenario[] = [];
    for (let i = 0; i < (opts.repeat ?? 1); i++) queue.push(...selected.filter((s) => !s.definition.runAlone));
    const alone: LoadedScenario[] = [];
    for (let i = 0; i < (opts.repeat ?? 1); i++) alone.push(...selected.filter((s) => s.definition.runAlone));
    const shared = queue.length;
    queue.push(...alone);
    results = new Array(queue.length);
    let next = 0;
    let end = shared;
    // Made once per run, not per scenario: every transaction in flight holds on to them.
    const onStart = (info: { name: string; correlationId: string; tags: ScenarioResult['tags'] }) => {
      for (const r of reporters) void safe(`reporter ${r.name} onScenarioStart`, () => r.onScenarioStart?.(info), log);
    };
    const onMilestone = (m: MilestoneResult, scenario: { name: string; correlationId: string }) => {
      for (const r of reporters) void safe(`reporter ${r.name} onMilestone`, () => r.onMilestone?.(scenario, m), log);
    };
    const workers = Math.max(1, Math.min(opts.concurrency ?? 8, shared));
    const pacer = new StartPacer(workers, opts.startSpreadMs ?? (workers > 16 ? polling.initialMs : 0), 16, opts.signal);
    const worker = async (paced?: boolean) => {
      if (paced) await pacer.turn();
      for (;;) {
        if (next >= end) return;
        const idx = next++;
        const { definition } = queue[idx]!;
        if (opts.signal?.aborted && idx > 0) {
          // Interrupted before it began: nothing was placed, so nothing to undo.
          results[idx] = { name: definition.name, status: 'unknown', correlationId: '', tags: { ...definition.tags, environment }, startedAt: new Date().toISOString(), durationMs: 0, milestones: [], problems: [{ code: 'interrupted', message: 'run interrupted before this scenario started' }] };
          continue;
        }
        const result = await runScenario({
          definition,
          environment,
          correlationId: opts.correlationIdFor?.(definition.name, idx),
          clients,
          marker: loaded.marker,
          settings,
          slaFor,
          polling,
          skewToleranceMs: c.clockSkewToleranceMs ?? 500,
          timeoutMs: definition.timeoutMs ?? c.timeouts?.scenarioMs ?? 30 * 60_000,
          cleanupTimeoutMs: c.timeouts?.cleanupMs ?? 60_000,
          signal: opts.signal,
          inbox: definition.milestones.some((m) => m.push?.webhook !== undefined) ? inbox : undefined,
          log,
          onStart,
          onMilestone,
        });
        results[idx] = result;
        let points: Point[] = [];
        // Points only for a sink or onPoint that takes them.
        if (sinks.length || opts.onPoint)
          try {
            points = toPoints(result);
          } catch (err) {
            log?.(`points for ${definition.name} failed: ${(err as Error).message}`);
          }
        for (const s of sinks)
          try {
            s.add(points);
          } catch (err) {
            log?.(redact(`sink ${s.name} add failed: ${(err as Error).message}`));
          }
        if (opts.onPoint) await safe('onPoint', () => opts.onPoint!(points), log);
        for (const r of reporters) await safe(`reporter ${r.name} onScenarioEnd`, () => r.onScenarioEnd?.(result), log);
      }
    };
    await Promise.all(Array.from({ length: workers }, () => worker(true)));
    end = queue.length;
    await worker();
  } finally {
    if (lease) await safe('stopping the webhook inbox', () => lease.release(), log);
  }

  if (ownClients) for (const cl of clients.values()) await safe(`closing ${cl.name}`, () => cl.close(), log);
  const run: EngineRunResult = {
    status: results.length ? runStatus(results) : 'unknown',
    environment,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Date.now() - startedAt,
    scenarios: results,
  };
  if (sweeps.length) run.sweeps = sweeps;
  const sweepProblems: Problem[] = sweeps.flatMap((s) => s.problems);
  if (sweepProblems.length && run.status === 'ok') run.status = 'warning';
  for (const r of reporters) await safe(`reporter ${r.name} onRunEnd`, () => r.onRunEnd?.(run), log);
  return run;
}
