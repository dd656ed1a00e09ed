import type { RunResult, ScenarioResult } from '../core/result.ts';
import type { Problem, Status } from '../core/status.ts';
import type { SpecDiff } from './spec-diff.ts';
import type { ContractDocument } from './verify.ts';

/**
 * Go/no-go of a vendor release: pure evaluation of what verify-release measured (spec diff, pact
 * verification against the candidate, scenario runs on baseline and candidate). Every no-go reason
 * names what breaks and where; warnings are listed but never block.
 */
export type ReasonCategory = 'spec' | 'contract' | 'scenario' | 'latency' | 'drift';

export interface ReleaseReason {
  category: ReasonCategory;
  /** What it is about: "erp GET /api/sales-orders", a scenario, a milestone. */
  subject: string;
  message: string;
}

export interface LatencyRow {
  milestone: string;
  baselineP95: number | null;
  candidateP95: number | null;
  baselineSamples: number;
  candidateSamples: number;
  /** candidate / baseline, null when either side has no sample. */
  ratio: number | null;
  regression: boolean;
}

export interface ReleaseThresholds {
  /** Allowed p95 growth, as a fraction: 0.2 = candidate may be 20% slower. */
  maxRegression: number;
  /** Growth below this many ms is noise, never a regression. */
  minDeltaMs: number;
}

export const DEFAULT_THRESHOLDS: ReleaseThresholds = { maxRegression: 0.2, minDeltaMs: 250 };

export interface ReleaseInputs {
  specDiffs: { system: string; baselineDoc: string; candidateDoc: string; diff: SpecDiff }[];
  contracts: ContractDocument[];
  baseline: RunResult;
  candidate: RunResult;
  thresholds?: Partial<ReleaseThresholds>;
}

export interface ReleaseDecision {
  decision: 'go' | 'no-go';
  status: Status;
  problems: Problem[];
  reasons: ReleaseReason[];
  warnings: ReleaseReason[];
  latency: LatencyRow[];
  thresholds: ReleaseThresholds;
}

/** Nearest-rank percentile: the smallest sample with at least p% of the samples at or below it. */
export function percentile(samples: number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Observed latencies per milestone name, from milestones that happened (met or late). */
export function milestoneLatencies(run: RunResult): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const s of run.scenarios) {
    for (const m of s.milestones) {
      if ((m.status === 'met' || m.status === 'late') && typeof m.latencyMs === 'number') {
        const list = out.get(m.name) ?? [];
        list.push(m.latencyMs);
        out.set(m.name, list);
      }
    }
  }
  return out;
}

export function compareLatency(baseline: RunResult, candidate: RunResult, t: ReleaseThresholds): LatencyRow[] {
  const b = milestoneLatencies(baseline);
  const c = milestoneLatencies(candidate);
  const names = [...new Set([...b.keys(), ...c.keys()])].sort();
  return names.map((milestone) => {
    const bs = b.get(milestone) ?? [];
    const cs = c.get(milestone) ?? [];
    const bp = percentile(bs, 95);
    const cp = percentile(cs, 95);
    const ratio = bp !== null && cp !== null ? (bp === 0 ? (cp === 0 ? 1 : Infinity) : cp / bp) : null;
    const regression = bp !== null && cp !== null && cp - bp > t.minDeltaMs && cp > bp * (1 + t.maxRegression);
    return { milestone, baselineP95: bp, candidateP95: cp, baselineSamples: bs.length, candidateSamples: cs.length, ratio: ratio === null || !Number.isFinite(ratio) ? ratio : Math.round(ratio * 100) / 100, regression };
  });
}

function scenarioFailures(s: ScenarioResult): string {
  const bad = s.milestones.filter((m) => m.status !== 'met');
  const parts = bad.slice(0, 4).map((m) => `${m.name} ${m.status}${m.failure ? ` (${m.failure.class}: ${m.failure.reason.split('\n')[0]})` : ''}`);
  if (bad.length > 4) parts.push(`and ${bad.length - 4} more`);
  const problems = (s.problems ?? []).map((p) => p.message);
  return [...parts, ...problems].join('; ') || `status ${s.status}`;
}

export function decideRelease(inputs: ReleaseInputs): ReleaseDecision {
  const t: ReleaseThresholds = { ...DEFAULT_THRESHOLDS, ...inputs.thresholds };
  const reasons: ReleaseReason[] = [];
  const warnings: ReleaseReason[] = [];

  for (const { system, diff } of inputs.specDiffs) {
    for (const c of diff.breaking) reasons.push({ category: 'spec', subject: `${system} ${c.operation}`, message: `${c.category}: ${c.message} (${c.location})` });
    for (const c of diff.compatible) warnings.push({ category: 'spec', subject: `${system} ${c.operation}`, message: `${c.category}: ${c.message}` });
  }

  for (const doc of inputs.contracts) {
    for (const i of doc.interactions) {
      if (i.result === 'passed') continue;
      const r = { category: 'contract' as const, subject: `${doc.provider} ${i.request.method} ${i.request.path}`, message: doc.problems.find((p) => p.message.startsWith(i.description))?.message ?? i.description };
      (i.result === 'failed' ? reasons : warnings).push(r);
    }
    if (doc.interactions.length === 0 && doc.status !== 'ok') {
      for (const p of doc.problems) reasons.push({ category: 'contract', subject: doc.provider, message: p.message });
    }
  }

  const baseByName = new Map(inputs.baseline.scenarios.map((s) => [s.name, s]));
  for (const s of inputs.candidate.scenarios) {
    for (const m of s.milestones) {
      for (const w of m.warnings ?? []) if (w.code.startsWith('drift.')) warnings.push({ category: 'drift', subject: `${s.name} ${m.name}`, message: w.message });
    }
    if (s.status === 'ok') continue;
    const base = baseByName.get(s.name);
    const what = scenarioFailures(s);
    if (s.status === 'warning') {
      warnings.push({ category: 'scenario', subject: s.name, message: `warning on the candidate: ${what}` });
    } else if (base && base.status !== 'ok' && base.status !== 'warning') {
      // The same failure on the baseline is not caused by the release; it is reported, not held against it.
      warnings.push({ category: 'scenario', subject: s.name, message: `fails on the baseline too (${base.status}), so not caused by the release: ${what}` });
    } else {
      reasons.push({ category: 'scenario', subject: s.name, message: `${s.status} on the candidate${base ? `, ${base.status} on the baseline` : ', not run on the baseline'}: ${what}` });
    }
  }

  const latency = compareLatency(inputs.baseline, inputs.candidate, t);
  for (const row of latency) {
    if (!row.regression) continue;
    reasons.push({
      category: 'latency',
      subject: row.milestone,
      message: `p95 ${row.candidateP95} ms on the candidate vs ${row.baselineP95} ms on the baseline (x${row.ratio}; allowed +${Math.round(t.maxRegression * 100)}% and at least ${t.minDeltaMs} ms)`,
    });
  }

  const noGo = reasons.length > 0;
  return {
    decision: noGo ? 'no-go' : 'go',
    status: noGo ? 'critical' : 'ok',
    problems: reasons.map((r) => ({ code: `release.${r.category}`, message: `${r.subject}: ${r.message}` })),
    reasons,
    warnings,
    latency,
    thresholds: t,
  };
}
