import { setTimeout as sleep } from 'node:timers/promises';
import type { FailureClass } from '../core/errors.ts';
import { SyncprobeError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import type { MilestoneResult, ScenarioResult } from '../core/result.ts';
import type { Problem } from '../core/status.ts';
import type { SyntheticMarker } from '../config/types.ts';
import { RateLimitedError, type ResponseProblem, type SystemClient } from '../http/client.ts';
import type { NormalizedRecord } from '../http/records.ts';
import { newCorrelationId, referenceFor } from './correlation.ts';
import { evaluateMilestone, scenarioStatus, type MilestoneObservation } from './evaluate.ts';
import { awaitWindowMs, pollingDelay, type PollingSettings } from './poll.ts';
import type { Milestone, ScenarioContext, ScenarioDefinition, Step } from './types.ts';

export interface ScenarioRunOptions {
  definition: ScenarioDefinition;
  environment: string;
  clients: Map<string, SystemClient>;
  marker: SyntheticMarker;
  settings: Record<string, unknown>;
  /** SLA for a milestone: environment override, then the scenario's own, then the config default. */
  slaFor(milestone: string, scenarioSlaMs?: number): number;
  polling: PollingSettings;
  skewToleranceMs: number;
  timeoutMs: number;
  cleanupTimeoutMs: number;
  signal?: AbortSignal;
  correlationId?: string;
  onStart?(info: { name: string; correlationId: string; tags: ScenarioResult['tags'] }): void;
  onMilestone?(m: MilestoneResult, scenario: { name: string; correlationId: string }): void;
  log?(message: string): void;
}

interface Mark {
  sentAt: number;
  receivedAt: number;
  systemAt?: number | null;
  record?: NormalizedRecord;
}

interface Interval {
  lower: number;
  upper: number;
  systemAt?: number | null;
}

function classOf(err: unknown): FailureClass {
  if (err instanceof SyncprobeError) return err.failureClass;
  return 'application';
}

function messageOf(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}

function timeOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : null;
  }
  return null;
}

/**
 * Runs one synthetic transaction: steps act, milestones are observed in order (polled adaptively or
 * pushed), each judged against its SLA; cleanup always runs, with its own deadline, whatever happened.
 */
export async function runScenario(o: ScenarioRunOptions): Promise<ScenarioResult> {
  const def = o.definition;
  const depsOf = def.milestones.map((m, i) => {
    const isStart = i === 0 || (m.markedByStep === true && !m.from);
    const from = isStart ? undefined : (m.from ?? def.milestones[0]!.name);
    const after = i === 0 ? undefined : (m.after ?? def.milestones[i - 1]!.name);
    return [...new Set([after, from].filter((d): d is string => !!d))];
  });
  const depIndexes = depsOf.map((deps, i) =>
    deps.map((d) => {
      const k = def.milestones.findIndex((x) => x.name === d);
      if (k < 0 || k >= i) throw new Error(`scenario ${def.name}: milestone ${def.milestones[i]!.name} follows '${d}', which is not an earlier milestone`);
      return k;
    }),
  );
  const correlationId = o.correlationId ?? newCorrelationId();
  const reference = referenceFor(o.marker.referencePrefix, correlationId);
  const tags: ScenarioResult['tags'] = { ...def.tags, environment: o.environment };
  const startedAt = Date.now();
  const log = (msg: string) => o.log?.(redact(`[${def.name} ${correlationId}] ${msg}`));

  const work = new AbortController();
  let timedOut = false;
  let interrupted = false;
  const timer = setTimeout(() => {
    timedOut = true;
    work.abort(new Error(`scenario deadline of ${o.timeoutMs} ms passed`));
  }, o.timeoutMs);
  const onAbort = () => {
    interrupted = true;
    work.abort(o.signal?.reason ?? new Error('interrupted'));
  };
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener('abort', onAbort, { once: true });

  const marks = new Map<string, Mark>();
  const undo: { name: string; action: (ctx: ScenarioContext) => Promise<void> }[] = [];
  const vars: Record<string, unknown> = {};

  const client = (name: string): SystemClient => {
    const c = o.clients.get(name);
    if (!c) throw new Error(`scenario ${def.name} uses system '${name}', which environment ${o.environment} does not define`);
    return c;
  };

  const makeContext = (signal: AbortSignal, counter?: { requests: number }): ScenarioContext => ({
    scenario: def.name,
    environment: o.environment,
    correlationId,
    reference,
    marker: o.marker,
    tags,
    vars,
    settings: o.settings,
    signal,
    system: client,
    async request(system, options) {
      const r = await client(system).request({ correlationId, signal, counter, ...options });
      return { status: r.status, body: r.body as never, headers: r.headers };
    },
    async lookup(system, lookup, params) {
      const r = await client(system).lookup(lookup, params, { correlationId, signal, counter });
      return r.records;
    },
    mark(milestone, observed) {
      marks.set(milestone, observed);
    },
    onCleanup(name, action) {
      undo.push({ name, action });
    },
    log,
  });
  const ctx = makeContext(work.signal);

  o.onStart?.({ name: def.name, correlationId, tags });

  const stepErrors = new Map<string, { class: FailureClass; reason: string; system: string }>();
  let firstStepError: { class: FailureClass; reason: string; system: string } | undefined;
  const runSteps = async (steps: Step[]): Promise<boolean> => {
    for (const step of steps) {
      try {
        await step.run(ctx);
      } catch (err) {
        if (work.signal.aborted) return false;
        const sys = err instanceof SyncprobeError && typeof err.context.system === 'string' ? err.context.system : step.system;
        const e = { class: classOf(err), reason: `step '${step.name}' on ${step.system} failed: ${messageOf(err)}`, system: sys };
        stepErrors.set(step.name, e);
        firstStepError ??= e;
        log(e.reason);
        return false;
      }
    }
    return true;
  };

  const results = new Array<MilestoneResult>(def.milestones.length);
  const intervals = new Map<string, Interval>();
  const problems: Problem[] = [];
  const settled = new Array<{ found: boolean; result: MilestoneResult } | undefined>(def.milestones.length);
  // Milestones cut short by an interruption say nothing about the systems.
  const cutShort = new Set<number>();
  const titleOf = (name: string) => def.milestones.find((x) => x.name === name)?.title ?? name;

  const stepsOk = await runSteps(def.steps.filter((s) => !s.afterMilestone));

  // Milestones form a chain (or a small DAG through `after`): each is observed once what it follows is
  // settled, so independent ones (notification and storefront status) are polled side by side.
  const observe = async (i: number): Promise<{ found: boolean; result: MilestoneResult }> => {
    const m = def.milestones[i]!;
    const isStart = i === 0 || (m.markedByStep === true && !m.from);
    const from = isStart ? undefined : (m.from ?? def.milestones[0]!.name);
    const after = i === 0 ? undefined : (m.after ?? def.milestones[i - 1]!.name);
    const slaMs = o.slaFor(m.name, m.slaMs);
    const deps = depsOf[i]!;
    const depOutcomes = depIndexes[i]!.map((d) => settled[d]!);
    const obs: MilestoneObservation = {
      name: m.name,
      title: m.title,
      system: m.system,
      slaMs,
      from,
      start: from ? (intervals.get(from) ?? null) : null,
      found: false,
      requests: 0,
      scope: { channel: tags.channel, warehouse: tags.warehouse, system: m.system },
      skewToleranceMs: o.skewToleranceMs,
    };
    const causalLower = after ? intervals.get(after)?.lower : undefined;
    const failedDep = depOutcomes.findIndex((d) => !d.found);

    if (failedDep >= 0) {
      const d = depOutcomes[failedDep]!.result;
      if (cutShort.has(def.milestones.findIndex((x) => x.name === deps[failedDep]))) cutShort.add(i);
      obs.notReached = { because: `${titleOf(deps[failedDep]!)} is ${d.status}`, class: d.failure?.class ?? 'business' };
    } else if (work.signal.aborted) {
      obs.notReached = { because: timedOut ? `the scenario deadline (${o.timeoutMs} ms) passed first` : 'the run was interrupted', class: 'business' };
      if (!timedOut) cutShort.add(i);
    } else if (m.markedByStep) {
      const mk = marks.get(m.name);
      if (mk) {
        obs.found = true;
        obs.lastNegativeAt = mk.sentAt;
        obs.firstPositiveAt = mk.receivedAt;
        obs.systemAt = mk.systemAt ?? (m.timestamp && mk.record ? timeOf(mk.record[m.timestamp]) : null);
        obs.requests = 1;
        if (mk.record && m.check) obs.mismatches = m.check(mk.record, ctx, [mk.record]);
      } else if (firstStepError && (!stepsOk || stepErrors.size)) {
        obs.error = { class: firstStepError.class, reason: firstStepError.reason };
        obs.scope.system = firstStepError.system;
      } else {
        obs.error = { class: 'application', reason: `no step reported ${m.name}` };
      }
    } else if (m.poll) {
      await pollMilestone(m, obs, ctx, client(m.system), slaMs, o.polling, work.signal, correlationId);
    } else if (m.push) {
      const deadline = (obs.start?.upper ?? Date.now()) + awaitWindowMs(slaMs, o.polling);
      const waitCtl = AbortSignal.any([work.signal, AbortSignal.timeout(Math.max(1, deadline - Date.now()))]);
      try {
        const r = await m.push.wait(ctx, waitCtl);
        obs.found = true;
        obs.firstPositiveAt = r.receivedAt;
        obs.systemAt = r.systemAt ?? (m.timestamp && r.record ? timeOf(r.record[m.timestamp]) : null);
        if (r.record && m.check) obs.mismatches = m.check(r.record, ctx, [r.record]);
      } catch (err) {
        if (!work.signal.aborted && !waitCtl.aborted) obs.error = { class: classOf(err), reason: messageOf(err) };
        obs.waitedMs = Date.now() - (obs.start?.upper ?? startedAt);
      }
    }
    if (obs.found && causalLower !== undefined && (obs.lastNegativeAt == null || obs.lastNegativeAt < causalLower)) obs.lastNegativeAt = causalLower;
    if (!obs.found && !obs.notReached && !obs.error && work.signal.aborted) {
      obs.notReached = { because: timedOut ? `the scenario deadline (${o.timeoutMs} ms) passed before it was observed` : 'the run was interrupted before it was observed', class: 'business' };
      if (!timedOut) cutShort.add(i);
    }

    let result = evaluateMilestone(obs);
    if ((result.status === 'missing' || result.status === 'late' || (result.status === 'error' && !obs.found)) && !obs.notReached && !m.markedByStep && def.diagnose && !work.signal.aborted) {
      try {
        const d = await def.diagnose(ctx, m, result);
        if (d) {
          obs.diagnosis = d;
          result = evaluateMilestone(obs);
        }
      } catch (err) {
        problems.push({ code: 'diagnosis_failed', message: `could not look upstream for why ${m.name} is ${result.status}: ${messageOf(err)}` });
      }
    }
    results[i] = result;
    try {
      o.onMilestone?.(result, { name: def.name, correlationId });
    } catch {
      /* a reporter hook never breaks the run */
    }
    log(`${m.name}: ${result.status}${result.latencyMs !== null ? ` ${result.latencyMs} ms [${result.latencyLowerMs}, ${result.latencyUpperMs}]` : ''}${result.failure ? ` - ${result.failure.reason}` : ''}`);
    if (obs.found && obs.firstPositiveAt != null) {
      intervals.set(m.name, { lower: obs.lastNegativeAt ?? obs.firstPositiveAt, upper: obs.firstPositiveAt, systemAt: obs.systemAt });
      const next = def.steps.filter((s) => s.afterMilestone === m.name);
      if (next.length && !work.signal.aborted) await runSteps(next);
    }
    return { found: obs.found, result };
  };
  // A milestone starts only once everything it follows has settled: a transaction in flight holds one
  // pending observation per milestone being awaited, not one per milestone of the scenario.
  await new Promise<void>((resolve, reject) => {
    const n = def.milestones.length;
    const started = new Array<boolean>(n).fill(false);
    let open = n;
    const startReady = (): void => {
      for (let i = 0; i < n; i++) {
        if (started[i] || !depIndexes[i]!.every((d) => settled[d] !== undefined)) continue;
        started[i] = true;
        observe(i).then((outcome) => {
          settled[i] = outcome;
          if (--open === 0) resolve();
          else startReady();
        }, reject);
      }
    };
    if (n === 0) resolve();
    else startReady();
  });
  clearTimeout(timer);
  o.signal?.removeEventListener('abort', onAbort);

  // Cleanup runs with its own deadline, not the scenario's: an interrupted run must still undo what it did.
  const cleanupSignal = AbortSignal.timeout(o.cleanupTimeoutMs);
  const cctx = makeContext(cleanupSignal);
  const actions: { name: string; ok: boolean; message?: string }[] = [];
  const todo = [...undo.reverse(), ...(def.cleanup ?? []).map((s) => ({ name: s.name, action: (c: ScenarioContext) => s.run(c) }))];
  for (const a of todo) {
    try {
      await a.action(cctx);
      actions.push({ name: a.name, ok: true });
    } catch (err) {
      actions.push({ name: a.name, ok: false, message: messageOf(err) });
      log(`cleanup '${a.name}' failed: ${messageOf(err)}`);
    }
  }
  const cleanup: ScenarioResult['cleanup'] = {
    status: todo.length === 0 ? 'skipped' : actions.every((a) => a.ok) ? 'done' : 'failed',
    actions,
  };
  if (cleanup.status === 'failed') problems.push({ code: 'cleanup_failed', message: `cleanup incomplete: ${actions.filter((a) => !a.ok).map((a) => `${a.name}: ${a.message}`).join('; ')}` });
  for (const [, e] of stepErrors) if (!results.some((r) => r.failure?.reason === e.reason)) problems.push({ code: 'step_failed', message: e.reason });
  if (timedOut) problems.push({ code: 'scenario_timeout', message: `scenario deadline of ${o.timeoutMs} ms passed; cleanup ran` });
  if (interrupted) problems.push({ code: 'interrupted', message: 'run interrupted; cleanup ran' });

  const partial: Pick<ScenarioResult, 'milestones' | 'cleanup' | 'problems'> = { milestones: results.filter((_m, i) => !cutShort.has(i)), cleanup, problems };
  return {
    name: def.name,
    status: scenarioStatus(partial, interrupted),
    correlationId,
    tags,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Date.now() - startedAt,
    milestones: results,
    cleanup,
    problems: problems.length ? problems : undefined,
  };
}

async function pollMilestone(
  m: Milestone,
  obs: MilestoneObservation,
  ctx: ScenarioContext,
  client: SystemClient,
  slaMs: number,
  polling: PollingSettings,
  signal: AbortSignal,
  correlationId: string,
): Promise<void> {
  const poll = m.poll!;
  const startUpper = obs.start?.upper ?? Date.now();
  const deadline = startUpper + awaitWindowMs(slaMs, polling);
  const counter = { requests: 0 };
  const seenProblems = new Map<string, ResponseProblem>();
  let attempt = 0;
  let consecutiveErrors = 0;
  let lastError: { class: FailureClass; reason: string } | undefined;
  let rateLimited: string | undefined;
  try {
    for (;;) {
      let wait: number | undefined;
      try {
        const params = poll.params(ctx);
        // 429s are sat out here, against the milestone's deadline, rather than inside the client.
        const { records, response } = await client.lookup(poll.lookup, params, { correlationId, signal, counter, rateLimitRetries: 0 });
        obs.fastestRequestMs = Math.min(obs.fastestRequestMs ?? Infinity, response.receivedAt - response.sentAt);
        for (const p of response.problems) seenProblems.set(`${p.code}|${p.pointer ?? ''}|${p.message}`, p);
        consecutiveErrors = 0;
        rateLimited = undefined;
        const match = poll.until(records, ctx);
        if (match) {
          obs.found = true;
          obs.firstPositiveAt = response.receivedAt;
          obs.systemAt = m.timestamp ? timeOf(match[m.timestamp]) : null;
          if (m.check) obs.mismatches = m.check(match, ctx, records);
          m.capture?.(match, ctx);
          return;
        }
        obs.lastNegativeAt = response.sentAt;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof RateLimitedError) {
          rateLimited = messageOf(err);
          wait = err.retryAfterMs ?? pollingDelay(attempt, polling, slaMs);
        } else {
          consecutiveErrors++;
          lastError = { class: classOf(err), reason: messageOf(err) };
          if (consecutiveErrors >= polling.maxConsecutiveErrors) {
            obs.error = { class: lastError.class, reason: `${m.title ?? m.name} could not be observed: ${consecutiveErrors} polls in a row failed, last: ${lastError.reason}` };
            return;
          }
        }
      }
      const now = Date.now();
      if (now >= deadline) {
        obs.waitedMs = now - startUpper;
        if (rateLimited) obs.error = { class: 'application', reason: `${m.title ?? m.name} could not be observed: ${m.system} kept answering 429 (${rateLimited}); lower the request budget or ask for a higher limit` };
        else if (consecutiveErrors > 0 && lastError) obs.error = { class: lastError.class, reason: `${m.title ?? m.name} could not be observed: ${lastError.reason}` };
        return;
      }
      const delay = Math.min(wait ?? pollingDelay(attempt, polling, slaMs), Math.max(1, deadline - now));
      attempt++;
      await sleep(delay, undefined, { signal });
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    obs.requests = counter.requests;
    const problems = [...seenProblems.values()];
    if (problems.length) obs.responseProblems = problems;
    if (!obs.found && !obs.error && problems.some((p) => p.breaking)) {
      obs.error = {
        class: 'data',
        reason: `${m.system} answers do not match the contract while waiting for ${m.title ?? m.name}: ${problems
          .filter((p) => p.breaking)
          .map((p) => (p.pointer ? `${p.pointer}: ${p.message}` : p.message))
          .join('; ')}`,
      };
    }
  }
}
