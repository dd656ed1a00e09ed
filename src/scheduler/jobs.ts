import { checkTls, toPoints as tlsPoints } from '../checks/tls/index.ts';
import { runScenarios, resolveSystems, type LoadedConfig, type RunOptions, type SystemOverride } from '../engine/index.ts';
import type { ProbeDefinition } from './probe.ts';
import { failedOutcome, outcomeFromCheck, outcomeFromRunResult, type ProbeJob } from './outcome.ts';
import { BacklogHistory, backlogOutcome, evaluateBacklog, readBacklog, DEFAULT_BACKLOG_THRESHOLDS, type BacklogThresholds } from './checks/backlog.ts';
import { MiddlewareReconciliation, reconcile, reconciliationOutcome } from './checks/reconciliation.ts';
import type { HttpTarget } from './checks/http.ts';

/** Check types a probe can name in `check.type`. */
export const BUILTIN_CHECKS = ['backlog', 'reconciliation', 'tls'] as const;

export interface JobDeps {
  config: LoadedConfig;
  /** Per environment: what the outermost layer knows that the config leaves open (embedded sandbox URLs, CA). */
  overrides?: Record<string, Record<string, SystemOverride> | undefined>;
  log?: (line: string) => void;
  /** Passed to every scenario run: SLA and polling overrides (demo schedules, tests). */
  runOverrides?: Pick<RunOptions, 'sla' | 'polling'>;
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
  return (p) => {
    if (p.scenario) {
      return async (ctx) => {
        const run = await runScenarios({
          config: deps.config,
          environment: p.environment,
          scenarios: [p.scenario!],
          sinks: ctx.sinks,
          signal: ctx.signal,
          systemsOverride: deps.overrides?.[p.environment],
          log: deps.log,
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
      default:
        return async () => failedOutcome(p, 'run', `no check '${p.check?.type}'`, 'unknown');
    }
  };
}
