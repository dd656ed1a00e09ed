import type { Reporter } from '../core/outputs.ts';
import type { MilestoneResult, RunResult, ScenarioResult } from '../core/result.ts';
import { redactDeep } from '../core/redact.ts';
import { DEFAULT_OUT_DIR, duration, milestoneReason, note, scopeLine, writeReportFile, type ReporterOptions } from './format.ts';

/**
 * One self-contained HTML file (inline CSS, no scripts, no external assets) with a milestone
 * timeline per transaction: each milestone's bar starts at its SLA clock's start and shows the
 * measurement bounds (last negative to first positive observation), the estimate, and the SLA line.
 */
export function htmlReporter(options: ReporterOptions = {}): Reporter {
  return {
    name: 'html',
    async onRunEnd(result: RunResult) {
      const path = await writeReportFile(options.outDir ?? DEFAULT_OUT_DIR, 'report.html', renderHtml(result));
      note(options, `syncprobe: wrote ${path}`);
    },
  };
}

export function renderHtml(input: RunResult): string {
  const r = redactDeep(input);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>syncprobe ${esc(r.environment)}: ${esc(r.status.toUpperCase())}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>syncprobe run <span class="badge s-${esc(r.status)}">${esc(r.status.toUpperCase())}</span></h1>
<p class="meta">environment ${esc(r.environment)} · started ${esc(r.startedAt)} · ${r.scenarios.length} scenario${r.scenarios.length === 1 ? '' : 's'} in ${esc(duration(r.durationMs))}</p>
<p class="legend"><span class="key bounds-key"></span> measured between (last not seen – first seen) <span class="key dot-key"></span> estimate <span class="key sla-key"></span> SLA</p>
</header>
<main>
${r.scenarios.map(scenario).join('\n')}
</main>
</body>
</html>
`;
}

function scenario(s: ScenarioResult): string {
  const scale = Math.max(1, ...s.milestones.map((m) => Math.max(m.slaMs, m.latencyUpperMs ?? 0, m.latencyLowerMs ?? 0, m.latencyMs ?? 0))) * 1.1;
  const problems = (s.problems ?? []).map((p) => `<li>${esc(p.code)}: ${esc(p.message)}</li>`);
  if (s.cleanup?.status === 'failed') {
    for (const a of s.cleanup.actions.filter((x) => !x.ok)) problems.push(`<li>cleanup ${esc(a.name)} failed${a.message ? `: ${esc(a.message)}` : ''}</li>`);
  }
  return `<section class="scenario" data-testid="scenario" data-status="${esc(s.status)}">
<h2><span class="badge s-${esc(s.status)}">${esc(s.status.toUpperCase())}</span> ${esc(s.name)}</h2>
<p class="meta">${esc(scopeLine(s.tags))} · correlation id <code>${esc(s.correlationId)}</code> · ${esc(duration(s.durationMs))}</p>
${problems.length ? `<ul class="problems">${problems.join('')}</ul>` : ''}
<div class="timeline" data-testid="timeline">
${s.milestones.length === 0 ? '<p class="meta">no milestone was observed</p>' : `<div class="axis-row"><div class="axis"><span>0</span><span>${esc(duration(scale / 2))}</span><span>${esc(duration(scale))}</span></div></div>`}
${s.milestones.map((m) => milestone(m, scale)).join('\n')}
</div>
</section>`;
}

function milestone(m: MilestoneResult, scale: number): string {
  const pct = (ms: number) => `${Math.max(0, Math.min(100, (ms / scale) * 100)).toFixed(2)}%`;
  const lower = m.latencyLowerMs ?? 0;
  // Never seen: the window runs from the last look to the end of the chart.
  const upper = m.latencyUpperMs ?? scale;
  // Nothing was ever looked at (the system could not be asked): no window to draw.
  const noWindow = m.latencyLowerMs === null && m.latencyUpperMs === null;
  const bar = noWindow ? '' : `<div class="bounds s-${esc(m.status)}${m.latencyUpperMs === null ? ' open' : ''}" style="left:${pct(lower)};width:calc(${pct(upper)} - ${pct(lower)})"></div>`;
  const dot = m.latencyMs !== null ? `<div class="dot" style="left:${pct(m.latencyMs)}"></div>` : '';
  const value = m.latencyMs !== null ? `${duration(m.latencyMs)} <small>(${duration(m.latencyLowerMs)} – ${duration(m.latencyUpperMs)})</small>` : m.latencyLowerMs !== null ? `not seen <small>(after ${duration(m.latencyLowerMs)})</small>` : 'not observed';
  const reason = m.status !== 'met' ? `<p class="reason">${esc(milestoneReason(m))}</p>` : '';
  return `<div class="milestone" data-testid="milestone" data-status="${esc(m.status)}">
<div class="label">${esc(m.name)}<small>${esc(m.system)}${m.from ? ` · from ${esc(m.from)}` : ''}</small></div>
<div class="track" title="SLA ${esc(duration(m.slaMs))}"><div class="sla-zone" style="width:${pct(m.slaMs)}"></div>${bar}${dot}<div class="sla" style="left:${pct(m.slaMs)}"></div></div>
<div class="value"><span class="badge s-${esc(m.status)}">${esc(m.status)}</span> ${value} <small>SLA ${esc(duration(m.slaMs))}</small></div>
${reason}</div>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
:root{--met:#2e7d32;--ok:#2e7d32;--late:#b26a00;--warning:#b26a00;--missing:#c62828;--critical:#c62828;--error:#6a1b9a;--unknown:#6a1b9a;--ink:#1d2327;--muted:#5f6b73}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0;padding:24px;background:#f6f7f8}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:0 0 2px}.meta{color:var(--muted);margin:0 0 8px}code{font-size:12px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;vertical-align:middle}
.s-met,.s-ok{background:var(--met)}.s-late,.s-warning{background:var(--late)}.s-missing,.s-critical{background:var(--missing)}.s-error,.s-unknown{background:var(--error)}
.scenario{background:#fff;border:1px solid #dde1e4;border-radius:8px;padding:16px;margin:16px 0}
.milestone,.axis-row{display:grid;grid-template-columns:minmax(160px,22%) 1fr minmax(200px,26%);gap:4px 12px;align-items:center;margin:4px 0}
.axis{grid-column:2;display:flex;justify-content:space-between;color:var(--muted);font-size:11px;border-bottom:1px solid #dde1e4}
.label small{display:block;color:var(--muted);font-size:11px}
.track{grid-column:2;position:relative;height:18px;background:#eef0f2;border-radius:3px}
.sla-zone{position:absolute;top:0;bottom:0;left:0;background:#e3f1e4;border-radius:3px 0 0 3px}
.bounds{position:absolute;top:4px;height:10px;min-width:2px;border-radius:2px;opacity:.85}
.bounds.open{background-image:repeating-linear-gradient(45deg,rgba(255,255,255,.45) 0 4px,transparent 4px 8px)}
.dot{position:absolute;top:2px;width:2px;height:14px;margin-left:-1px;background:var(--ink)}
.sla{position:absolute;top:-3px;bottom:-3px;width:2px;margin-left:-1px;background:var(--ink);opacity:.6}
.value{grid-column:3;font-variant-numeric:tabular-nums}.value small{color:var(--muted)}
.reason{grid-column:1/-1;margin:0 0 4px;padding:4px 8px;background:#fff4f4;border-left:3px solid var(--missing);white-space:pre-wrap}
.problems{color:var(--missing);margin:4px 0 8px}
.legend{color:var(--muted);font-size:12px}.key{display:inline-block;width:14px;height:8px;margin:0 4px 0 10px;vertical-align:middle}
.bounds-key{background:var(--met)}.dot-key{width:2px;height:12px;background:var(--ink)}.sla-key{width:2px;height:12px;background:var(--ink);opacity:.6}
`;
