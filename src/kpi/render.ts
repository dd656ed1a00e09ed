import type { KpiReport, KpiRow } from './types.ts';

/** Fragments for reports and the status page: a markdown table and an HTML table (escaped). */
const fmt = (r: KpiRow) => (r.value === null ? 'no data' : r.unit === '%' ? `${r.value}%` : `${Math.round(r.value)} ms`);

export function renderKpiMarkdown(report: KpiReport): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `KPIs ${report.source.env ? `for ${report.source.env} ` : ''}over the last ${report.source.since}: **${report.status}**`,
    '',
    '| KPI | scope | value | target | samples | status | reason |',
    '|---|---|---|---|---|---|---|',
    ...report.kpis.map((r) => `| ${r.kpi} | ${cell(r.scope)} | ${fmt(r)} | ${cell(r.target)} | ${r.samples} | ${r.status} | ${cell(r.reason ?? '')} |`),
  ];
  if (!report.kpis.length) lines.push(...report.problems.map((p) => `| - | - | - | - | 0 | ${report.status} | ${cell(p.message)} |`));
  return lines.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A self-contained <table class="kpis"> with one row per KPI scope; each row carries class="status-<status>". */
export function renderKpiHtml(report: KpiReport): string {
  const body = report.kpis.length
    ? report.kpis.map((r) => `<tr class="status-${r.status}"><td>${esc(r.kpi)}</td><td>${esc(r.scope)}</td><td>${esc(fmt(r))}</td><td>${esc(r.target)}</td><td>${r.samples}</td><td>${esc(r.status)}</td><td>${esc(r.reason ?? '')}</td></tr>`)
    : report.problems.map((p) => `<tr class="status-${report.status}"><td colspan="5">${esc(p.message)}</td><td>${esc(report.status)}</td><td></td></tr>`);
  return [
    `<table class="kpis" data-status="${report.status}">`,
    `<caption>KPIs ${report.source.env ? `for ${esc(report.source.env)} ` : ''}over the last ${esc(report.source.since)}: ${esc(report.status)}</caption>`,
    '<thead><tr><th>KPI</th><th>scope</th><th>value</th><th>target</th><th>samples</th><th>status</th><th>reason</th></tr></thead>',
    `<tbody>${body.join('')}</tbody>`,
    '</table>',
  ].join('\n');
}

/** The table for a report or the status page: markdown by default, HTML on request. */
export function renderKpiTable(report: KpiReport, format: 'markdown' | 'html' = 'markdown'): string {
  return format === 'html' ? renderKpiHtml(report) : renderKpiMarkdown(report);
}
