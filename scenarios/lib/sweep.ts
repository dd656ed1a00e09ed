import type { SweepContext, SweepReport } from '../../src/engine/index.ts';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * Orphan sweep at the start of a run: synthetic orders not cancelled and adjustments not reversed,
 * older than the threshold (left by an interrupted run or a late delivery), or carrying the
 * correlation id of a run known to have been interrupted, are undone. Needs the
 * 'housekeeping' lookups syntheticOrders / syntheticAdjustments; without them it says so.
 */
export async function sweepSynthetic(ctx: SweepContext): Promise<SweepReport> {
  const report: SweepReport = { found: 0, cleaned: 0, problems: [] };
  let hk;
  try {
    hk = ctx.system('housekeeping');
  } catch {
    hk = undefined;
  }
  if (!hk) {
    report.problems.push({ code: 'sweep_not_configured', message: "no 'housekeeping' system with syntheticOrders/syntheticAdjustments lookups: orphans are not swept" });
    return report;
  }
  const cutoff = Date.now() - ctx.olderThanMs;
  // Old enough to be nobody's run in progress, or placed by a run known to have been interrupted.
  const due = (t: unknown, correlationId: unknown) => (typeof t === 'number' && t <= cutoff) || (ctx.correlationIds?.has(str(correlationId)) ?? false);
  const orders = (await ctx.lookup('housekeeping', 'syntheticOrders', {})).filter((o) => due(o.createdAt, o.correlationId) && o.status !== 'cancelled');
  const adjustments = (await ctx.lookup('housekeeping', 'syntheticAdjustments', {})).filter((a) => due(a.adjustedAt, a.correlationId));
  report.found = orders.length + adjustments.length;
  const erp = ctx.system('erp');
  const cancelPath = str(erp.system.settings?.cancelPath) || '/api/sales-orders/{orderNumber}/cancel';
  for (const o of orders) {
    try {
      await erp.request({ method: 'POST', path: cancelPath.replace('{orderNumber}', encodeURIComponent(str(o.orderNumber))), correlationId: str(o.correlationId) || undefined, signal: ctx.signal });
      report.cleaned++;
    } catch (err) {
      report.problems.push({ code: 'sweep_cancel_failed', message: `could not cancel orphaned order ${str(o.orderNumber)}: ${(err as Error).message}` });
    }
  }
  const wms = ctx.system('wms');
  const reversePath = str(wms.system.settings?.reversePath) || '/api/adjustments/{adjustmentId}/reverse';
  for (const a of adjustments) {
    try {
      await wms.request({ method: 'POST', path: reversePath.replace('{adjustmentId}', encodeURIComponent(str(a.adjustmentId))), correlationId: str(a.correlationId) || undefined, signal: ctx.signal, accept: [409] });
      report.cleaned++;
    } catch (err) {
      report.problems.push({ code: 'sweep_reverse_failed', message: `could not reverse orphaned adjustment ${str(a.adjustmentId)}: ${(err as Error).message}` });
    }
  }
  if (report.found) ctx.log(`swept ${report.cleaned} of ${report.found} orphaned synthetic record(s)`);
  return report;
}
