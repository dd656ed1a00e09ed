import type { Reporter } from '../core/outputs.ts';
import type { RunResult, ScenarioResult } from '../core/result.ts';
import { redactDeep } from '../core/redact.ts';
import { DEFAULT_OUT_DIR, duration, milestoneReason, note, writeReportFile, type ReporterOptions } from './format.ts';

/**
 * JUnit XML for CI: one testsuite per scenario, one testcase per milestone. A late or missing
 * milestone is a <failure>, one that could not be observed an <error>; the message is the reason.
 */
export function junitReporter(options: ReporterOptions = {}): Reporter {
  return {
    name: 'junit',
    async onRunEnd(result: RunResult) {
      const path = await writeReportFile(options.outDir ?? DEFAULT_OUT_DIR, 'junit.xml', renderJunit(result));
      note(options, `syncprobe: wrote ${path}`);
    },
  };
}

interface Case {
  name: string;
  seconds: number;
  failure?: { kind: 'failure' | 'error'; type: string; message: string; detail: string };
}

export function renderJunit(input: RunResult): string {
  const result = redactDeep(input);
  const suites = result.scenarios.map((s) => ({ scenario: s, cases: casesOf(s) }));
  const count = (cases: Case[], kind?: 'failure' | 'error') => cases.filter((c) => (kind ? c.failure?.kind === kind : true)).length;
  const all = suites.flatMap((s) => s.cases);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="syncprobe ${attr(result.environment)}" tests="${all.length}" failures="${count(all, 'failure')}" errors="${count(all, 'error')}" time="${sec(result.durationMs)}">`,
  ];
  for (const { scenario: s, cases } of suites) {
    out.push(
      `  <testsuite name="${attr(s.name)}" tests="${cases.length}" failures="${count(cases, 'failure')}" errors="${count(cases, 'error')}" skipped="0" time="${sec(s.durationMs)}" timestamp="${attr(s.startedAt)}">`,
      '    <properties>',
      ...Object.entries({ status: s.status, correlationId: s.correlationId, ...s.tags })
        .filter(([, v]) => v !== undefined && v !== '')
        .map(([k, v]) => `      <property name="${attr(k)}" value="${attr(String(v))}"/>`),
      '    </properties>',
    );
    for (const c of cases) {
      const open = `    <testcase name="${attr(c.name)}" classname="${attr(s.name)}" time="${c.seconds}"`;
      if (!c.failure) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`, `      <${c.failure.kind} message="${attr(c.failure.message)}" type="${attr(c.failure.type)}">${text(c.failure.detail)}</${c.failure.kind}>`, '    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

function casesOf(s: ScenarioResult): Case[] {
  const cases: Case[] = s.milestones.map((m) => {
    const c: Case = { name: m.name, seconds: sec(m.latencyMs ?? m.latencyLowerMs ?? 0) };
    if (m.status === 'met') return c;
    const detail = [
      `milestone ${m.name} in ${m.system}: ${m.status}`,
      `latency ${duration(m.latencyMs)} (bounds ${duration(m.latencyLowerMs)} – ${duration(m.latencyUpperMs)}), SLA ${duration(m.slaMs)}${m.from ? ` from ${m.from}` : ''}`,
      m.requests !== undefined ? `requests ${m.requests}` : '',
      `correlation id ${s.correlationId}`,
    ].filter(Boolean);
    c.failure = { kind: m.status === 'error' ? 'error' : 'failure', type: m.failure?.class ?? m.status, message: m.failure?.reason ?? milestoneReason(m), detail: detail.join('\n') };
    return c;
  });
  if (s.cleanup?.status === 'failed') {
    const bad = s.cleanup.actions.filter((a) => !a.ok);
    cases.push({ name: 'cleanup', seconds: 0, failure: { kind: 'failure', type: 'cleanup', message: `cleanup failed: ${bad.map((a) => a.name).join(', ')}`, detail: bad.map((a) => `${a.name}: ${a.message ?? 'failed'}`).join('\n') } });
  }
  // A scenario that could not run has no milestones to speak for it.
  if (cases.length === 0 && s.status !== 'ok') {
    const message = (s.problems ?? []).map((p) => `${p.code}: ${p.message}`).join('; ') || `scenario ${s.status}`;
    cases.push({ name: 'scenario', seconds: sec(s.durationMs), failure: { kind: s.status === 'unknown' ? 'error' : 'failure', type: s.status, message, detail: message } });
  }
  return cases;
}

function sec(ms: number): number {
  return Number.isFinite(ms) ? Math.round(ms) / 1000 : 0;
}

// XML 1.0 allows no control characters other than tab, newline and carriage return.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
