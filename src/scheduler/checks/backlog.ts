import type { Point } from '../../core/outputs.ts';
import { worst, type Problem, type Status } from '../../core/status.ts';
import type { KeyResult } from '../../alerting/types.ts';
import type { ProbeOutcome } from '../outcome.ts';
import { getJson, type HttpTarget } from './http.ts';

/**
 * Backlog check on the middleware: queue depth, dead-letter depth and unacknowledged outbound
 * messages (shipment confirmations the ERP never acknowledged), each against a level threshold, and
 * the growth rate of each over the samples kept between runs. Evaluation is pure.
 */
export interface Level {
  warn: number;
  crit: number;
}

export interface BacklogThresholds {
  queueDepth: Level;
  dlqDepth: Level;
  unacknowledgedOutbound: Level;
  /** Growth of queue + DLQ + unacknowledged, per minute, over the sample window. */
  growthPerMin: Level;
}

export const DEFAULT_BACKLOG_THRESHOLDS: BacklogThresholds = {
  queueDepth: { warn: 100, crit: 1000 },
  dlqDepth: { warn: 1, crit: 25 },
  unacknowledgedOutbound: { warn: 10, crit: 100 },
  growthPerMin: { warn: 20, crit: 100 },
};

export interface BacklogSample {
  at: number;
  flow: string;
  queueDepth: number;
  dlqDepth: number;
  unacknowledgedOutbound: number;
  /** The middleware's cumulative replay counters, when it reports them. */
  replayCount?: number;
  replaySuccesses?: number;
}

export interface FlowVerdict {
  flow: string;
  status: Status;
  problems: Problem[];
  queueDepth: number;
  dlqDepth: number;
  unacknowledgedOutbound: number;
  growthPerMin: number | null;
  /** Replays of dead-lettered messages since the previous sample (null without two samples with counters). */
  replays: number | null;
  replaysSucceeded: number | null;
}

function level(value: number, l: Level): Status {
  if (value >= l.crit) return 'critical';
  if (value >= l.warn) return 'warning';
  return 'ok';
}

/** `history` holds earlier samples of the same flow, oldest first; the last element of `samples` is now. */
export function evaluateBacklog(samples: BacklogSample[], t: BacklogThresholds = DEFAULT_BACKLOG_THRESHOLDS): FlowVerdict[] {
  const byFlow = new Map<string, BacklogSample[]>();
  for (const s of samples) byFlow.set(s.flow, [...(byFlow.get(s.flow) ?? []), s]);
  const out: FlowVerdict[] = [];
  for (const [flow, list] of byFlow) {
    const sorted = [...list].sort((a, b) => a.at - b.at);
    const last = sorted[sorted.length - 1]!;
    const first = sorted[0]!;
    const problems: Problem[] = [];
    const statuses: Status[] = [];
    const check = (code: string, what: string, value: number, l: Level) => {
      const s = level(value, l);
      statuses.push(s);
      if (s !== 'ok') problems.push({ code, message: `${flow}: ${what} is ${value} (warning at ${l.warn}, critical at ${l.crit})` });
    };
    check('backlog_queue_depth', 'queue depth', last.queueDepth, t.queueDepth);
    check('backlog_dlq_depth', 'dead-letter queue depth', last.dlqDepth, t.dlqDepth);
    check('backlog_unacknowledged', 'unacknowledged outbound messages', last.unacknowledgedOutbound, t.unacknowledgedOutbound);
    let growthPerMin: number | null = null;
    const minutes = (last.at - first.at) / 60_000;
    if (sorted.length >= 2 && minutes > 0) {
      const total = (s: BacklogSample) => s.queueDepth + s.dlqDepth + s.unacknowledgedOutbound;
      growthPerMin = Math.round(((total(last) - total(first)) / minutes) * 100) / 100;
      const s = level(growthPerMin, t.growthPerMin);
      statuses.push(s);
      if (s !== 'ok') problems.push({ code: 'backlog_growth', message: `${flow}: backlog grows by ${growthPerMin}/min over the last ${Math.round(minutes * 10) / 10} min (warning at ${t.growthPerMin.warn}/min, critical at ${t.growthPerMin.crit}/min)` });
    }
    // Counters are cumulative since the middleware started: a run accounts for what changed since the previous sample.
    const prev = sorted.length >= 2 ? sorted[sorted.length - 2]! : undefined;
    const counted = prev?.replayCount !== undefined && last.replayCount !== undefined && last.replayCount >= prev.replayCount;
    const replays = counted ? last.replayCount! - prev!.replayCount! : null;
    const replaysSucceeded = counted ? Math.max(0, (last.replaySuccesses ?? 0) - (prev!.replaySuccesses ?? 0)) : null;
    out.push({ flow, status: worst(...statuses), problems, queueDepth: last.queueDepth, dlqDepth: last.dlqDepth, unacknowledgedOutbound: last.unacknowledgedOutbound, growthPerMin, replays, replaysSucceeded });
  }
  return out.sort((a, b) => a.flow.localeCompare(b.flow));
}

/** One alert key per flow (`probe/backlog/flow=order`); a backlog stops a whole flow: system-wide impact. */
export function backlogOutcome(probe: string, environment: string, verdicts: FlowVerdict[], now = Date.now()): ProbeOutcome {
  const results: KeyResult[] = verdicts.map((v) => ({
    key: `${probe}/backlog/flow=${v.flow}`,
    probe,
    milestone: 'backlog',
    scope: `flow=${v.flow}`,
    status: v.status,
    reason: v.problems.map((p) => p.message).join('; ') || undefined,
    impact: { scope: 'system', flow: v.flow === 'inventory' ? 'inventory' : 'order' },
    details: { queueDepth: v.queueDepth, dlqDepth: v.dlqDepth, unacknowledgedOutbound: v.unacknowledgedOutbound, growthPerMin: v.growthPerMin },
  }));
  const points: Point[] = verdicts.map((v) => ({
    measurement: 'backlog',
    tags: { flow: v.flow, env: environment },
    fields: {
      queue_depth: v.queueDepth,
      dlq_depth: v.dlqDepth,
      unacknowledged_outbound: v.unacknowledgedOutbound,
      ...(v.growthPerMin !== null ? { growth_per_min: v.growthPerMin } : {}),
      ...(v.replays !== null ? { replays: v.replays, replays_succeeded: v.replaysSucceeded ?? 0 } : {}),
      status: v.status,
    },
    timestamp: now,
  }));
  return { status: worst(...verdicts.map((v) => v.status)), results, points, message: verdicts.flatMap((v) => v.problems.map((p) => p.message)).join('; ') || undefined };
}

interface MiddlewareMetrics {
  flows: Record<string, { queueDepth: number; dlqDepth: number; replayCount?: number; replaySuccesses?: number }>;
  unacknowledgedOutbound: number;
}

/** Reads the middleware's GET /metrics into one sample per flow; unacknowledged outbound belongs to the order flow. */
export async function readBacklog(target: HttpTarget, signal?: AbortSignal, now = Date.now()): Promise<BacklogSample[]> {
  const m = await getJson<MiddlewareMetrics>(target, '/metrics', signal);
  if (!m || typeof m !== 'object' || !m.flows) throw new Error(`${target.baseUrl}/metrics: expected {flows, unacknowledgedOutbound}`);
  return Object.entries(m.flows).map(([flow, f]) => ({
    at: now,
    flow,
    queueDepth: Number(f.queueDepth) || 0,
    dlqDepth: Number(f.dlqDepth) || 0,
    unacknowledgedOutbound: flow === 'order' ? Number(m.unacknowledgedOutbound) || 0 : 0,
    ...(typeof f.replayCount === 'number' ? { replayCount: f.replayCount, replaySuccesses: Number(f.replaySuccesses) || 0 } : {}),
  }));
}

/** Keeps the samples of the last `windowMs` between runs so growth can be judged. */
export class BacklogHistory {
  private samples: BacklogSample[] = [];
  constructor(private readonly windowMs = 15 * 60_000) {}
  add(s: BacklogSample[]): BacklogSample[] {
    const now = Math.max(...s.map((x) => x.at));
    this.samples = [...this.samples, ...s].filter((x) => now - x.at <= this.windowMs);
    return this.samples;
  }
}
