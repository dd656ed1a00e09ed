import { defineScenario, type Milestone, type NormalizedRecord, type ScenarioContext, type ScenarioDefinition, type DataMismatch, type Diagnosis } from '../../src/engine/index.ts';
import { classifyReason, quoteReason } from './diagnose.ts';
import { sweepSynthetic } from './sweep.ts';

export interface StockScenarioSpec {
  warehouse: string;
  item: string;
  /** Adjustment in the stocking unit; reversed afterwards. */
  quantity: number;
}

interface Baseline {
  onHand: number;
  onHandAt: number | null;
  available: number;
  availableAt: number | null;
}

const n = (v: unknown) => (typeof v === 'number' ? v : NaN);

async function readBaseline(ctx: ScenarioContext, spec: StockScenarioSpec): Promise<Baseline> {
  const [erp] = await ctx.lookup('erp', 'onHand', { item: spec.item, warehouse: spec.warehouse });
  const sf = (await ctx.lookup('storefront', 'availability', { item: spec.item, warehouse: spec.warehouse })).find((r) => r.warehouse === spec.warehouse);
  if (!erp || !sf) throw new Error(`no stock figure for ${spec.item} in ${spec.warehouse} (ERP: ${erp ? 'yes' : 'no'}, storefront: ${sf ? 'yes' : 'no'})`);
  return { onHand: n(erp.onHand), onHandAt: (erp.updatedAt as number | null) ?? null, available: n(sf.available), availableAt: (sf.updatedAt as number | null) ?? null };
}

/** A figure that moved since the reference reading (by its own system's clock, so no skew between systems). */
function changedSince(value: string, at: string, ref: () => { value: number; at: number | null } | undefined) {
  return (records: NormalizedRecord[]): NormalizedRecord | undefined => {
    const r = records[0];
    const b = ref();
    if (!r || !b) return undefined;
    const t = r[at];
    return (typeof t === 'number' && b.at !== null && t > b.at) || r[value] !== b.value ? r : undefined;
  };
}

function expectValue(field: string, expected: number, actual: unknown, what: string): DataMismatch[] {
  const out: DataMismatch[] = [];
  // A balance that was already negative (corrupted earlier) is compared as is; one going negative is the finding.
  if (typeof actual === 'number' && actual < 0 && expected >= 0) out.push({ field, expected, actual, message: `${what} is negative (${actual}); expected ${expected}` });
  else if (actual !== expected) out.push({ field, expected, actual, message: `${what} is ${String(actual)}, expected ${expected}` });
  return out;
}

async function diagnoseStock(ctx: ScenarioContext, m: Milestone, spec: StockScenarioSpec): Promise<Diagnosis | undefined> {
  const scope = { warehouse: spec.warehouse, system: m.system };
  const msgs = (await ctx.lookup('middleware', 'messages', { correlationId: ctx.correlationId })).filter((x) => x.flow === 'inventory');
  const reversal = m.name.endsWith('Reversed');
  const msg = reversal ? msgs[1] : msgs[0];
  if (msg?.status === 'dead-lettered' || (msg?.status === 'queued' && msg.reason)) {
    const reason = String(msg.reason ?? '');
    return { class: classifyReason(reason), reason: `stock for ${spec.item} in ${spec.warehouse} not updated in the ERP: middleware ${msg.status === 'queued' ? 'keeps retrying' : 'DLQ holds'} the inventory event (message ${String(msg.messageId)}) with ${quoteReason(reason)}`, scope: { ...scope, system: 'middleware' } };
  }
  const adjs = await ctx.lookup('wms', 'adjustments', { correlationId: ctx.correlationId });
  const adj = adjs.find((a) => (reversal ? a.reverses != null : a.reverses == null));
  if (adj && adj.publicationStatus === 'failed')
    return { class: classifyReason(String(adj.publicationReason ?? '')), reason: `WMS connector ${spec.warehouse} could not publish adjustment ${String(adj.adjustmentId)}: ${quoteReason(String(adj.publicationReason ?? 'no reason'))}`, scope: { ...scope, system: 'wms' } };
  if (adj && adj.publicationStatus === 'pending')
    return { class: 'business', reason: `WMS ${spec.warehouse} has not published adjustment ${String(adj.adjustmentId)} yet: inventory publication from ${spec.warehouse} is delayed`, scope: { ...scope, system: 'wms' } };
  if (!msg && m.system !== 'storefront') return { class: 'business', reason: `no inventory event from ${spec.warehouse} reached the middleware`, scope: { ...scope, system: 'middleware' } };
  return undefined;
}

/**
 * Stock adjustment in one warehouse: WMS adjustment -> ERP on-hand -> storefront availability for that
 * warehouse, quantity and location both matching; then the reversal, verified the same way. The
 * reversal is also a cleanup action, so the net stock change of any run is zero.
 */
export function stockAdjustment(spec: StockScenarioSpec): ScenarioDefinition {
  const { warehouse, item, quantity } = spec;
  const base = (ctx: ScenarioContext) => ctx.vars.baseline as Baseline | undefined;
  const milestones: Milestone[] = [
    { name: 'wms.adjusted', title: `WMS adjustment of ${quantity} ${item} in ${warehouse}`, system: 'wms', markedByStep: true },
    {
      name: 'erp.onHandUpdated',
      title: `ERP on-hand of ${item} in ${warehouse} updated`,
      system: 'erp',
      timestamp: 'updatedAt',
      poll: {
        lookup: 'onHand',
        params: () => ({ item, warehouse }),
        until: (rs, ctx) => changedSince('onHand', 'updatedAt', () => base(ctx) && { value: base(ctx)!.onHand, at: base(ctx)!.onHandAt })(rs),
      },
      check: (r, ctx) => [...expectValue('onHand', base(ctx)!.onHand + quantity, r.onHand, `ERP on-hand of ${item} in ${warehouse}`), ...(r.warehouse !== warehouse ? [{ field: 'warehouse', expected: warehouse, actual: r.warehouse, message: `on-hand posted to ${String(r.warehouse)}` }] : [])],
      capture: (r, ctx) => {
        ctx.vars.onHandAfter = { value: r.onHand, at: r.updatedAt };
      },
    },
    {
      name: 'storefront.availabilityUpdated',
      title: `storefront availability of ${item} in ${warehouse} updated`,
      system: 'storefront',
      from: 'wms.adjusted',
      timestamp: 'updatedAt',
      poll: {
        lookup: 'availability',
        params: () => ({ item, warehouse }),
        until: (rs, ctx) => changedSince('available', 'updatedAt', () => base(ctx) && { value: base(ctx)!.available, at: base(ctx)!.availableAt })(rs.filter((r) => r.warehouse === warehouse)),
      },
      check: (r, ctx) => expectValue('available', base(ctx)!.available + quantity, r.available, `storefront availability of ${item} in ${warehouse}`),
      capture: (r, ctx) => {
        ctx.vars.availableAfter = { value: r.available, at: r.updatedAt };
      },
    },
    { name: 'wms.reversed', title: `WMS reversal in ${warehouse}`, system: 'wms', markedByStep: true },
    {
      name: 'erp.onHandReversed',
      title: `ERP on-hand of ${item} in ${warehouse} back after the reversal`,
      system: 'erp',
      from: 'wms.reversed',
      timestamp: 'updatedAt',
      poll: { lookup: 'onHand', params: () => ({ item, warehouse }), until: (rs, ctx) => changedSince('onHand', 'updatedAt', () => ctx.vars.onHandAfter as { value: number; at: number | null })(rs) },
      check: (r, ctx) => expectValue('onHand', base(ctx)!.onHand, r.onHand, `ERP on-hand of ${item} in ${warehouse} after the reversal`),
    },
    {
      name: 'storefront.availabilityReversed',
      title: `storefront availability of ${item} in ${warehouse} back after the reversal`,
      system: 'storefront',
      from: 'wms.reversed',
      timestamp: 'updatedAt',
      poll: {
        lookup: 'availability',
        params: () => ({ item, warehouse }),
        until: (rs, ctx) => changedSince('available', 'updatedAt', () => ctx.vars.availableAfter as { value: number; at: number | null })(rs.filter((r) => r.warehouse === warehouse)),
      },
      check: (r, ctx) => expectValue('available', base(ctx)!.available, r.available, `storefront availability of ${item} in ${warehouse} after the reversal`),
    },
  ];
  const reverse = async (ctx: ScenarioContext): Promise<{ sentAt: number; receivedAt: number; adjustedAt: number | null } | undefined> => {
    const id = ctx.vars.adjustmentId as string | undefined;
    if (!id || ctx.vars.reversed) return undefined;
    const wms = ctx.system('wms');
    const path = (typeof wms.system.settings?.reversePath === 'string' ? wms.system.settings.reversePath : '/api/adjustments/{adjustmentId}/reverse').replace('{adjustmentId}', encodeURIComponent(id));
    const sentAt = Date.now();
    const res = await ctx.request<Record<string, unknown>>('wms', { method: 'POST', path, accept: [409] });
    const receivedAt = Date.now();
    ctx.vars.reversed = true;
    const t = typeof res.body.adjustedAt === 'string' ? Date.parse(res.body.adjustedAt) : NaN;
    return { sentAt, receivedAt, adjustedAt: Number.isFinite(t) ? t : null };
  };
  return defineScenario({
    name: `stock-adjustment/${warehouse}`,
    description: `Synthetic stock adjustment in ${warehouse} followed to the ERP and the storefront, then reversed`,
    tags: { warehouse, flow: 'inventory' },
    labels: ['stock', warehouse],
    writes: true,
    steps: [
      {
        name: 'post adjustment',
        system: 'wms',
        run: async (ctx) => {
          ctx.vars.baseline = await readBaseline(ctx, spec);
          const wms = ctx.system('wms');
          const path = typeof wms.system.settings?.adjustPath === 'string' ? wms.system.settings.adjustPath : '/api/adjustments';
          const sentAt = Date.now();
          const res = await ctx.request<Record<string, unknown>>('wms', { method: 'POST', path, body: { warehouse, item, quantity, reason: 'cycle_count', reference: ctx.reference } });
          const receivedAt = Date.now();
          ctx.vars.adjustmentId = res.body.adjustmentId;
          ctx.onCleanup('reverse adjustment', async (c) => {
            await reverse(c);
          });
          const t = typeof res.body.adjustedAt === 'string' ? Date.parse(res.body.adjustedAt) : NaN;
          ctx.mark('wms.adjusted', { sentAt, receivedAt, systemAt: Number.isFinite(t) ? t : null });
        },
      },
      {
        name: 'reverse adjustment',
        system: 'wms',
        afterMilestone: 'storefront.availabilityUpdated',
        run: async (ctx) => {
          const r = await reverse(ctx);
          if (r) ctx.mark('wms.reversed', { sentAt: r.sentAt, receivedAt: r.receivedAt, systemAt: r.adjustedAt });
        },
      },
    ],
    milestones,
    diagnose: (ctx, m) => diagnoseStock(ctx, m, spec),
    sweep: { key: 'synthetic-records', run: sweepSynthetic },
  });
}
