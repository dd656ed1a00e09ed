import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Point, Sink } from '../core/outputs.ts';
import { EXIT_CODE, worst, type Status } from '../core/status.ts';
import type { ScenarioResult } from '../core/result.ts';
import type { CheckDocument } from '../core/status.ts';
import { redact } from '../core/redact.ts';
import type { Alerter, OpenAlert } from '../alerting/alerter.ts';
import type { Outbox, OutboxStats } from '../alerting/outbox.ts';
import type { KeyResult, Notification, RunSource } from '../alerting/types.ts';
import { DEFAULT_TIMEOUT_MS, isWriteProbe, probeKind, type ProbeDefinition } from './probe.ts';
import { failedOutcome, type ProbeJob, type ProbeOutcome } from './outcome.ts';
import { gate, readKillSwitch, type KillSwitchConfig, type KillSwitchState, type MaintenanceWindow, type SkipReason } from './guards.ts';
import { Ledger, slotKey, type LedgerEntry } from './ledger.ts';
import { CronTicks, type TickSource } from './ticks.ts';
import { openInboxes, type OpenInbox } from '../engine/inbox.ts';

export interface SweepReport {
  found: number;
  cleaned: number;
  message?: string;
}

export interface DaemonOptions {
  probes: ProbeDefinition[];
  /** The job that runs a probe: the scenario engine, a check, ... */
  jobFor: (probe: ProbeDefinition) => ProbeJob;
  ticks?: TickSource;
  /** Runs at the same time across all probes; more wait in line. Default 4. */
  concurrency?: number;
  killSwitch?: KillSwitchConfig;
  /** Re-read on every tick, so a window can be added without a restart. */
  maintenance?: MaintenanceWindow[] | (() => MaintenanceWindow[]);
  sinks?: Sink[];
  alerter?: Alerter;
  outbox?: Outbox;
  /** Holds the idempotency ledger; omitted = in memory only (no protection across restarts). */
  stateDir?: string;
  source?: RunSource;
  /** After an abort, how long a run may take to clean up before its slot is released anyway. Default 30 s. */
  abandonAfterMs?: number;
  /** How often probe_health points are written. Default 60 s. */
  healthIntervalMs?: number;
  /** Orphan sweep at start: undoes what runs that never finished left behind. */
  sweep?: (ctx: { signal: AbortSignal; unfinished: LedgerEntry[] }) => Promise<SweepReport>;
  log?: (line: string) => void;
  random?: () => number;
  /** Transactions kept per probe for the snapshot. Default 5. */
  keepTransactions?: number;
}

export interface LastRun {
  runId: string;
  scheduledAt: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  status: Status;
  timedOut: boolean;
  abandoned: boolean;
  cleanup?: ProbeOutcome['cleanup'];
  message?: string;
  /** The check document of a check probe (figures such as daysLeft, acquireMs), for the status page. */
  check?: CheckDocument;
  results: Array<Pick<KeyResult, 'key' | 'milestone' | 'scope' | 'status' | 'reason'>>;
}

export interface ProbeState {
  name: string;
  kind: 'scenario' | 'check';
  target: string;
  environment: string;
  cron: string;
  writes: boolean;
  running: boolean;
  queued: boolean;
  nextRunAt: string | null;
  runs: number;
  timeouts: number;
  missed: number;
  skipped: Record<SkipReason, number>;
  lastRun: LastRun | null;
  lastSkip: { at: string; reason: SkipReason; detail: string } | null;
  lastTransactions: ScenarioResult[];
}

export interface DaemonSnapshot {
  startedAt: string | null;
  stopping: boolean;
  source: RunSource;
  running: number;
  concurrency: number;
  killSwitch: KillSwitchState;
  probes: ProbeState[];
  openAlerts: OpenAlert[];
  sinks: Array<{ name: string; pending: number; spooled: number; written: number; deadLettered: number; failures: number }>;
  outbox: OutboxStats | null;
  sweep: SweepReport | null;
  /** Webhook inboxes open for the probes' environments. */
  inboxes: OpenInbox[];
}

export interface StopReport {
  /** Runs that were still going when stop() began. */
  interrupted: number;
  /** Runs that did not finish their cleanup by the deadline. */
  abandoned: number;
}

interface Runtime {
  probe: ProbeDefinition;
  state: ProbeState;
  active: Promise<void> | null;
  controller: AbortController | null;
}

const EMPTY_SKIPS = (): Record<SkipReason, number> => ({ overlap: 0, kill_switch: 0, maintenance: 0, duplicate: 0, stopping: 0 });

/**
 * The scheduler daemon. Each tick goes through a pure gate (stopping, kill switch for write probes,
 * maintenance window, overlap with itself, idempotency ledger); a run then waits for a global
 * concurrency slot, runs with a per-run timeout that aborts its signal (the job still cleans up),
 * and its outcome goes to the sinks (probe_run points) and the alerter. Outputs failing never fail a
 * run. stop() stops ticking, aborts running probes so they clean up, waits up to a deadline, writes
 * the last health points and flushes the sinks.
 */
export class Daemon {
  private readonly runtimes = new Map<string, Runtime>();
  private readonly ticks: TickSource;
  private readonly ledger: Ledger;
  private readonly concurrency: number;
  private readonly waiters: Array<() => void> = [];
  private readonly stopCtl = new AbortController();
  private readonly log: (line: string) => void;
  private readonly random: () => number;
  private readonly source: RunSource;
  private inFlight = 0;
  private startedAt: number | null = null;
  private stopping = false;
  private healthTimer: NodeJS.Timeout | null = null;
  private sweepReport: SweepReport | null = null;
  private killSwitch: KillSwitchState = { on: false };
  private readonly lastHealth = new Map<string, { runs: number; skipped: number; missed: number; timeouts: number }>();

  constructor(private readonly opts: DaemonOptions) {
    this.ticks = opts.ticks ?? new CronTicks();
    this.ledger = new Ledger(opts.stateDir ? join(opts.stateDir, 'ledger.jsonl') : undefined);
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.log = opts.log ?? ((l) => process.stderr.write(l + '\n'));
    this.random = opts.random ?? Math.random;
    this.source = opts.source ?? 'schedule';
    for (const p of opts.probes) {
      if (p.enabled === false) continue;
      this.runtimes.set(p.name, {
        probe: p,
        active: null,
        controller: null,
        state: {
          name: p.name,
          kind: probeKind(p),
          target: p.scenario ?? p.check?.type ?? '',
          environment: p.environment,
          cron: p.cron,
          writes: isWriteProbe(p),
          running: false,
          queued: false,
          nextRunAt: null,
          runs: 0,
          timeouts: 0,
          missed: 0,
          skipped: EMPTY_SKIPS(),
          lastRun: null,
          lastSkip: null,
          lastTransactions: [],
        },
      });
    }
  }

  async start(): Promise<void> {
    if (this.startedAt !== null) return;
    this.startedAt = Date.now();
    for (const s of this.opts.sinks ?? []) {
      try {
        await s.start();
      } catch (err) {
        // a sink that cannot start spools or reports itself; the probes run regardless
        this.log(`sink ${s.name}: could not start: ${redact((err as Error).message)}`);
      }
    }
    this.opts.outbox?.start();
    const unfinished = this.ledger.unfinished();
    if (this.opts.sweep) {
      try {
        this.sweepReport = await this.opts.sweep({ signal: this.stopCtl.signal, unfinished });
        if (this.sweepReport.found) this.log(`orphan sweep: ${this.sweepReport.found} found, ${this.sweepReport.cleaned} cleaned${this.sweepReport.message ? `: ${this.sweepReport.message}` : ''}`);
      } catch (err) {
        this.sweepReport = { found: unfinished.length, cleaned: 0, message: `sweep failed: ${redact((err as Error).message)}` };
        this.log(`orphan sweep failed: ${redact((err as Error).message)}`);
      }
    }
    for (const e of unfinished) this.ledger.finish(e.key);
    const probes = [...this.runtimes.values()].map((r) => r.probe);
    this.ticks.start(probes, (name, at) => this.onTick(name, at), (name) => {
      const rt = this.runtimes.get(name);
      if (rt) rt.state.missed++;
    });
    const every = this.opts.healthIntervalMs ?? 60_000;
    if (every > 0) {
      this.healthTimer = setInterval(() => this.emitHealth(), every);
      this.healthTimer.unref();
    }
  }

  /** Runs a probe now (status page "run now", tests); goes through the same gate as a tick. */
  trigger(name: string, scheduledAt = new Date()): Promise<void> {
    this.onTick(name, scheduledAt);
    return this.runtimes.get(name)?.active ?? Promise.resolve();
  }

  private onTick(name: string, scheduledAt: Date): void {
    const rt = this.runtimes.get(name);
    if (!rt) return;
    const now = Date.now();
    this.killSwitch = readKillSwitch(this.opts.killSwitch ?? {});
    const key = slotKey(name, scheduledAt);
    const decision = gate(rt.probe, {
      running: rt.active !== null,
      killSwitch: this.killSwitch,
      windows: this.windows(),
      now,
      stopping: this.stopping,
      alreadyRan: this.ledger.has(key),
    });
    rt.state.nextRunAt = this.ticks.nextRun?.(name)?.toISOString() ?? null;
    if (!decision.run) {
      this.skip(rt, decision.reason, decision.detail, now);
      return;
    }
    rt.active = this.execute(rt, scheduledAt, key)
      .catch((err: unknown) => this.log(`probe ${name}: ${redact(err instanceof Error ? err.message : String(err))}`))
      .finally(() => {
      rt.active = null;
      rt.state.running = false;
      rt.state.queued = false;
    });
  }

  private windows(): MaintenanceWindow[] {
    const m = this.opts.maintenance;
    return typeof m === 'function' ? m() : (m ?? []);
  }

  private skip(rt: Runtime, reason: SkipReason, detail: string, now: number): void {
    rt.state.skipped[reason]++;
    rt.state.lastSkip = { at: new Date(now).toISOString(), reason, detail };
    this.write([
      {
        measurement: 'probe_run',
        tags: this.tags(rt.probe, { outcome: 'skipped', reason }),
        fields: { skipped: 1, duration_ms: 0, timed_out: false, status_code: EXIT_CODE.unknown },
        timestamp: now,
      },
    ]);
  }

  private tags(p: ProbeDefinition, extra: Record<string, string> = {}): Record<string, string> {
    return { ...(p.tags ?? {}), probe: p.name, env: p.environment, kind: probeKind(p), ...extra };
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    if (this.inFlight < this.concurrency) {
      this.inFlight++;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      };
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        this.inFlight++;
        resolve(true);
      };
      this.waiters.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(): void {
    this.inFlight--;
    const next = this.waiters.shift();
    if (next) next();
  }

  private async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (ms <= 0 || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private async execute(rt: Runtime, scheduledAt: Date, key: string): Promise<void> {
    const p = rt.probe;
    rt.state.queued = true;
    await this.sleep(Math.floor(this.random() * (p.jitterMs ?? 0)), this.stopCtl.signal);
    const got = !this.stopCtl.signal.aborted && (await this.acquire(this.stopCtl.signal));
    if (!got) {
      this.skip(rt, 'stopping', 'the daemon stopped before the run could start', Date.now());
      return;
    }
    try {
      // The kill switch may have been turned on while this run waited for its jitter or a slot.
      this.killSwitch = readKillSwitch(this.opts.killSwitch ?? {});
      if (this.killSwitch.on && isWriteProbe(p)) {
        this.skip(rt, 'kill_switch', this.killSwitch.reason ?? 'kill switch on', Date.now());
        return;
      }
      rt.state.queued = false;
      rt.state.running = true;
      await this.runOnce(rt, scheduledAt, key);
    } finally {
      this.release();
    }
  }

  private async runOnce(rt: Runtime, scheduledAt: Date, key: string): Promise<void> {
    const p = rt.probe;
    const runId = randomUUID();
    const controller = new AbortController();
    rt.controller = controller;
    const timeoutMs = p.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException(`probe ${p.name} timed out after ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    const started = Date.now();
    this.ledger.begin({ key, probe: p.name, runId, startedAt: new Date(started).toISOString(), writes: isWriteProbe(p) });

    let outcome: ProbeOutcome;
    let abandoned = false;
    const job = this.opts.jobFor(p);
    const settled = Promise.resolve()
      .then(() => job({ signal: controller.signal, probe: p, runId, idempotencyKey: key, scheduledAt, source: this.source, sinks: this.opts.sinks ?? [] }))
      .then((o) => ({ ok: true as const, o }), (e: unknown) => ({ ok: false as const, e }));
    // A job that ignores its abort signal must not hold its slot forever: after the grace period it is abandoned.
    const grace = this.opts.abandonAfterMs ?? 30_000;
    let graceTimer: NodeJS.Timeout | undefined;
    const abandonedP = new Promise<'abandoned'>((resolve) => {
      const arm = () => {
        graceTimer = setTimeout(() => resolve('abandoned'), grace);
      };
      if (controller.signal.aborted) arm();
      else controller.signal.addEventListener('abort', arm, { once: true });
    });
    const r = await Promise.race([settled, abandonedP]);
    clearTimeout(timer);
    clearTimeout(graceTimer);
    const shutdown = !timedOut && controller.signal.aborted;
    if (r === 'abandoned') {
      abandoned = true;
      outcome = failedOutcome(p, 'timeout', `${timedOut ? `timed out after ${timeoutMs} ms` : 'interrupted by shutdown'} and did not finish its cleanup within ${grace} ms`);
    } else if (!r.ok) {
      const msg = redact(r.e instanceof Error ? r.e.message : String(r.e));
      outcome = timedOut ? failedOutcome(p, 'timeout', `timed out after ${timeoutMs} ms: ${msg}`) : failedOutcome(p, 'run', msg, shutdown ? 'unknown' : 'critical');
    } else {
      outcome = r.o;
      const runStatus: Status = timedOut ? 'critical' : 'ok';
      const reason = timedOut ? `timed out after ${timeoutMs} ms${outcome.cleanup ? ` (cleanup ${outcome.cleanup})` : ''}` : undefined;
      outcome = {
        ...outcome,
        status: timedOut ? worst(outcome.status, 'critical') : outcome.status,
        results: [...outcome.results, { key: `${p.name}/run/-`, probe: p.name, milestone: 'run', scope: '-', status: runStatus, reason, impact: { scope: 'system' } }],
        message: outcome.message ?? (timedOut ? reason : undefined),
      };
    }
    const finished = Date.now();
    rt.controller = null;
    if (!abandoned) this.ledger.finish(key, new Date(finished).toISOString());

    rt.state.runs++;
    if (timedOut) rt.state.timeouts++;
    rt.state.lastRun = {
      runId,
      scheduledAt: scheduledAt.toISOString(),
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      status: outcome.status,
      timedOut,
      abandoned,
      cleanup: outcome.cleanup,
      message: outcome.message,
      check: outcome.check,
      results: outcome.results.map((k) => ({ key: k.key, milestone: k.milestone, scope: k.scope, status: k.status, reason: k.reason })),
    };
    if (outcome.transactions?.length) {
      const keep = this.opts.keepTransactions ?? 5;
      rt.state.lastTransactions = [...outcome.transactions, ...rt.state.lastTransactions].slice(0, keep);
    }

    this.write([
      {
        measurement: 'probe_run',
        tags: this.tags(p, { outcome: outcome.status }),
        fields: {
          skipped: 0,
          duration_ms: finished - started,
          timed_out: timedOut,
          abandoned,
          status_code: EXIT_CODE[outcome.status],
          lag_ms: Math.max(0, started - scheduledAt.getTime()),
          cleanup: outcome.cleanup ?? 'none',
        },
        timestamp: started,
      },
      ...outcome.points,
    ]);

    // An interrupted run (shutdown) says nothing about the monitored systems: it does not feed alerting.
    if (this.opts.alerter && !(shutdown && !timedOut)) {
      try {
        const notes = this.opts.alerter.observe({ probe: p.name, environment: p.environment, source: this.source, results: outcome.results, policy: p.thresholds, routes: p.alerts });
        this.write(notes.map((n) => alertPoint(n)));
      } catch (err) {
        this.log(`alerting for ${p.name} failed: ${redact((err as Error).message)}`);
      }
    }
  }

  private write(points: Point[]): void {
    for (const s of this.opts.sinks ?? []) {
      try {
        s.add(points);
      } catch (err) {
        this.log(`sink ${s.name}: ${redact((err as Error).message)}`);
      }
    }
  }

  /**
   * probe_health points: one per probe and one for the daemon itself (probe="_daemon"). `runs`,
   * `skipped`, `missed` and `timeouts` count what happened since the previous health point (so a
   * dashboard can sum them per interval); the `_total` fields are cumulative since start.
   */
  healthPoints(now = Date.now()): Point[] {
    const out: Point[] = [];
    for (const rt of this.runtimes.values()) {
      const s = rt.state;
      const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
      const prev = this.lastHealth.get(s.name) ?? { runs: 0, skipped: 0, missed: 0, timeouts: 0 };
      const cur = { runs: s.runs, skipped, missed: s.missed, timeouts: s.timeouts };
      this.lastHealth.set(s.name, cur);
      const fields: Point['fields'] = {
        runs: cur.runs - prev.runs,
        skipped: cur.skipped - prev.skipped,
        missed: cur.missed - prev.missed,
        timeouts: cur.timeouts - prev.timeouts,
        runs_total: cur.runs,
        skipped_total: cur.skipped,
        skipped_overlap_total: s.skipped.overlap,
        skipped_kill_switch_total: s.skipped.kill_switch,
        skipped_maintenance_total: s.skipped.maintenance,
        missed_total: cur.missed,
        timeouts_total: cur.timeouts,
        running: s.running ? 1 : 0,
      };
      if (s.lastRun) {
        fields.last_run_age_s = Math.round((now - Date.parse(s.lastRun.finishedAt)) / 1000);
        fields.last_status_code = EXIT_CODE[s.lastRun.status];
      }
      out.push({ measurement: 'probe_health', tags: { probe: s.name, env: s.environment }, fields, timestamp: now });
    }
    const sinkStats = (this.opts.sinks ?? []).map((s) => safeStats(s));
    const ob = this.opts.outbox?.stats();
    out.push({
      measurement: 'probe_health',
      tags: { probe: '_daemon', env: 'all', kind: 'daemon' },
      fields: {
        running: this.inFlight,
        waiting: this.waiters.length,
        kill_switch: this.killSwitch.on,
        sink_pending: sinkStats.reduce((a, s) => a + s.pending, 0),
        sink_spooled: sinkStats.reduce((a, s) => a + s.spooled, 0),
        sink_dead_lettered: sinkStats.reduce((a, s) => a + s.deadLettered, 0),
        outbox_pending: ob?.pending ?? 0,
        outbox_dead_lettered: ob?.deadLettered ?? 0,
        open_alerts: this.opts.alerter?.openAlerts().length ?? 0,
        rss_mb: Math.round(process.memoryUsage().rss / 1048576),
      },
      timestamp: now,
    });
    for (const ib of openInboxes()) {
      out.push({
        measurement: 'webhook_inbox',
        tags: { env: ib.environment },
        fields: {
          received_total: ib.stats.received,
          kept_total: ib.stats.kept,
          ignored_total: ib.stats.ignored,
          refused_total: ib.stats.refused,
          dropped_total: ib.stats.dropped,
          unavailable: ib.unavailable.length,
        },
        timestamp: now,
      });
    }
    return out;
  }

  private emitHealth(): void {
    this.write(this.healthPoints());
  }

  snapshot(): DaemonSnapshot {
    return {
      startedAt: this.startedAt ? new Date(this.startedAt).toISOString() : null,
      stopping: this.stopping,
      source: this.source,
      running: this.inFlight,
      concurrency: this.concurrency,
      killSwitch: readKillSwitch(this.opts.killSwitch ?? {}),
      probes: [...this.runtimes.values()].map((r) => ({ ...r.state, skipped: { ...r.state.skipped }, nextRunAt: this.ticks.nextRun?.(r.probe.name)?.toISOString() ?? r.state.nextRunAt })),
      openAlerts: this.opts.alerter?.openAlerts() ?? [],
      sinks: (this.opts.sinks ?? []).map((s) => ({ name: s.name, ...safeStats(s) })),
      outbox: this.opts.outbox?.stats() ?? null,
      sweep: this.sweepReport,
      inboxes: openInboxes(),
    };
  }

  /**
   * Stop scheduling, abort running probes so they clean up, wait for them up to `deadlineMs`, write
   * the last health points, flush and stop the sinks, stop the outbox (pending notifications stay on
   * disk for the next start).
   */
  async stop(deadlineMs = 30_000): Promise<StopReport> {
    if (this.stopping) return { interrupted: 0, abandoned: 0 };
    this.stopping = true;
    this.ticks.stop();
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.stopCtl.abort();
    const active = [...this.runtimes.values()].filter((r) => r.active);
    for (const r of active) r.controller?.abort(new DOMException('the daemon is shutting down', 'AbortError'));
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled(active.map((r) => r.active)).then(() => false),
      new Promise<boolean>((resolve) => {
        deadline = setTimeout(() => resolve(true), deadlineMs);
      }),
    ]);
    clearTimeout(deadline);
    const abandoned = timedOut ? active.filter((r) => r.active).length : 0;
    if (abandoned) this.log(`shutdown: ${abandoned} run(s) did not finish cleanup within ${deadlineMs} ms`);
    this.emitHealth();
    for (const s of this.opts.sinks ?? []) {
      try {
        await s.flush();
        await s.stop();
      } catch (err) {
        this.log(`sink ${s.name}: flush at shutdown failed: ${redact((err as Error).message)}`);
      }
    }
    await this.opts.outbox?.stop();
    return { interrupted: active.length, abandoned };
  }
}

/** One `alert` point per notification (dashboards/src/measurements.ts). */
export function alertPoint(n: Notification): Point {
  const tags: Record<string, string> = { severity: n.severity, key: n.key, env: n.environment, probe: n.probe, kind: n.kind };
  const channel = /channel=([^ ]+)/.exec(n.scope)?.[1];
  const warehouse = /warehouse=([^ ]+)/.exec(n.scope)?.[1];
  if (channel) tags.channel = channel;
  if (warehouse) tags.warehouse = warehouse;
  return { measurement: 'alert', tags, fields: { message: n.summary + (n.reason ? `: ${n.reason}` : ''), level: n.level, incident_id: n.incidentId }, timestamp: Date.parse(n.at) };
}

function safeStats(s: Sink) {
  try {
    return s.stats();
  } catch {
    return { written: 0, pending: 0, spooled: 0, deadLettered: 0, failures: 0 };
  }
}
