import { checkTls, toPoints as tlsPoints } from '../checks/tls/index.ts';
import { checkOAuth, toPoints as oauthPoints } from '../checks/oauth/index.ts';
import { registerSecret } from '../core/redact.ts';
import { UsageError } from '../core/errors.ts';
import { EDI_CHECK_TYPES, ediPoints, runEdiCheck, type EdiCheckType } from '../edi/index.ts';
import { createSchemaValidator } from '../contracts/validator.ts';
import { driftPoints } from '../contracts/points.ts';
import { defaultRegistry, type SchemaRegistry } from '../contracts/schemas.ts';
import type { ResponseValidator } from '../http/client.ts';
import { correlationIdForKey, newCorrelationId, runScenarios, resolveSystems, SystemClient, type LoadedConfig, type RunOptions, type SystemOverride } from '../engine/index.ts';
import { redact } from '../core/redact.ts';
import type { SweepReport } from './daemon.ts';
import type { ProbeDefinition } from './probe.ts';
import { failedOutcome, outcomeFromCheck, outcomeFromRunResult, type ProbeContext, type ProbeJob } from './outcome.ts';
import { BacklogHistory, backlogOutcome, evaluateBacklog, readBacklog, DEFAULT_BACKLOG_THRESHOLDS, type BacklogThresholds } from './checks/backlog.ts';
import { MiddlewareReconciliation, reconcile, reconciliationOutcome } from './checks/reconciliation.ts';
import type { HttpTarget } from './checks/http.ts';

/** Check types a probe can name in `check.type`. */
export const BUILTIN_CHECKS = ['backlog', 'reconciliation', 'tls', 'oauth', ...EDI_CHECK_TYPES] as const;

export interface JobDeps {
  config: LoadedConfig;
  /** Per environment: what the outermost layer knows that the config leaves open (embedded sandbox URLs, CA). */
  overrides?: Record<string, Record<string, SystemOverride> | undefined>;
  log?: (line: string) => void;
  /** Passed to every scenario run: SLA and polling overrides (demo schedules, tests). */
  runOverrides?: Pick<RunOptions, 'sla' | 'polling'>;
  /** Live drift checks on the responses scenario probes read; default on. */
  validate?: boolean;
  /** The response schemas; the project's contracts/schemas by default. */
  registry?: SchemaRegistry;
}

function target(deps: JobDeps, environment: string, system: string): HttpTarget {
  const { systems, problems } = resolveSystems(deps.config, environment, deps.overrides?.[environment]);
  const s = systems.get(system);
  if (!s) throw new Error(`environment ${environment} has no usable system '${system}'${problems.length ? `: ${problems.map((p) => p.message).join('; ')}` : ''}`);
  return { baseUrl: s.baseUrl, caPem: s.caPem };
}

/**
 * Turns each probe into the job that runs it: a scenario through the engine (which writes its own
 * milestone points to the daemon's sinks and cleans up on abort), or a built-in check. State a check
 * needs between runs (backlog history, reconciliation counters) lives in the job's closure.
 */
export function jobFactory(deps: JobDeps): (p: ProbeDefinition) => ProbeJob {
  // Compiled once for the daemon's life; each run gets its own validator so its drift points reach that run's sinks.
  let registry: SchemaRegistry | null | undefined = deps.validate === false ? null : deps.registry;
  const validatorsFor = (environment: string, sinks: ProbeContext['sinks']): ResponseValidator[] => {
    if (registry === undefined) {
      try {
        registry = defaultRegistry();
      } catch (err) {
        registry = null;
        deps.log?.(redact(`response schemas not loaded, live drift checks off: ${(err as Error).message}`));
      }
    }
    if (!registry) return [];
    return [createSchemaValidator(registry, { onFindings: (f, c) => sinks.forEach((s) => s.add(driftPoints(f, { api: c.system, env: environment }))) })];
  };
  return (p) => {
    if (p.scenario) {
      return async (ctx) => {
        const run = await runScenarios({
          validators: validatorsFor(p.environment, ctx.sinks),
          config: deps.config,
          environment: p.environment,
          scenarios: [p.scenario!],
          sinks: ctx.sinks,
          signal: ctx.signal,
          systemsOverride: deps.overrides?.[p.environment],
          log: deps.log,
          // The slot's key names the transaction: a run interrupted by a crash is found again by it.
          correlationIdFor: () => correlationIdForKey(ctx.idempotencyKey),
          // The webhook inbox stays subscribed between the runs of a schedule.
          inboxLingerMs: 10 * 60_000,
          ...deps.runOverrides,
        });
        return outcomeFromRunResult(run, p);
      };
    }
    const opts = (p.check?.options ?? {}) as Record<string, unknown>;
    switch (p.check?.type) {
      case 'backlog': {
        const history = new BacklogHistory(Number(opts.windowMs ?? 15 * 60_000));
        const thresholds: BacklogThresholds = { ...DEFAULT_BACKLOG_THRESHOLDS, ...((opts.thresholds as Partial<BacklogThresholds>) ?? {}) };
        return async (ctx) => {
          const samples = await readBacklog(target(deps, p.environment, String(opts.system ?? 'middleware')), ctx.signal);
          return backlogOutcome(p.name, p.environment, evaluateBacklog(history.add(samples), thresholds));
        };
      }
      case 'reconciliation': {
        let source: MiddlewareReconciliation | undefined;
        return async (ctx) => {
          source ??= new MiddlewareReconciliation(target(deps, p.environment, String(opts.system ?? 'middleware')));
          const counts = await source.read(ctx.signal);
          return reconciliationOutcome(p.name, p.environment, reconcile(counts, { thresholdPct: opts.thresholdPct as number | undefined }));
        };
      }
      case 'tls': {
        return async () => {
          const t = opts.target ? { baseUrl: String(opts.target), caPem: undefined } : target(deps, p.environment, String(opts.system ?? 'erp'));
          const where = String(opts.target ?? t.baseUrl);
          const doc = await checkTls(where, { caPem: t.caPem, thresholds: opts.thresholds as never });
          const o = outcomeFromCheck(doc, p, 'system');
          return { ...o, points: tlsPoints(doc, { target: where, environment: p.environment }) };
        };
      }
      case 'oauth': {
        // The client of a system in the config (options.system), or one named outright with its secret in an environment variable.
        return async () => {
          let auth: { issuer?: string; tokenUrl?: string; clientId?: string; clientSecret?: string; scope?: string; resource?: string; caPem?: string };
          const system = String(opts.system ?? 'erp');
          const { systems } = resolveSystems(deps.config, p.environment, deps.overrides?.[p.environment]);
          const sys = systems.get(system);
          if (opts.clientSecretEnv) {
            const secret = process.env[String(opts.clientSecretEnv)];
            registerSecret(secret);
            if (!secret) return failedOutcome(p, 'run', `environment variable ${String(opts.clientSecretEnv)} is not set`, 'unknown');
            auth = { issuer: opts.issuer as string | undefined, tokenUrl: opts.tokenUrl as string | undefined, clientId: String(opts.clientId ?? ''), clientSecret: secret, scope: opts.scope as string | undefined, resource: opts.resource as string | undefined, caPem: sys?.caPem };
          } else {
            if (!sys?.auth) return failedOutcome(p, 'run', `system '${system}' of ${p.environment} has no OAuth client to check`, 'unknown');
            auth = { ...sys.auth, caPem: sys.caPem };
          }
          const doc = await checkOAuth({
            issuer: auth.issuer,
            tokenUrl: auth.tokenUrl,
            clientId: auth.clientId ?? '',
            clientSecret: auth.clientSecret ?? '',
            scope: auth.scope,
            resource: auth.resource,
            caPem: auth.caPem,
            stateDir: (opts.stateDir as string | undefined) ?? null,
          });
          const warehouse = opts.warehouse ? String(opts.warehouse) : undefined;
          const o = outcomeFromCheck(doc, p, warehouse ? 'warehouse' : 'system');
          const results = warehouse ? o.results.map((r) => ({ ...r, key: `${p.name}/oauth/warehouse=${warehouse}`, scope: `warehouse=${warehouse}` })) : o.results;
          return { ...o, results, points: oauthPoints(doc, { target: `${auth.clientId}@${auth.issuer ?? auth.tokenUrl}`, environment: p.environment }) };
        };
      }
      case 'edi-file-arrival':
      case 'edi-ack': {
        const type = p.check.type as EdiCheckType;
        return async () => {
          try {
            const doc = await runEdiCheck(type, opts);
            return { ...outcomeFromCheck(doc, p, 'system'), points: ediPoints(type, doc, { environment: p.environment, probe: p.name }) };
          } catch (err) {
            if (err instanceof UsageError) return failedOutcome(p, 'run', err.describe(), 'unknown');
            throw err;
          }
        };
      }
      default:
        return async () => failedOutcome(p, 'run', `no check '${p.check?.type}'`, 'unknown');
    }
  };
}

/**
 * The orphan sweep at daemon start: every distinct scenario sweep (by key) of the scheduled scenario
 * probes, per environment, through the engine's system clients. It undoes synthetic records older
 * than the config's `orphanSweep.olderThanMs` that earlier processes left behind, and at once those
 * placed by the runs the ledger lists as interrupted (`interruptedKeys`: their idempotency keys).
 */
export async function sweepOrphans(deps: JobDeps, probes: ProbeDefinition[], signal: AbortSignal, interruptedKeys: string[] = []): Promise<SweepReport> {
  const c = deps.config.config;
  const total: SweepReport = { found: 0, cleaned: 0 };
  if (c.orphanSweep?.enabled === false) return { ...total, message: 'orphan sweep disabled in the config' };
  const messages: string[] = [];
  const correlationIds = new Set(interruptedKeys.map(correlationIdForKey));
  const byEnv = new Map<string, Set<string>>();
  for (const p of probes) if (p.scenario) byEnv.set(p.environment, (byEnv.get(p.environment) ?? new Set()).add(p.scenario));
  for (const [environment, names] of byEnv) {
    const { systems } = resolveSystems(deps.config, environment, deps.overrides?.[environment]);
    const clients = new Map<string, SystemClient>();
    const client = (n: string) => {
      let cl = clients.get(n);
      if (!cl) {
        const sys = systems.get(n);
        if (!sys) throw new Error(`environment ${environment} has no usable system '${n}'`);
        clients.set(n, (cl = new SystemClient(sys)));
      }
      return cl;
    };
    const env = deps.config.config.environments[environment];
    const done = new Set<string>();
    for (const s of deps.config.scenarios) {
      const sweep = s.definition.sweep;
      if (!names.has(s.definition.name) || !sweep || done.has(sweep.key)) continue;
      done.add(sweep.key);
      const correlationId = newCorrelationId();
      try {
        const r = await sweep.run({
          environment,
          marker: deps.config.marker,
          olderThanMs: c.orphanSweep?.olderThanMs ?? 15 * 60_000,
          correlationIds,
          signal,
          settings: { ...(env?.settings ?? {}) },
          system: client,
          lookup: async (sys, l, params) => (await client(sys).lookup(l, params, { signal, correlationId })).records,
          log: (m) => deps.log?.(redact(`[sweep ${sweep.key} ${environment}] ${m}`)),
        });
        total.found += r.found;
        total.cleaned += r.cleaned;
        messages.push(...r.problems.map((p) => `${environment}/${sweep.key}: ${p.message}`));
      } catch (err) {
        messages.push(redact(`${environment}/${sweep.key}: ${(err as Error).message}`));
      }
    }
  }
  return messages.length ? { ...total, message: messages.join('; ') } : total;
}
