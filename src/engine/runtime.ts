import type { FailureClass } from '../core/errors.ts';
import { SyncprobeError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import type { MilestoneResult, ScenarioResult } from '../core/result.ts';
import type { Problem } from '../core/status.ts';
import type { SyntheticMarker } from '../config/types.ts';
import { RateLimitedError, type ResponseProblem, type SystemClient } from '../http/client.ts';
import type { NormalizedRecord } from '../http/records.ts';
import type { WebhookInbox } from '../http/inbox.ts';
import { newCorrelationId, referenceFor } from './correlation.ts';
import { evaluateMilestone, scenarioStatus, type MilestoneObservation } from './evaluate.ts';
import { awaitWindowMs, pollingDelay, type PollingSettings } from './poll.ts';
import type { Milestone, ScenarioContext, ScenarioDefinition, Step } from './types.ts';
import { pollWaits } from './wake.ts';

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
  /** The environment's webhook inbox, when a milestone of this scenario awaits a webhook. */
  inbox?: WebhookInbox;
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
  return new ScenarioRun(o).run();
}

interface StepError {
  class: FailureClass;
  reason: string;
  system: string;
}

type Outcome = { found: boolean; result: MilestoneResult };

/** For each milestone, the names and indexes of the milestones it waits for (`after`, then `from`). */
function dependencies(def: ScenarioDefinition): { names: string[]; indexes: number[] }[] {
  return def.milestones.map((m, i) => {
    const isStart = i === 0 || (m.markedByStep === true && !m.from);
    const from = isStart ? undefined : (m.from ?? def.milestones[0]!.name);
    const after = i === 0 ? undefined : (m.after ?? def.milestones[i - 1]!.name);
    const names = [...new Set([after, from].filter((d): d is string => !!d))];
    const indexes = names.map((d) => {
      const k = def.milestones.findIndex((x) => x.name === d);
      if (k < 0 || k >= i) throw new Error(`scenario ${def.name}: milestone ${def.milestones[i]!.name} follows '${d}', which is not an earlier milestone`);
      return k;
    });
    return { names, indexes };
  });
}
const dependencyCache = new WeakMap<ScenarioDefinition, { names: string[]; indexes: number[] }[]>();

/**
 * One transaction in flight. Its state lives on one object and its helpers on the prototype: with
 * thousands in flight, a closure per helper per transaction (each with its own name property under
 * the TypeScript loader) costs more than the state itself.
 */
class ScenarioRun {
  private readonly def: ScenarioDefinition;
  private readonly deps: { names: string[]; indexes: number[] }[];
  private readonly correlationId: string;
  private readonly tags: ScenarioResult['tags'];
  private readonly startedAt = Date.now();
  private readonly work = new AbortController();
  private timedOut = false;
  private interrupted = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort: () => void;
  private readonly marks = new Map<string, Mark>();
  private readonly undo: { name: string; action: (ctx: ScenarioContext) => Promise<void> }[] = [];
  private readonly vars: Record<string, unknown> = {};
  private readonly ctx: ScenarioContext;
  private readonly stepErrors = new Map<string, StepError>();
  private firstStepError: StepError | undefined;
  private stepsOk = true;
  private readonly results: MilestoneResult[];
  private readonly intervals = new Map<string, Interval>();
  private readonly problems: Problem[] = [];
  private readonly settled: (Outcome | undefined)[];
  private readonly started: boolean[];
  private open: number;
  private allSettled: { resolve(): void; reject(err: unknown): void } | undefined;
  // Milestones cut short by an interruption say nothing about the systems.
  private readonly cutShort = new Set<number>();

  constructor(private readonly o: ScenarioRunOptions) {
    const def = (this.def = o.definition);
    let deps = dependencyCache.get(def);
    if (!deps) dependencyCache.set(def, (deps = dependencies(def)));
    this.deps = deps;
    this.correlationId = o.correlationId ?? newCorrelationId();
    this.tags = { ...def.tags, environment: o.environment };
    this.results = new Array<MilestoneResult>(def.milestones.length);
    this.settled = new Array<Outcome | undefined>(def.milestones.length);
    this.started = new Array<boolean>(def.milestones.length).fill(false);
    this.open = def.milestones.length;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.work.abort(new Error(`scenario deadline of ${o.timeoutMs} ms passed`));
    }, o.timeoutMs);
    this.onAbort = () => {
      this.interrupted = true;
      this.work.abort(o.signal?.reason ?? new Error('interrupted'));
    };
    if (o.signal?.aborted) this.onAbort();
    else o.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.ctx = this.context(this.work.signal);
  }

  private log(msg: string): void {
    this.o.log?.(redact(`[${this.def.name} ${this.correlationId}] ${msg}`));
  }

  private client(name: string): SystemClient {
    const c = this.o.clients.get(name);
    if (!c) throw new Error(`scenario ${this.def.name} uses system '${name}', which environment ${this.o.environment} does not define`);
    return c;
  }

  private context(signal: AbortSignal, counter?: { requests: number }): ScenarioContext {
    const run = this;
    const correlationId = this.correlationId;
    return {
      scenario: this.def.name,
      environment: this.o.environment,
      correlationId,
      reference: referenceFor(this.o.marker.referencePrefix, correlationId),
      marker: this.o.marker,
      tags: this.tags,
      vars: this.vars,
      settings: this.o.settings,
      signal,
      system(name) {
        return run.client(name);
      },
      async request(system, options) {
        const r = await run.client(system).request({ correlationId, signal, counter, ...options });
        return { status: r.status, body: r.body as never, headers: r.headers };
      },
      async lookup(system, lookup, params) {
        const r = await run.client(system).lookup(lookup, params, { correlationId, signal, counter });
        return r.records;
      },
      mark(milestone, observed) {
        run.marks.set(milestone, observed);
      },
      onCleanup(name, action) {
        run.undo.push({ name, action });
      },
      log(message) {
        run.log(message);
      },
    };
  }

  private async runSteps(steps: Step[]): Promise<boolean> {
    for (const step of steps) {
      try {
        await step.run(this.ctx);
      } catch (err) {
        if (this.work.signal.aborted) return false;
        const sys = err instanceof SyncprobeError && typeof err.context.system === 'string' ? err.context.system : step.system;
        const e = { class: classOf(err), reason: `step '${step.name}' on ${step.system} failed: ${messageOf(err)}`, system: sys };
        this.stepErrors.set(step.name, e);
        this.firstStepError ??= e;
        this.log(e.reason);
        return false;
      }
    }
    return true;
  }

  private startReady(): void {
    for (let i = 0; i < this.started.length; i++) {
      if (this.started[i] || !this.deps[i]!.indexes.every((d) => this.settled[d] !== undefined)) continue;
      this.started[i] = true;
      this.observe(i).then(
        (outcome) => {
          this.settled[i] = outcome;
          if (--this.open === 0) this.allSettled?.resolve();
          else this.startReady();
        },
        (err: unknown) => this.allSettled?.reject(err),
      );
    }
  }

  private titleOf(name: string): string {
    return this.def.milestones.find((x) => x.name === name)?.title ?? name;
  }

  async run(): Promise<ScenarioResult> {
    const { o, def } = this;
    o.inbox?.expect(this.correlationId);
    try {
      return await this.runAll();
    } finally {
      o.inbox?.release(this.correlationId);
    }
  }

  private async runAll(): Promise<ScenarioResult> {
    const { o, def } = this;
    o.onStart?.({ name: def.name, correlationId: this.correlationId, tags: this.tags });
    this.stepsOk = await this.runSteps(def.steps.filter((s) => !s.afterMilestone));

    // Milestones form a chain (or a small DAG through `after`). A milestone starts only once everything
    // it follows has settled, so independent ones (notification and storefront status) are polled side
    // by side, and a transaction in flight holds one pending observation per milestone being awaited.
    if (def.milestones.length > 0)
      await new Promise<void>((resolve, reject) => {
        this.allSettled = { resolve, reject };
        this.startReady();
      });
    clearTimeout(this.timer);
    o.signal?.removeEventListener('abort', this.onAbort);

    // Cleanup runs with its own deadline, not the scenario's: an interrupted run must still undo what it did.
    // A controller and a timer cleared at the end rather than AbortSignal.timeout(), whose timer would
    // stay behind for the whole deadline after every transaction.
    const cleanupCtl = new AbortController();
    const cleanupTimer = setTimeout(() => cleanupCtl.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), o.cleanupTimeoutMs).unref();
    const cctx = this.context(cleanupCtl.signal);
    const actions: { name: string; ok: boolean; message?: string }[] = [];
    const todo = [...this.undo.reverse()];
    for (const s of def.cleanup ?? [])
      todo.push({
        name: s.name,
        action(c: ScenarioContext) {
          return s.run(c);
        },
      });
    for (const a of todo) {
      try {
        await a.action(cctx);
        actions.push({ name: a.name, ok: true });
      } catch (err) {
        actions.push({ name: a.name, ok: false, message: messageOf(err) });
        this.log(`cleanup '${a.name}' failed: ${messageOf(err)}`);
      }
    }
    clearTimeout(cleanupTimer);
    const { problems, results } = this;
    const cleanup: ScenarioResult['cleanup'] = {
      status: todo.length === 0 ? 'skipped' : actions.every((a) => a.ok) ? 'done' : 'failed',
      actions,
    };
    if (cleanup.status === 'failed') problems.push({ code: 'cleanup_failed', message: `cleanup incomplete: ${actions.filter((a) => !a.ok).map((a) => `${a.name}: ${a.message}`).join('; ')}` });
    for (const [, e] of this.stepErrors) if (!results.some((r) => r.failure?.reason === e.reason)) problems.push({ code: 'step_failed', message: e.reason });
    if (this.timedOut) problems.push({ code: 'scenario_timeout', message: `scenario deadline of ${o.timeoutMs} ms passed; cleanup ran` });
    if (this.interrupted) problems.push({ code: 'interrupted', message: 'run interrupted; cleanup ran' });

    const partial: Pick<ScenarioResult, 'milestones' | 'cleanup' | 'problems'> = { milestones: results.filter((_m, i) => !this.cutShort.has(i)), cleanup, problems };
    return {
      name: def.name,
      status: scenarioStatus(partial, this.interrupted),
      correlationId: this.correlationId,
      tags: this.tags,
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs: Date.now() - this.startedAt,
      milestones: results,
      cleanup,
      problems: problems.length ? problems : undefined,
    };
  }

  /**
   * Awaits a webhook delivery for this transaction. When none comes in the SLA window, the reason says
   * whether deliveries were refused (signature, body) and, when the milestone can also be polled,
   * whether the system holds the record all the same: then the event happened and its webhook is
   * what failed.
   */
  private async awaitWebhook(m: Milestone, obs: MilestoneObservation, slaMs: number, signal: AbortSignal): Promise<void> {
    const { o, ctx } = this;
    const inbox = o.inbox!;
    const webhook = m.push!.webhook!;
    const correlationId = ctx.correlationId;
    const startUpper = obs.start?.upper ?? Date.now();
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new Error('webhook wait over')), Math.max(1, startUpper + awaitWindowMs(slaMs, o.polling) - Date.now()));
    const onAbort = () => ctl.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const title = m.title ?? m.name;
    try {
      const d = await inbox.wait(m.system, webhook, correlationId, (records) => m.push!.until!(records, ctx), ctl.signal);
      obs.found = true;
      obs.firstPositiveAt = d.receivedAt;
      obs.systemAt = m.timestamp ? timeOf(d.record[m.timestamp]) : null;
      if (d.problems.length) obs.responseProblems = d.problems;
      if (m.check) obs.mismatches = m.check(d.record, ctx, [d.record]);
      m.capture?.(d.record, ctx);
    } catch (err) {
      if (signal.aborted) return;
      if (!ctl.signal.aborted) {
        obs.error = { class: classOf(err), reason: `${title}: reading the ${m.system} webhook '${webhook}' failed: ${messageOf(err)}` };
        return;
      }
      obs.waitedMs = Date.now() - startUpper;
      const refused = inbox.refusalsFor(m.system, webhook, correlationId);
      if (refused.length) {
        obs.error = { class: 'application', reason: `${title} could not be observed: ${refused.join('; ')}` };
        return;
      }
      if (!m.poll) return;
      // Did it happen all the same? One look through the system's API tells a lost webhook from a missing event.
      const counter = { requests: 0 };
      try {
        const { records } = await this.client(m.system).lookup(m.poll.lookup, m.poll.params(ctx), { correlationId, signal, counter });
        const match = m.poll.until(records, ctx);
        const at = match && m.timestamp ? timeOf(match[m.timestamp]) : null;
        // Only an event well inside the window proves a lost webhook; one at its end (or after it)
        // may have its webhook still on the way, and is simply late.
        const windowEnd = startUpper + awaitWindowMs(slaMs, o.polling);
        if (match && (at === null || at + Math.max(o.skewToleranceMs, 1000) < windowEnd)) {
          obs.error = {
            class: 'application',
            reason: `${m.system} shows ${title}${at !== null ? ` at ${new Date(at).toISOString()}` : ''}, but its webhook '${webhook}' never reached the inbox at ${inbox.urlOf(m.system, webhook)} within ${Math.round(obs.waitedMs / 1000)} s: check the webhook subscription and its deliveries in ${m.system}`,
          };
        }
      } catch (lookupErr) {
        this.log(`${m.name}: the confirming lookup after the missing webhook failed: ${messageOf(lookupErr)}`);
      } finally {
        obs.requests += counter.requests;
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async observe(i: number): Promise<Outcome> {
    const { o, def, ctx, intervals, cutShort, tags } = this;
    const signal = this.work.signal;
    const m = def.milestones[i]!;
    const isStart = i === 0 || (m.markedByStep === true && !m.from);
    const from = isStart ? undefined : (m.from ?? def.milestones[0]!.name);
    const after = i === 0 ? undefined : (m.after ?? def.milestones[i - 1]!.name);
    const slaMs = o.slaFor(m.name, m.slaMs);
    const deps = this.deps[i]!;
    const depOutcomes = deps.indexes.map((d) => this.settled[d]!);
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
      if (cutShort.has(deps.indexes[failedDep]!)) cutShort.add(i);
      obs.notReached = { because: `${this.titleOf(deps.names[failedDep]!)} is ${d.status}`, class: d.failure?.class ?? 'business' };
    } else if (signal.aborted) {
      obs.notReached = { because: this.timedOut ? `the scenario deadline (${o.timeoutMs} ms) passed first` : 'the run was interrupted', class: 'business' };
      if (!this.timedOut) cutShort.add(i);
    } else if (m.markedByStep) {
      obs.observedBy = 'step';
      const mk = this.marks.get(m.name);
      const firstStepError = this.firstStepError;
      if (mk) {
        obs.found = true;
        obs.lastNegativeAt = mk.sentAt;
        obs.firstPositiveAt = mk.receivedAt;
        obs.systemAt = mk.systemAt ?? (m.timestamp && mk.record ? timeOf(mk.record[m.timestamp]) : null);
        obs.requests = 1;
        if (mk.record && m.check) obs.mismatches = m.check(mk.record, ctx, [mk.record]);
      } else if (firstStepError && (!this.stepsOk || this.stepErrors.size)) {
        obs.error = { class: firstStepError.class, reason: firstStepError.reason };
        obs.scope.system = firstStepError.system;
      } else {
        obs.error = { class: 'application', reason: `no step reported ${m.name}` };
      }
    } else if (m.push?.webhook !== undefined && o.inbox?.has(m.system, m.push.webhook)) {
      obs.observedBy = 'webhook';
      await this.awaitWebhook(m, obs, slaMs, signal);
    } else if (m.poll) {
      obs.observedBy = 'poll';
      const unavailable = m.push?.webhook !== undefined ? o.inbox?.unavailableReason(m.system, m.push.webhook) : undefined;
      if (unavailable && !this.problems.some((p) => p.code === 'webhook_unavailable' && p.message.startsWith(unavailable)))
        this.problems.push({ code: 'webhook_unavailable', message: `${unavailable}; ${m.title ?? m.name} was observed by polling` });
      await pollMilestone(m, obs, ctx, this.client(m.system), slaMs, o.polling, signal, this.correlationId);
    } else if (m.push?.webhook !== undefined) {
      obs.error = {
        class: 'application',
        reason: `${m.title ?? m.name} is observed by the ${m.system} webhook '${m.push.webhook}', ${o.inbox ? (o.inbox.unavailableReason(m.system, m.push.webhook) ?? 'which the inbox does not receive') : `but environment ${o.environment} has no inbox`}`,
      };
    } else if (m.push?.wait) {
      obs.observedBy = 'push';
      const deadline = (obs.start?.upper ?? Date.now()) + awaitWindowMs(slaMs, o.polling);
      const waitCtl = AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, deadline - Date.now()))]);
      try {
        const r = await m.push.wait(ctx, waitCtl);
        obs.found = true;
        obs.firstPositiveAt = r.receivedAt;
        obs.systemAt = r.systemAt ?? (m.timestamp && r.record ? timeOf(r.record[m.timestamp]) : null);
        if (r.record && m.check) obs.mismatches = m.check(r.record, ctx, [r.record]);
      } catch (err) {
        if (!signal.aborted && !waitCtl.aborted) obs.error = { class: classOf(err), reason: messageOf(err) };
        obs.waitedMs = Date.now() - (obs.start?.upper ?? this.startedAt);
      }
    }
    if (obs.found && causalLower !== undefined && (obs.lastNegativeAt == null || obs.lastNegativeAt < causalLower)) obs.lastNegativeAt = causalLower;
    if (!obs.found && !obs.notReached && !obs.error && signal.aborted) {
      obs.notReached = { because: this.timedOut ? `the scenario deadline (${o.timeoutMs} ms) passed before it was observed` : 'the run was interrupted before it was observed', class: 'business' };
      if (!this.timedOut) cutShort.add(i);
    }

    let result = evaluateMilestone(obs);
    if ((result.status === 'missing' || result.status === 'late' || (result.status === 'error' && !obs.found)) && !obs.notReached && !m.markedByStep && def.diagnose && !signal.aborted) {
      try {
        const d = await def.diagnose(ctx, m, result);
        if (d) {
          obs.diagnosis = d;
          result = evaluateMilestone(obs);
        }
      } catch (err) {
        this.problems.push({ code: 'diagnosis_failed', message: `could not look upstream for why ${m.name} is ${result.status}: ${messageOf(err)}` });
      }
    }
    this.results[i] = result;
    try {
      o.onMilestone?.(result, { name: def.name, correlationId: this.correlationId });
    } catch {
      /* a reporter hook never breaks the run */
    }
    if (o.log) this.log(`${m.name}: ${result.status}${result.latencyMs !== null ? ` ${result.latencyMs} ms [${result.latencyLowerMs}, ${result.latencyUpperMs}]` : ''}${result.failure ? ` - ${result.failure.reason}` : ''}`);
    if (obs.found && obs.firstPositiveAt != null) {
      intervals.set(m.name, { lower: obs.lastNegativeAt ?? obs.firstPositiveAt, upper: obs.firstPositiveAt, systemAt: obs.systemAt });
      const next = def.steps.filter((s) => s.afterMilestone === m.name);
      if (next.length && !signal.aborted) await this.runSteps(next);
    }
    return { found: obs.found, result };
  }
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
  let seenProblems: Map<string, ResponseProblem> | undefined;
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
        for (const p of response.problems) (seenProblems ??= new Map()).set(`${p.code}|${p.pointer ?? ''}|${p.message}`, p);
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
      await pollWaits.sleep(delay, signal);
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    obs.requests = counter.requests;
    const problems = seenProblems ? [...seenProblems.values()] : [];
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
