import type { MilestoneResult, ScenarioResult } from '../core/result.ts';
import type { CheckDocument, Status } from '../core/status.ts';
import { worst } from '../core/status.ts';
import { redact } from '../core/redact.ts';
import type { DaemonSnapshot, ProbeState } from '../scheduler/index.ts';

/**
 * The status page, rendered on the server from a daemon snapshot: pure string building, so the
 * page works without JavaScript and a test can render a snapshot without a daemon. The script in
 * the page only swaps in a fresh <main> every few seconds.
 */

const esc = (v: unknown): string =>
  redact(String(v ?? '')).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STATUS_LABEL: Record<Status, string> = { ok: 'OK', warning: 'Degraded', critical: 'Failing', unknown: 'Unknown' };
const MILESTONE_STATUS: Record<MilestoneResult['status'], Status> = { met: 'ok', late: 'warning', missing: 'critical', error: 'critical' };

function badge(status: Status, testid?: string): string {
  return `<span class="badge ${status}"${testid ? ` data-testid="${esc(testid)}"` : ''}>${STATUS_LABEL[status]}</span>`;
}

function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 0) return `in ${fmtDuration(-s * 1000)}`;
  return `${fmtDuration(s * 1000)} ago`;
}

export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

function probeStatus(p: ProbeState): Status {
  return p.lastRun?.status ?? 'unknown';
}

/** One horizontal bar per milestone: the bounds the true time lies in, against the SLA. */
function timeline(s: ScenarioResult): string {
  const scale = Math.max(1, ...s.milestones.map((m) => Math.max(m.slaMs, m.latencyUpperMs ?? 0, m.latencyLowerMs ?? 0)));
  const pct = (v: number) => `${Math.min(100, (v / scale) * 100).toFixed(2)}%`;
  const rows = s.milestones.map((m) => {
    const st = MILESTONE_STATUS[m.status];
    const lower = m.latencyLowerMs ?? 0;
    const upper = m.latencyUpperMs ?? (m.status === 'missing' ? scale : lower);
    const figure =
      m.latencyMs != null
        ? `${fmtDuration(m.latencyMs)}${m.latencyLowerMs != null && m.latencyUpperMs != null ? ` (${fmtDuration(m.latencyLowerMs)}–${fmtDuration(m.latencyUpperMs)})` : ''}`
        : m.status;
    return `<li class="ms ${st}" data-testid="milestone" data-milestone="${esc(m.name)}" data-status="${esc(m.status)}"${m.observedBy ? ` data-observed-by="${esc(m.observedBy)}"` : ''}>
      <span class="ms-name">${esc(m.name)}<small>${esc(m.system)}${m.observedBy === 'webhook' ? ' · by webhook' : ''}</small></span>
      <span class="track" title="SLA ${esc(fmtDuration(m.slaMs))}">
        <span class="bar" style="left:${pct(lower)};width:calc(${pct(Math.max(upper - lower, 0))} + 3px)"></span>
        <span class="sla" style="left:${pct(m.slaMs)}"></span>
      </span>
      <span class="ms-fig">${esc(figure)} <small>/ SLA ${esc(fmtDuration(m.slaMs))}</small></span>
      ${m.failure ? `<span class="reason" data-testid="milestone-reason">${esc(m.failure.class)}: ${esc(m.failure.reason)}</span>` : ''}
    </li>`;
  });
  return `<ol class="timeline">${rows.join('')}</ol>`;
}

function transaction(s: ScenarioResult, now: number): string {
  const tags = Object.entries(s.tags)
    .filter(([k, v]) => v && ['channel', 'warehouse', 'environment'].includes(k))
    .map(([k, v]) => `<span class="tag">${esc(k)}: ${esc(v)}</span>`)
    .join('');
  const met = s.milestones.filter((m) => m.status === 'met').length;
  // Healthy transactions fold to one line; a failing one opens so its reason is in view.
  return `<details class="txn ${s.status}" data-testid="transaction" data-scenario="${esc(s.name)}" data-key="${esc(`${s.name} ${s.correlationId}`)}"${s.status === 'ok' ? '' : ' open'}>
    <summary>${badge(s.status)} <strong>${esc(s.name)}</strong> ${tags}
      <span class="muted">${met}/${s.milestones.length} milestones met · ${esc(ago(s.startedAt, now))} · ${esc(fmtDuration(s.durationMs))} · <code>${esc(s.correlationId)}</code>${
        s.cleanup ? ` · cleanup ${esc(s.cleanup.status)}` : ''
      }</span></summary>
    ${timeline(s)}
  </details>`;
}

function checkFigures(doc: CheckDocument | undefined): string {
  if (!doc) return '';
  const parts: string[] = [];
  if (typeof doc.daysLeft === 'number') parts.push(`certificate expires in <strong>${esc(Math.floor(doc.daysLeft))} days</strong>`);
  if (typeof doc.notAfter === 'string') parts.push(`not after ${esc(doc.notAfter)}`);
  if (typeof doc.expiresIn === 'number') parts.push(`token lifetime ${esc(fmtDuration(doc.expiresIn * 1000))}`);
  if (typeof doc.acquireMs === 'number') parts.push(`acquired in ${esc(Math.round(doc.acquireMs))} ms`);
  if (typeof doc.secretDaysLeft === 'number') parts.push(`client secret expires in ${esc(Math.floor(doc.secretDaysLeft))} days`);
  return parts.length ? `<div class="figures">${parts.join(' · ')}</div>` : '';
}

function probeCard(p: ProbeState, now: number): string {
  const status = probeStatus(p);
  const skipped = Object.entries(p.skipped).filter(([, n]) => n > 0);
  const failing = p.lastRun?.results.filter((r) => r.status !== 'ok') ?? [];
  const check = p.lastRun?.check;
  return `<article class="probe ${status}" data-testid="probe" data-probe="${esc(p.name)}" data-status="${esc(status)}">
    <header>${badge(status, `probe-status-${p.name}`)} <strong>${esc(p.name)}</strong>
      <span class="muted">${esc(p.kind)} ${esc(p.target)} · ${esc(p.environment)}${p.writes ? ' · writes' : ''}</span></header>
    <dl>
      <dt>last run</dt><dd>${p.running ? '<em>running now</em>' : esc(ago(p.lastRun?.finishedAt, now))}${
        p.lastRun ? ` (${esc(fmtDuration(p.lastRun.durationMs))}${p.lastRun.timedOut ? ', timed out' : ''})` : ''
      }</dd>
      <dt>next run</dt><dd>${esc(ago(p.nextRunAt, now))}</dd>
      <dt>runs</dt><dd>${p.runs} · ${p.timeouts} timed out · ${p.missed} missed${
        skipped.length ? ` · skipped ${skipped.map(([r, n]) => `${esc(n)} ${esc(r.replace('_', ' '))}`).join(', ')}` : ''
      }</dd>
    </dl>
    ${checkFigures(check)}
    ${failing.length ? `<ul class="failing">${failing.slice(0, 4).map((r) => `<li>${esc(r.milestone)} <span class="muted">${esc(r.scope)}</span>: ${esc(r.reason ?? r.status)}</li>`).join('')}</ul>` : ''}
  </article>`;
}

function alertsTable(s: DaemonSnapshot, now: number): string {
  if (!s.openAlerts.length) return '<p class="quiet" data-testid="no-alerts">No open alerts.</p>';
  const order = { critical: 0, warning: 1, info: 2 } as const;
  const rows = [...s.openAlerts]
    .sort((a, b) => order[a.severity] - order[b.severity] || a.openedAt.localeCompare(b.openedAt))
    .map(
      (a) => `<tr data-testid="alert" data-severity="${esc(a.severity)}">
      <td><span class="sev ${esc(a.severity)}">${esc(a.severity)}</span></td>
      <td>${esc(a.scope)}</td><td>${esc(a.probe)}</td><td>${esc(a.milestone)}</td>
      <td>${esc(a.level)}</td><td>${esc(ago(a.openedAt, now))}</td><td>${esc(a.reason ?? '')}</td></tr>`,
    );
  return `<table class="alerts"><thead><tr><th>severity</th><th>scope</th><th>probe</th><th>milestone</th><th>state</th><th>opened</th><th>reason</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Fault switches of an embedded sandbox (demo): what is on, and presets a person can switch on. */
export interface FaultPanel {
  active: string[];
  presets: string[];
}

function faultPanel(f: FaultPanel): string {
  const on = new Set(f.active);
  const buttons = f.presets
    .map((p) => `<button name="spec" value="${esc(p)}"${on.has(p) ? ' disabled' : ''} data-testid="fault-${esc(p)}">${esc(p)}</button>`)
    .join('');
  return `<section class="faults" data-testid="faults">
    <form method="post" action="faults">Inject a fault into the sandbox: ${buttons}</form>
    <form method="post" action="faults/clear"><span data-testid="active-faults">${f.active.length ? `active: ${f.active.map((a) => `<code>${esc(a)}</code>`).join(' ')}` : 'no fault active'}</span>
      ${f.active.length ? '<button data-testid="clear-faults">Clear all faults</button>' : ''}</form>
  </section>`;
}

/** The inner part of the page; the page script re-fetches only this. */
export function renderMain(s: DaemonSnapshot, now = Date.now(), faults?: FaultPanel, kpiHtml?: string): string {
  const overall = s.probes.length ? worst(...s.probes.map(probeStatus)) : 'unknown';
  // The latest transaction of each scenario probe, failing ones first.
  const rank: Record<Status, number> = { critical: 0, unknown: 1, warning: 2, ok: 3 };
  const txns = s.probes
    .flatMap((p) => p.lastTransactions.slice(0, 1))
    .sort((a, b) => rank[a.status] - rank[b.status] || b.startedAt.localeCompare(a.startedAt));
  const backlog = s.sinks.reduce((n, x) => n + x.pending + x.spooled, 0);
  return `<main data-testid="status-main">
  <section class="summary">
    <div>${badge(overall, 'overall-status')}</div>
    <div><strong>${s.probes.filter((p) => probeStatus(p) === 'ok').length}</strong> of ${s.probes.length} probes OK</div>
    <div><strong data-testid="open-alert-count">${s.openAlerts.length}</strong> open alerts</div>
    <div>${s.running} running</div>
    <div>sink backlog <strong>${backlog}</strong> points${s.sinks.some((x) => x.deadLettered) ? ` · ${s.sinks.reduce((n, x) => n + x.deadLettered, 0)} dead-lettered` : ''}</div>
    ${s.killSwitch.on ? `<div class="kill" data-testid="kill-switch">Kill switch on: write probes paused${s.killSwitch.reason ? ` (${esc(s.killSwitch.reason)})` : ''}</div>` : ''}
  </section>
  ${faults ? faultPanel(faults) : ''}
  <h2>Open alerts</h2>
  ${alertsTable(s, now)}
  ${kpiHtml ? `<h2>KPIs</h2><div class="kpi-wrap" data-testid="kpis">${kpiHtml}</div>` : ''}
  <h2>Probes</h2>
  <div class="probes">${s.probes.map((p) => probeCard(p, now)).join('')}</div>
  <h2>Last transactions</h2>
  ${txns.length ? txns.map((t) => transaction(t, now)).join('') : '<p class="quiet">No transaction has run yet.</p>'}
  <footer class="muted">updated <time data-testid="updated-at" datetime="${new Date(now).toISOString()}">${esc(new Date(now).toISOString().slice(11, 19))} UTC</time></footer>
</main>`;
}

const CSS = `
:root{--ok:#1a7f37;--warning:#b26b00;--critical:#c62828;--unknown:#6e7781;--bg:#f6f8fa;--fg:#1f2328;--muted:#656d76}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
.top{background:#0d1117;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:baseline}.top h1{font-size:18px;margin:0}
main{padding:12px 20px;max-width:1400px}h2{font-size:15px;margin:22px 0 8px}
.summary{display:flex;flex-wrap:wrap;gap:18px;align-items:center;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 14px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;font-size:12px}
.badge.ok{background:var(--ok)}.badge.warning{background:var(--warning)}.badge.critical{background:var(--critical)}.badge.unknown{background:var(--unknown)}
.kill{color:#fff;background:var(--critical);padding:2px 10px;border-radius:6px}
.probes{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:10px}
.probe,.txn{background:#fff;border:1px solid #d0d7de;border-left:5px solid var(--unknown);border-radius:8px;padding:8px 12px}
.probe.ok{border-left-color:var(--ok)}.probe.warning{border-left-color:var(--warning)}.probe.critical{border-left-color:var(--critical)}
.probe dl{display:grid;grid-template-columns:80px 1fr;margin:6px 0;gap:2px 8px}.probe dt{color:var(--muted)}.probe dd{margin:0}
.failing{margin:4px 0 0;padding-left:18px;color:var(--critical)}.figures{margin-top:4px}
.muted,small{color:var(--muted)}.quiet{color:var(--muted);font-style:italic}.tag{background:#eaeef2;border-radius:4px;padding:0 6px;margin-left:4px;font-size:12px}
.txn{margin-bottom:8px;display:block}.txn summary{cursor:pointer;margin-bottom:4px}.txn.ok{border-left-color:var(--ok)}.txn.warning{border-left-color:var(--warning)}.txn.critical{border-left-color:var(--critical)}
.timeline{list-style:none;margin:0;padding:0}.ms{display:grid;grid-template-columns:230px 1fr 230px;gap:8px;align-items:center;padding:2px 0}
.ms-name small{display:block;font-size:11px}.track{position:relative;height:10px;background:#eaeef2;border-radius:5px}
.bar{position:absolute;top:0;height:10px;border-radius:5px;background:var(--ok)}.ms.warning .bar{background:var(--warning)}.ms.critical .bar{background:var(--critical);opacity:.45}
.sla{position:absolute;top:-3px;width:2px;height:16px;background:#0d1117}
.reason{grid-column:1/-1;color:var(--critical);padding-left:12px}
table.alerts{border-collapse:collapse;width:100%;background:#fff}table.alerts th,table.alerts td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
.sev{font-weight:700;text-transform:uppercase;font-size:12px}.sev.critical{color:var(--critical)}.sev.warning{color:var(--warning)}.sev.info{color:var(--muted)}
footer{margin:20px 0}
.faults{margin-top:10px;background:#fff8e5;border:1px solid #e3c97a;border-radius:8px;padding:8px 14px;display:flex;flex-direction:column;gap:6px}
.faults button{margin:2px 4px;font:inherit;font-size:12px;padding:2px 8px;border-radius:6px;border:1px solid #b26b00;background:#fff;cursor:pointer}
.faults button:disabled{opacity:.5;cursor:default}
table.kpis{border-collapse:collapse;background:#fff;width:100%}table.kpis th,table.kpis td{border-bottom:1px solid #d0d7de;padding:3px 8px;text-align:left}
table.kpis tr.status-critical td{color:var(--critical)}table.kpis tr.status-warning td{color:var(--warning)}table.kpis tr.status-unknown td{color:var(--muted)}`;

export function renderPage(s: DaemonSnapshot, opts: { title?: string; refreshMs?: number; now?: number; faults?: FaultPanel; kpiHtml?: string } = {}): string {
  const refresh = opts.refreshMs ?? 3000;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(opts.title ?? 'syncprobe status')}</title><style>${CSS}</style></head>
<body><div class="top"><h1>${esc(opts.title ?? 'syncprobe status')}</h1><span class="muted">synthetic transactions, contracts, certificates and tokens</span></div>
${renderMain(s, opts.now, opts.faults, opts.kpiHtml)}
<script>
setInterval(async () => {
  try {
    const r = await fetch('fragment', { cache: 'no-store' });
    if (!r.ok) return;
    const next = new DOMParser().parseFromString(await r.text(), 'text/html').querySelector('main');
    if (!next) return;
    // Keep what the reader folded or unfolded.
    for (const d of document.querySelectorAll('details[data-key]')) {
      const same = next.querySelector('details[data-key="' + CSS.escape(d.dataset.key) + '"]');
      if (same) same.open = d.open;
    }
    document.querySelector('main').replaceWith(next);
  } catch {}
}, ${refresh});
</script></body></html>`;
}
