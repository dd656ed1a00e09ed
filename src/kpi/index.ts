import { SyncprobeError, UsageError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { parseInfluxUrl } from '../sinks/influx-url.ts';
import { evaluateKpis } from './evaluate.ts';
import { checkSince, kpiQueries, toFigures } from './queries.ts';
import { queryInflux } from './source.ts';
import { DEFAULT_TARGETS, validateTargets } from './targets.ts';
import type { KpiName, KpiReport, KpiTargets } from './types.ts';

export * from './types.ts';
export { evaluateKpis, judgeLower, judgeUpper } from './evaluate.ts';
export { kpiQueries, toFigures, checkSince } from './queries.ts';
export { DEFAULT_TARGETS, applyConfigTargets, applyTargetOverrides, validateTargets } from './targets.ts';
export { renderKpiTable, renderKpiHtml, renderKpiMarkdown } from './render.ts';

export interface ComputeKpisOptions {
  /** http(s)://[user:pass@]host:port/DATABASE */
  influx: string;
  env?: string;
  /** InfluxQL duration; default 24h. */
  since?: string;
  targets?: KpiTargets;
  /** Only these KPIs; all when absent or empty. */
  only?: readonly KpiName[];
  caPem?: string;
  timeoutMs?: number;
  /** Flag or config field the URL came from, for error messages. */
  where?: string;
}

/**
 * KPIs over a window, read from InfluxDB and judged against targets. Bad options throw a UsageError;
 * an InfluxDB that cannot be reached or refuses is a finding: a critical report with the reason.
 */
export async function computeKpis(opts: ComputeKpisOptions): Promise<KpiReport> {
  const target = parseInfluxUrl(opts.influx, opts.where ?? '--influx');
  const since = checkSince(opts.since ?? '24h');
  const targets = opts.targets ?? DEFAULT_TARGETS;
  validateTargets(targets);
  const source = { influx: target.display, since, ...(opts.env !== undefined ? { env: opts.env } : {}) };
  const computedAt = new Date().toISOString();
  let figures;
  try {
    const answers = await queryInflux(target, kpiQueries({ since, env: opts.env }, targets), { caPem: opts.caPem, timeoutMs: opts.timeoutMs });
    figures = toFigures(answers, targets);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = err instanceof SyncprobeError && err.failureClass === 'transport' ? 'kpi_source_unreachable' : 'kpi_source_failed';
    return { status: 'critical', problems: [{ code, message: redact((err as Error).message) }], source, computedAt, kpis: [] };
  }
  const { status, rows, problems } = evaluateKpis(figures, targets, opts.only);
  return { status, problems, source, computedAt, kpis: rows };
}
