import { UsageError } from '../core/errors.ts';
import type { KpiFigures, KpiTargets } from './types.ts';

/**
 * The InfluxQL behind the KPIs (measurements in docs/influxdb.md) and the pure mapping of their
 * answers into KpiFigures. All statements go to InfluxDB in one request; each answers one question.
 */
export interface Window {
  /** An InfluxQL duration: 24h, 90m, 7d, 30s, 1w. */
  since: string;
  env?: string;
}

export interface SeriesResult {
  statement_id?: number;
  error?: string;
  series?: Array<{ name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }>;
}

const DURATION = /^[1-9]\d*(ms|s|m|h|d|w)$/;

export function checkSince(raw: string, where = '--since'): string {
  if (!DURATION.test(raw)) throw new UsageError(`'${raw}' is not a duration`, where, 'give a whole number with a unit: ms, s, m, h, d or w (e.g. 24h, 7d)');
  return raw;
}

/** A single-quoted InfluxQL string literal. */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function where(w: Window, extra: string[] = []): string {
  return ['time > now() - ' + checkSince(w.since), ...(w.env !== undefined ? [`"env" = ${literal(w.env)}`] : []), ...extra].join(' AND ');
}

export const STATEMENTS = ['counts', 'latency', 'orderWithin', 'allocation', 'notification', 'reconciliation', 'replay'] as const;

/** The statements in STATEMENTS order. */
export function kpiQueries(w: Window, t: KpiTargets): string[] {
  const ms = (name: string) => `"milestone" = ${literal(name)}`;
  return [
    `SELECT count("sla_ms") AS n FROM "milestone" WHERE ${where(w)} GROUP BY "milestone", "channel", "warehouse", "status", "class"`,
    `SELECT percentile("latency_ms", 95) AS p95, count("latency_ms") AS observed, max("sla_ms") AS sla FROM "milestone" WHERE ${where(w)} GROUP BY "milestone", "channel", "warehouse"`,
    `SELECT count("latency_ms") AS within FROM "milestone" WHERE ${where(w, [ms(t.orderCreated.milestone), `"latency_ms" <= ${Number(t.orderCreated.withinMs)}`])} GROUP BY "channel"`,
    `SELECT percentile("latency_ms", 95) AS p95, count("latency_ms") AS observed FROM "milestone" WHERE ${where(w, [ms(t.releaseToAllocation.milestone)])} GROUP BY "warehouse"`,
    `SELECT percentile("latency_ms", 95) AS p95, count("latency_ms") AS observed FROM "milestone" WHERE ${where(w, [ms(t.shipmentToNotification.milestone)])} GROUP BY "channel"`,
    `SELECT sum("expected") AS expected, sum("missing") AS missing FROM "reconciliation" WHERE ${where(w)} GROUP BY "channel", "flow"`,
    `SELECT sum("replays") AS attempted, sum("replays_succeeded") AS succeeded FROM "backlog" WHERE ${where(w)}`,
  ];
}

interface Row {
  tags: Record<string, string>;
  values: Record<string, number | null>;
}

/** One row per series (every statement here aggregates to one row per group). */
function rows(r: SeriesResult | undefined): Row[] {
  const out: Row[] = [];
  for (const s of r?.series ?? []) {
    for (const v of s.values) {
      const values: Record<string, number | null> = {};
      s.columns.forEach((c, i) => {
        if (c !== 'time') values[c] = typeof v[i] === 'number' ? (v[i] as number) : null;
      });
      out.push({ tags: s.tags ?? {}, values });
    }
  }
  return out;
}

const num = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
const key = (...parts: string[]) => parts.join('\u0000');

/** Answers (one per statement, STATEMENTS order) into figures. A statement error is thrown: the caller decides. */
export function toFigures(results: SeriesResult[], t: KpiTargets): KpiFigures {
  const at = (name: (typeof STATEMENTS)[number]) => {
    const r = results[STATEMENTS.indexOf(name)];
    if (r?.error) throw new Error(`InfluxDB could not answer the ${name} query: ${r.error}`);
    return rows(r);
  };
  const counts = at('counts');
  const latency = at('latency');

  const totalBy = (milestone: string, tag: 'channel' | 'warehouse') => {
    const m = new Map<string, number>();
    for (const r of counts) if (r.tags.milestone === milestone) m.set(r.tags[tag] ?? '', (m.get(r.tags[tag] ?? '') ?? 0) + num(r.values.n));
    return m;
  };

  const createdTotals = totalBy(t.orderCreated.milestone, 'channel');
  const within = new Map(at('orderWithin').map((r) => [r.tags.channel ?? '', num(r.values.within)]));
  const orderCreated = [...createdTotals].map(([channel, total]) => ({ channel, total, within: within.get(channel) ?? 0 }));

  const latencyGroups = <K extends 'channel' | 'warehouse'>(milestone: string, tag: K, answer: Row[]) => {
    const observed = new Map(answer.map((r) => [r.tags[tag] ?? '', r]));
    return [...totalBy(milestone, tag)].map(([scope, total]) => {
      const o = observed.get(scope);
      return { [tag]: scope, total, observed: num(o?.values.observed), p95Ms: o?.values.p95 ?? null } as { total: number; observed: number; p95Ms: number | null } & Record<K, string>;
    });
  };

  const groups = new Map<string, { milestone: string; channel: string; warehouse: string; total: number; failed: number; data: number }>();
  let total = 0;
  let data = 0;
  for (const r of counts) {
    const g = { milestone: r.tags.milestone ?? '', channel: r.tags.channel ?? '', warehouse: r.tags.warehouse ?? '' };
    const k = key(g.milestone, g.channel, g.warehouse);
    const entry = groups.get(k) ?? { ...g, total: 0, failed: 0, data: 0 };
    groups.set(k, entry);
    const n = num(r.values.n);
    entry.total += n;
    if (r.tags.status && r.tags.status !== 'met') entry.failed += n;
    total += n;
    if (r.tags.class === 'data') data += n;
  }
  const lat = new Map(latency.map((r) => [key(r.tags.milestone ?? '', r.tags.channel ?? '', r.tags.warehouse ?? ''), r]));
  const milestoneLatency = [...groups.entries()].map(([k, g]) => {
    const l = lat.get(k);
    return { milestone: g.milestone, channel: g.channel, warehouse: g.warehouse, total: g.total, failed: g.failed, observed: num(l?.values.observed), p95Ms: l?.values.p95 ?? null, slaMs: l?.values.sla ?? null };
  });

  const completeness = at('reconciliation').map((r) => ({ channel: r.tags.channel ?? '', flow: r.tags.flow ?? '', expected: num(r.values.expected), missing: num(r.values.missing) }));
  const replayRow = at('replay')[0];
  const replay = replayRow && typeof replayRow.values.attempted === 'number' ? { attempted: num(replayRow.values.attempted), succeeded: num(replayRow.values.succeeded) } : null;

  return {
    orderCreated,
    releaseToAllocation: latencyGroups(t.releaseToAllocation.milestone, 'warehouse', at('allocation')),
    shipmentToNotification: latencyGroups(t.shipmentToNotification.milestone, 'channel', at('notification')),
    milestoneLatency,
    completeness,
    payloads: total > 0 ? { total, data } : null,
    replay,
  };
}
