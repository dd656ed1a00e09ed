import type { RunResult, ScenarioResult, MilestoneResult } from '../core/result.ts';
import type { CheckDocument, Status } from '../core/status.ts';
import { worst } from '../core/status.ts';
import type { Point, Sink } from '../core/outputs.ts';
import { impactFacts } from '../alerting/impact.ts';
import type { ImpactScope, KeyResult, RunSource } from '../alerting/types.ts';
import type { ProbeDefinition } from './probe.ts';

/** What a probe job receives. Cleanup must run when `signal` aborts (timeout or shutdown). */
export interface ProbeContext {
  signal: AbortSignal;
  probe: ProbeDefinition;
  runId: string;
  /**
   * Stable for one scheduled slot of one probe (`probe@slotISO`): a write probe uses it in the
   * reference of what it places, so a restart never places the same order twice.
   */
  idempotencyKey: string;
  scheduledAt: Date;
  source: RunSource;
  /** The daemon's sinks, for jobs (the scenario engine) that write their own points. */
  sinks: Sink[];
}

export interface ProbeOutcome {
  status: Status;
  /** Per alert key (probe × milestone × scope). */
  results: KeyResult[];
  /** Points the daemon writes for this run (in addition to what the job wrote itself). */
  points: Point[];
  /** The transactions the run placed and followed (for the status page). */
  transactions?: ScenarioResult[];
  /** Whatever the run left behind was undone. */
  cleanup?: 'done' | 'failed' | 'skipped';
  message?: string;
  /** A check probe's whole document, kept for the status page. */
  check?: CheckDocument;
}

export type ProbeJob = (ctx: ProbeContext) => Promise<ProbeOutcome>;

const MILESTONE_STATUS: Record<MilestoneResult['status'], Status> = { met: 'ok', late: 'warning', missing: 'critical', error: 'critical' };

/** `channel=b2b warehouse=WH-EAST`, or `-` when the transaction has neither. */
export function scopeLabel(tags: { channel?: string; warehouse?: string }): string {
  const parts = [tags.channel ? `channel=${tags.channel}` : '', tags.warehouse ? `warehouse=${tags.warehouse}` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : '-';
}

/**
 * How far a failed milestone reaches. A data failure (malformed line, unknown UoM) concerns the one
 * document; otherwise the synthetic transaction stands for its whole channel — or, for inventory
 * flows and warehouse-scoped failures without a channel, its warehouse; a failure that names only a
 * system is system-wide.
 */
export function impactScopeOf(s: Pick<ScenarioResult, 'tags'>, m: Pick<MilestoneResult, 'failure'>): ImpactScope {
  const f = m.failure;
  if (!f) return s.tags.channel ? 'channel' : s.tags.warehouse ? 'warehouse' : 'order';
  if (f.class === 'data') return 'order';
  const warehouse = f.scope?.warehouse ?? s.tags.warehouse;
  const channel = f.scope?.channel ?? s.tags.channel;
  if (s.tags.flow === 'inventory' && warehouse) return 'warehouse';
  if (channel) return 'channel';
  if (warehouse) return 'warehouse';
  if (f.scope?.system) return 'system';
  return 'order';
}

/** Engine RunResult -> outcome: one key per milestone and transaction scope, plus one for cleanup. */
export function outcomeFromRunResult(run: RunResult, probe: ProbeDefinition): ProbeOutcome {
  const results: KeyResult[] = [];
  let cleanup: ProbeOutcome['cleanup'] = 'skipped';
  for (const s of run.scenarios) {
    const scope = scopeLabel(s.tags);
    const customer = s.tags.customer;
    const skus = s.tags.sku ? s.tags.sku.split(',') : undefined;
    const flow = s.tags.flow === 'inventory' ? 'inventory' : s.tags.flow === 'order' ? 'order' : undefined;
    for (const m of s.milestones) {
      // A milestone never reached because an earlier one failed (or the run was interrupted) is a
      // consequence, not a finding: the earlier milestone carries the alert, so one fault pages once.
      if (m.failure?.reason.startsWith('not reached:')) continue;
      results.push({
        key: `${probe.name}/${m.name}/${scope}`,
        probe: probe.name,
        milestone: m.name,
        scope,
        status: MILESTONE_STATUS[m.status],
        reason: m.failure?.reason,
        impact: impactFacts(impactScopeOf(s, m), { customer, skus, warehouse: m.failure?.scope?.warehouse ?? s.tags.warehouse, flow }, probe.impact),
        details: { correlationId: s.correlationId, milestoneStatus: m.status, latencyMs: m.latencyMs, slaMs: m.slaMs, failureClass: m.failure?.class, system: m.system },
      });
    }
    if (s.cleanup) {
      if (s.cleanup.status === 'failed') cleanup = 'failed';
      else if (s.cleanup.status === 'done' && cleanup !== 'failed') cleanup = 'done';
      const failed = s.cleanup.actions.filter((a) => !a.ok);
      results.push({
        key: `${probe.name}/cleanup/${scope}`,
        probe: probe.name,
        milestone: 'cleanup',
        scope,
        // synthetic data left behind pollutes production: worth a warning, never a page on its own
        status: s.cleanup.status === 'failed' ? 'warning' : 'ok',
        reason: failed.length ? `cleanup left synthetic data behind: ${failed.map((a) => `${a.name}${a.message ? ` (${a.message})` : ''}`).join(', ')}` : undefined,
        impact: { scope: 'order' },
        details: { correlationId: s.correlationId },
      });
    }
  }
  return { status: run.status, results, points: [], transactions: run.scenarios, cleanup };
}

/** Check document -> outcome with one key `probe/check-type/-`; a check with scopes builds its own outcome. */
export function outcomeFromCheck(doc: CheckDocument, probe: ProbeDefinition, impactScope: ImpactScope = 'system'): ProbeOutcome {
  const milestone = probe.check?.type ?? 'check';
  const reason = doc.problems.length ? doc.problems.map((p) => `${p.code}: ${p.message}`).join('; ') : undefined;
  return {
    status: doc.status,
    results: [{ key: `${probe.name}/${milestone}/-`, probe: probe.name, milestone, scope: '-', status: doc.status, reason, impact: { scope: impactScope } }],
    points: [],
    check: doc,
  };
}

/** The outcome of a run that did not produce one: it threw, or it timed out without answering. */
export function failedOutcome(probe: ProbeDefinition, milestone: 'run' | 'timeout', reason: string, status: Status = 'critical'): ProbeOutcome {
  return {
    status,
    results: [{ key: `${probe.name}/run/-`, probe: probe.name, milestone: 'run', scope: '-', status, reason, impact: { scope: 'system' } }],
    points: [],
    message: `${milestone === 'timeout' ? 'timed out' : 'failed'}: ${reason}`,
  };
}

export function combine(...statuses: Status[]): Status {
  return worst(...statuses);
}
