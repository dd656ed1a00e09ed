import { worst, type Problem, type Status } from '../core/status.ts';
import type { KpiFigures, KpiName, KpiRow, KpiTargets, LatencyGroup, LowerTarget, UpperTarget } from './types.ts';

/**
 * Pure judgement of KPI figures against targets. A KPI without data is unknown with the reason,
 * never met. A latency p95 over a group where more than 5% of the milestones were never observed
 * lies among the unobserved ones: the target is missed whatever the observed latencies say.
 */
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** `strict`: the target is "more than min" (replay success > 98%), so exactly min misses it. */
export function judgeLower(value: number, t: LowerTarget, strict = false): Status {
  if (strict ? value <= t.min : value < t.min) return 'critical';
  if (value < t.warnBelow) return 'warning';
  return 'ok';
}

export function judgeUpper(value: number, t: UpperTarget, strict = true): Status {
  if (strict ? value >= t.limit : value > t.limit) return 'critical';
  if (value >= t.warnAt) return 'warning';
  return 'ok';
}

function latencyRow(kpi: KpiName, scope: string, g: LatencyGroup, t: UpperTarget): KpiRow {
  const target = `p95 < ${t.limit} ms`;
  const base = { kpi, scope, unit: 'ms' as const, target, samples: g.total };
  if (g.total === 0) return { ...base, status: 'unknown', value: null, reason: 'no milestone points in the window' };
  const unobserved = g.total - g.observed;
  if (unobserved / g.total > 0.05) {
    return { ...base, status: 'critical', value: g.p95Ms, reason: `${unobserved} of ${g.total} never observed: the 95th percentile is beyond every measured latency` };
  }
  if (g.p95Ms === null) return { ...base, status: 'unknown', value: null, reason: 'no measured latency' };
  const status = judgeUpper(g.p95Ms, t);
  return { ...base, status, value: round(g.p95Ms, 1), ...(status !== 'ok' ? { reason: `p95 ${round(g.p95Ms, 1)} ms ${status === 'critical' ? 'misses' : 'is within the warning margin of'} ${t.limit} ms (warning from ${t.warnAt} ms)` } : {}) };
}

function noData(kpi: KpiName, unit: '%' | 'ms', target: string, reason: string): KpiRow {
  return { kpi, scope: 'all', status: 'unknown', value: null, unit, target, samples: 0, reason };
}

const sortBy = <T>(list: T[], key: (x: T) => string) => [...list].sort((a, b) => key(a).localeCompare(key(b)));

export function evaluateKpis(f: KpiFigures, t: KpiTargets, only: readonly KpiName[] | undefined = undefined): { status: Status; rows: KpiRow[]; problems: Problem[] } {
  const want = (k: KpiName) => !only || only.length === 0 || only.includes(k);
  const rows: KpiRow[] = [];

  if (want('order-created')) {
    const target = `>= ${t.orderCreated.min}% within ${t.orderCreated.withinMs} ms`;
    const groups = f.orderCreated.filter((g) => g.total > 0);
    if (!groups.length) rows.push(noData('order-created', '%', target, `no '${t.orderCreated.milestone}' milestone points in the window`));
    for (const g of sortBy(groups, (x) => x.channel)) {
      const share = round((g.within / g.total) * 100);
      const status = judgeLower(share, t.orderCreated);
      rows.push({
        kpi: 'order-created',
        scope: `channel=${g.channel || '(none)'}`,
        status,
        value: share,
        unit: '%',
        target,
        samples: g.total,
        ...(status !== 'ok' ? { reason: `${g.within} of ${g.total} orders created in the ERP within ${t.orderCreated.withinMs} ms (${share}%, target ${t.orderCreated.min}%, warning below ${t.orderCreated.warnBelow}%)` } : {}),
      });
    }
  }

  if (want('release-to-allocation')) {
    const groups = f.releaseToAllocation.filter((g) => g.total > 0);
    if (!groups.length) rows.push(noData('release-to-allocation', 'ms', `p95 < ${t.releaseToAllocation.limit} ms`, `no '${t.releaseToAllocation.milestone}' milestone points in the window`));
    for (const g of sortBy(groups, (x) => x.warehouse)) rows.push(latencyRow('release-to-allocation', `warehouse=${g.warehouse || '(none)'}`, g, t.releaseToAllocation));
  }

  if (want('shipment-to-notification')) {
    const groups = f.shipmentToNotification.filter((g) => g.total > 0);
    if (!groups.length) rows.push(noData('shipment-to-notification', 'ms', `p95 < ${t.shipmentToNotification.limit} ms`, `no '${t.shipmentToNotification.milestone}' milestone points in the window`));
    for (const g of sortBy(groups, (x) => x.channel)) rows.push(latencyRow('shipment-to-notification', `channel=${g.channel || '(none)'}`, g, t.shipmentToNotification));
  }

  if (want('milestone-latency')) {
    // A start milestone has no SLA clock: its latency is absent or 0 and it never fails.
    const isStart = (g: KpiFigures['milestoneLatency'][number]) => g.failed === 0 && (g.observed === 0 || g.p95Ms === 0);
    const groups = f.milestoneLatency.filter((g) => g.total > 0 && !isStart(g));
    if (!groups.length) rows.push(noData('milestone-latency', 'ms', 'p95 < SLA', 'no milestone points with an SLA clock in the window'));
    for (const g of sortBy(groups, (x) => `${x.milestone} ${x.channel} ${x.warehouse}`)) {
      const scope = [`milestone=${g.milestone}`, g.channel && `channel=${g.channel}`, g.warehouse && `warehouse=${g.warehouse}`].filter(Boolean).join(' ');
      if (g.slaMs === null || !(g.slaMs > 0)) {
        rows.push({ kpi: 'milestone-latency', scope, status: 'unknown', value: g.p95Ms, unit: 'ms', target: 'p95 < SLA', samples: g.total, reason: 'the points carry no sla_ms' });
        continue;
      }
      rows.push(latencyRow('milestone-latency', scope, g, { limit: g.slaMs, warnAt: g.slaMs * t.milestoneLatency.warnFraction }));
    }
  }

  if (want('completeness')) {
    const target = `variance < ${t.completeness.limit}%`;
    const groups = f.completeness.filter((g) => g.expected > 0);
    if (!groups.length) rows.push(noData('completeness', '%', target, 'no reconciliation points with expected documents in the window (is a reconciliation probe scheduled?)'));
    for (const g of sortBy(groups, (x) => `${x.flow} ${x.channel}`)) {
      const variance = round((g.missing / g.expected) * 100);
      const status = judgeUpper(variance, t.completeness);
      rows.push({
        kpi: 'completeness',
        scope: `flow=${g.flow || '(none)'} channel=${g.channel || '(none)'}`,
        status,
        value: variance,
        unit: '%',
        target,
        samples: g.expected,
        ...(status !== 'ok' ? { reason: `${g.missing} of ${g.expected} documents missing downstream (${variance}%, target below ${t.completeness.limit}%, warning from ${t.completeness.warnAt}%)` } : {}),
      });
    }
  }

  if (want('valid-payloads')) {
    const target = `>= ${t.validPayloads.min}%`;
    const p = f.payloads;
    if (!p || p.total === 0) rows.push(noData('valid-payloads', '%', target, 'no milestone points in the window'));
    else {
      const share = round(((p.total - p.data) / p.total) * 100);
      const status = judgeLower(share, t.validPayloads);
      rows.push({ kpi: 'valid-payloads', scope: 'all', status, value: share, unit: '%', target, samples: p.total, ...(status !== 'ok' ? { reason: `${p.data} of ${p.total} milestones failed with class data (${share}% valid, target ${t.validPayloads.min}%, warning below ${t.validPayloads.warnBelow}%)` } : {}) });
    }
  }

  if (want('replay-success')) {
    const target = `> ${t.replaySuccess.min}%`;
    const r = f.replay;
    if (!r || r.attempted === 0) rows.push(noData('replay-success', '%', target, r ? 'no replays attempted in the window' : "no replay counts written: the backlog measurement carries no 'replays'/'replays_succeeded' fields"));
    else {
      const share = round((r.succeeded / r.attempted) * 100);
      const status = judgeLower(share, t.replaySuccess, true);
      rows.push({ kpi: 'replay-success', scope: 'all', status, value: share, unit: '%', target, samples: r.attempted, ...(status !== 'ok' ? { reason: `${r.succeeded} of ${r.attempted} replays went through (${share}%, target ${t.replaySuccess.min}%, warning below ${t.replaySuccess.warnBelow}%)` } : {}) });
    }
  }

  const problems: Problem[] = rows
    .filter((r) => r.status !== 'ok')
    .map((r) => ({ code: r.status === 'unknown' ? 'kpi_no_data' : r.status === 'critical' ? 'kpi_target_missed' : 'kpi_warning_margin', message: `${r.kpi} ${r.scope}: ${r.reason ?? r.status}` }));
  return { status: rows.length ? worst(...rows.map((r) => r.status)) : 'unknown', rows, problems };
}
