import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../core/result.ts';
import { redact, redactDeep } from '../core/redact.ts';
import type { ReleaseDecision, ReleaseInputs } from './release.ts';
import type { SpecChange } from './spec-diff.ts';
import { describeInteraction } from './verify-report.ts';

/** The go/no-go report of verify-release, as JSON, markdown and JUnit. */
export interface ReleaseReport extends ReleaseDecision {
  baseline: string;
  candidate: string;
  startedAt: string;
  durationMs: number;
  specDiffs: { system: string; baselineDoc: string; candidateDoc: string; breaking: SpecChange[]; compatible: SpecChange[]; informational: SpecChange[] }[];
  contracts: { provider: string; baseUrl: string; status: string; passed: number; failed: number; interactions: ReleaseInputs['contracts'][number]['interactions'] }[];
  scenarios: { baseline: { name: string; status: string }[]; candidate: { name: string; status: string }[] };
  notes: string[];
  [k: string]: unknown;
}

export function buildReport(
  inputs: ReleaseInputs,
  decision: ReleaseDecision,
  meta: { baseline: string; candidate: string; startedAt: string; durationMs: number; notes?: string[] },
): ReleaseReport {
  const brief = (r: RunResult) => r.scenarios.map((s) => ({ name: s.name, status: s.status }));
  return redactDeep({
    ...decision,
    baseline: meta.baseline,
    candidate: meta.candidate,
    startedAt: meta.startedAt,
    durationMs: meta.durationMs,
    specDiffs: inputs.specDiffs.map((d) => ({ system: d.system, baselineDoc: d.baselineDoc, candidateDoc: d.candidateDoc, breaking: d.diff.breaking, compatible: d.diff.compatible, informational: d.diff.informational })),
    contracts: inputs.contracts.map((c) => ({ provider: c.provider, baseUrl: c.baseUrl, status: c.status, passed: c.passed, failed: c.failed, interactions: c.interactions })),
    scenarios: { baseline: brief(inputs.baseline), candidate: brief(inputs.candidate) },
    notes: meta.notes ?? [],
  });
}

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(r: ReleaseReport): string {
  const out: string[] = [];
  out.push(`# Release verification: ${r.candidate} against ${r.baseline}`, '');
  out.push(`**Decision: ${r.decision === 'go' ? 'GO' : 'NO-GO'}** — ${r.reasons.length} blocking reason(s), ${r.warnings.length} warning(s). Started ${r.startedAt}, took ${Math.round(r.durationMs / 100) / 10} s.`, '');
  if (r.reasons.length) {
    out.push('## Why not', '', '| area | where | reason |', '|---|---|---|');
    for (const x of r.reasons) out.push(`| ${x.category} | ${md(x.subject)} | ${md(x.message)} |`);
    out.push('');
  }
  if (r.warnings.length) {
    out.push('## Warnings (do not block)', '', '| area | where | note |', '|---|---|---|');
    for (const x of r.warnings) out.push(`| ${x.category} | ${md(x.subject)} | ${md(x.message)} |`);
    out.push('');
  }
  out.push('## API specification changes', '');
  for (const d of r.specDiffs) {
    out.push(`### ${d.system}: ${d.baselineDoc} → ${d.candidateDoc}`, '', `${d.breaking.length} breaking for this integration, ${d.compatible.length} compatible, ${d.informational.length} informational (would break a use this integration does not make).`, '');
    for (const [title, list] of [['Breaking', d.breaking], ['Compatible', d.compatible], ['Informational', d.informational]] as const) {
      if (!list.length) continue;
      out.push(`${title}:`, '');
      for (const c of list) out.push(`- \`${c.operation}\` ${c.location}: ${c.message}`);
      out.push('');
    }
  }
  if (!r.specDiffs.length) out.push('No OpenAPI documents to compare.', '');
  out.push('## Contracts verified against the candidate', '');
  for (const c of r.contracts) {
    out.push(`- **${c.provider}** (${c.baseUrl}): ${c.status}, ${c.passed} passed, ${c.failed} failed`);
    for (const i of c.interactions.filter((x) => x.result !== 'passed')) out.push(`  - ${i.result}: ${md(describeInteraction(i))}`);
  }
  out.push('', '## Scenarios', '', '| scenario | baseline | candidate |', '|---|---|---|');
  const base = new Map(r.scenarios.baseline.map((s) => [s.name, s.status]));
  for (const s of r.scenarios.candidate) out.push(`| ${md(s.name)} | ${base.get(s.name) ?? '—'} | ${s.status} |`);
  out.push('', `## Milestone latency p95 (regression when over +${Math.round(r.thresholds.maxRegression * 100)}% and ${r.thresholds.minDeltaMs} ms)`, '', '| milestone | baseline p95 ms | candidate p95 ms | ratio | samples | verdict |', '|---|---|---|---|---|---|');
  for (const l of r.latency) out.push(`| ${l.milestone} | ${l.baselineP95 ?? '—'} | ${l.candidateP95 ?? '—'} | ${l.ratio ?? '—'} | ${l.baselineSamples}/${l.candidateSamples} | ${l.regression ? 'REGRESSION' : 'ok'} |`);
  if (r.notes.length) out.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return redact(out.join('\n') + '\n');
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Case {
  name: string;
  failure?: string;
}

export function renderJUnit(r: ReleaseReport): string {
  const suites: { name: string; cases: Case[] }[] = [];
  suites.push({
    name: 'spec-diff',
    cases: r.specDiffs.map((d) => ({ name: `${d.system} ${d.baselineDoc} -> ${d.candidateDoc}`, ...(d.breaking.length ? { failure: d.breaking.map((c) => `${c.operation} ${c.location}: ${c.message}`).join('\n') } : {}) })),
  });
  suites.push({
    name: 'contracts',
    cases: r.contracts.flatMap((c) =>
      c.interactions.length
        ? c.interactions.map((i) => ({ name: `${c.provider}: ${i.description}`, ...(i.result === 'failed' ? { failure: describeInteraction(i) } : {}) }))
        : [{ name: `${c.provider}`, ...(c.status === 'ok' ? {} : { failure: `verification ${c.status}` }) }],
    ),
  });
  const blocking = new Map(r.reasons.filter((x) => x.category === 'scenario').map((x) => [x.subject, x.message]));
  suites.push({ name: 'scenarios', cases: r.scenarios.candidate.map((s) => ({ name: s.name, ...(blocking.has(s.name) ? { failure: blocking.get(s.name)! } : {}) })) });
  suites.push({
    name: 'latency',
    cases: r.latency.map((l) => ({ name: `${l.milestone} p95`, ...(l.regression ? { failure: r.reasons.find((x) => x.category === 'latency' && x.subject === l.milestone)?.message ?? 'regression' } : {}) })),
  });
  const total = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce((n, s) => n + s.cases.filter((c) => c.failure).length, 0);
  const body = suites
    .map((s) => {
      const f = s.cases.filter((c) => c.failure).length;
      const cases = s.cases
        .map((c) => `    <testcase classname="verify-release.${xml(s.name)}" name="${xml(c.name)}">${c.failure ? `<failure message="${xml(c.failure.split('\n')[0]!.slice(0, 200))}">${xml(c.failure)}</failure>` : ''}</testcase>`)
        .join('\n');
      return `  <testsuite name="verify-release ${xml(s.name)}" tests="${s.cases.length}" failures="${f}">\n${cases}\n  </testsuite>`;
    })
    .join('\n');
  return redact(`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="verify-release ${xml(r.candidate)} vs ${xml(r.baseline)}" tests="${total}" failures="${failures}">\n${body}\n</testsuites>\n`);
}

export async function writeReports(r: ReleaseReport, dir: string): Promise<{ json: string; markdown: string; junit: string }> {
  await mkdir(dir, { recursive: true });
  const files = { json: join(dir, 'verify-release.json'), markdown: join(dir, 'verify-release.md'), junit: join(dir, 'verify-release.junit.xml') };
  await writeFile(files.json, JSON.stringify(r, null, 2) + '\n');
  await writeFile(files.markdown, renderMarkdown(r));
  await writeFile(files.junit, renderJUnit(r));
  return files;
}
