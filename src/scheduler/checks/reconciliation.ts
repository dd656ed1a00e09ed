import type { Point } from '../../core/outputs.ts';
import { worst, type Problem, type Status } from '../../core/status.ts';
import type { KeyResult } from '../../alerting/types.ts';
import type { ProbeOutcome } from '../outcome.ts';
import { getJson, type HttpTarget } from './http.ts';

/**
 * Reconciliation: per channel over a window, documents the channel accepted against orders posted in
 * the ERP (or inventory events published by the WMS against those the ERP consumed). The variance is
 * the share of expected documents that never arrived; above the threshold (default 0.5%) the channel
 * is critical, any missing document below it a warning. Missing document numbers are listed.
 * Documents younger than the settle time are not expected yet. Evaluation is pure.
 */
export interface ChannelCounts {
  channel: string;
  expected: number;
  posted: number;
  /** Document numbers expected and not found downstream (may be a subset when only counts are known). */
  missing: string[];
  /** Documents posted more than once downstream. */
  duplicates?: string[];
}

export interface ReconciliationOptions {
  /** Percent; default 0.5. */
  thresholdPct?: number;
  /** At most this many missing numbers are listed per channel. Default 50. */
  listLimit?: number;
}

export interface ChannelVerdict {
  channel: string;
  status: Status;
  expected: number;
  posted: number;
  missingCount: number;
  variancePct: number;
  thresholdPct: number;
  missing: string[];
  duplicates: string[];
  problems: Problem[];
}

export function reconcile(channels: ChannelCounts[], opts: ReconciliationOptions = {}): ChannelVerdict[] {
  const thresholdPct = opts.thresholdPct ?? 0.5;
  const limit = opts.listLimit ?? 50;
  return channels
    .map((c) => {
      const missingCount = Math.max(c.expected - c.posted, c.missing.length, 0);
      const variancePct = c.expected > 0 ? Math.round((missingCount / c.expected) * 100 * 1000) / 1000 : 0;
      const duplicates = c.duplicates ?? [];
      const problems: Problem[] = [];
      let status: Status = 'ok';
      if (missingCount > 0) {
        status = variancePct > thresholdPct ? 'critical' : 'warning';
        const listed = c.missing.slice(0, limit);
        const more = c.missing.length > limit ? ` and ${c.missing.length - limit} more` : '';
        problems.push({
          code: 'reconciliation_variance',
          message: `${c.channel}: ${missingCount} of ${c.expected} documents missing downstream (${variancePct}% vs threshold ${thresholdPct}%)${listed.length ? `: ${listed.join(', ')}${more}` : ''}`,
        });
      }
      if (duplicates.length) {
        status = worst(status, 'warning');
        problems.push({ code: 'reconciliation_duplicates', message: `${c.channel}: ${duplicates.length} documents posted more than once: ${duplicates.slice(0, limit).join(', ')}` });
      }
      return { channel: c.channel, status, expected: c.expected, posted: c.posted, missingCount, variancePct, thresholdPct, missing: c.missing.slice(0, limit), duplicates, problems };
    })
    .sort((a, b) => a.channel.localeCompare(b.channel));
}

export interface AcceptedDocument {
  channel: string;
  documentNumber: string;
  acceptedAt: number;
}

export interface PostedDocument {
  /** The channel document number the downstream record refers to (external reference). */
  documentNumber: string;
}

/** Matches accepted documents in [from, to − settleMs] with posted ones into per-channel counts. */
export function matchDocuments(accepted: AcceptedDocument[], posted: PostedDocument[], window: { from: number; to: number; settleMs?: number }): ChannelCounts[] {
  const until = window.to - (window.settleMs ?? 0);
  const seen = new Map<string, number>();
  for (const p of posted) seen.set(p.documentNumber, (seen.get(p.documentNumber) ?? 0) + 1);
  const byChannel = new Map<string, ChannelCounts>();
  for (const d of accepted) {
    if (d.acceptedAt < window.from || d.acceptedAt > until) continue;
    const c = byChannel.get(d.channel) ?? { channel: d.channel, expected: 0, posted: 0, missing: [], duplicates: [] };
    byChannel.set(d.channel, c);
    c.expected++;
    const n = seen.get(d.documentNumber) ?? 0;
    if (n === 0) c.missing.push(d.documentNumber);
    else c.posted++;
    if (n > 1) c.duplicates!.push(d.documentNumber);
  }
  return [...byChannel.values()];
}

/** One alert key per channel; a channel losing documents is channel-wide impact. */
export function reconciliationOutcome(probe: string, environment: string, verdicts: ChannelVerdict[], flow: 'order' | 'inventory' = 'order', now = Date.now()): ProbeOutcome {
  const results: KeyResult[] = verdicts.map((v) => ({
    key: `${probe}/reconciliation/channel=${v.channel}`,
    probe,
    milestone: 'reconciliation',
    scope: `channel=${v.channel}`,
    // a single missing document is one order's problem; beyond the threshold it is the channel's
    status: v.status,
    reason: v.problems.map((p) => p.message).join('; ') || undefined,
    impact: { scope: v.status === 'critical' ? 'channel' : 'order', flow },
    details: { expected: v.expected, posted: v.posted, variancePct: v.variancePct, missing: v.missing },
  }));
  const points: Point[] = verdicts.map((v) => ({
    measurement: 'reconciliation',
    tags: { channel: v.channel, env: environment, flow },
    fields: { expected: v.expected, posted: v.posted, missing: v.missingCount, variance_pct: v.variancePct, status: v.status },
    timestamp: now,
  }));
  return { status: verdicts.length ? worst(...verdicts.map((v) => v.status)) : 'ok', results, points, message: verdicts.flatMap((v) => v.problems.map((p) => p.message)).join('; ') || undefined };
}

interface ChannelStats {
  accepted: number;
  delivered: number;
  dropped?: number;
  deadLettered?: number;
}

/**
 * Reads the middleware's counters per channel (GET /metrics byChannel) between two runs and the
 * dead-letter queue (GET /dlq) for the numbers of documents that will not reach the ERP. Counts over
 * the window are differences between the snapshot at the previous run and this one; documents still
 * queued are in flight, not missing.
 */
export class MiddlewareReconciliation {
  private previous: Record<string, ChannelStats> | null = null;
  private previousAt = 0;

  constructor(private readonly target: HttpTarget) {}

  async read(signal?: AbortSignal): Promise<ChannelCounts[]> {
    const m = await getJson<{ byChannel: Record<string, ChannelStats> }>(this.target, '/metrics', signal);
    const dlq = await getJson<{ messages: Array<{ messageId: string; channel: string; flow: string; acceptedAt: string }> }>(this.target, '/dlq?flow=order', signal);
    const prev = this.previous ?? {};
    const since = this.previousAt;
    this.previous = m.byChannel;
    this.previousAt = Date.now();
    return Object.entries(m.byChannel).map(([channel, now]) => {
      const before = prev[channel] ?? { accepted: 0, delivered: 0, dropped: 0, deadLettered: 0 };
      const lost = (now.dropped ?? 0) - (before.dropped ?? 0) + ((now.deadLettered ?? 0) - (before.deadLettered ?? 0));
      const expected = now.accepted - before.accepted;
      return {
        channel,
        expected,
        posted: expected - Math.max(0, lost),
        missing: dlq.messages.filter((x) => x.channel === channel && x.flow === 'order' && Date.parse(x.acceptedAt) >= since).map((x) => x.messageId),
      };
    });
  }
}
