import { defineScenario, type Milestone, type NormalizedRecord, type ScenarioContext, type ScenarioDefinition, type Diagnosis } from '../../src/engine/index.ts';
import { classifyReason, quoteReason } from './diagnose.ts';
import { checkPostings, ledgerBalances, postingRef, postingsOf, readAvailability, type FigureRef, type PostingKind, type PostingRef } from './stock-rules.ts';
import { sweepSynthetic } from './sweep.ts';

export interface StockScenarioSpec {
  warehouse: string;
  item: string;
  /** Adjustment in the stocking unit; reversed afterwards. */
  quantity: number;
}

interface Baseline {
  onHand: number;
  available: number;
  availableAt: number | null;
}

/**
 * What the storefront may show once one of our postings has reached it: the ERP balance right after
 * that posting and after every later posting of the item in the warehouse, as far as read. The ledger
 * is read only when the storefront shows a figure not explained yet, once per storefront state, and
 * that reading is then judged against it: the ledger read after a storefront reading holds every
 * posting that reading can reflect, so a warehouse that keeps moving cannot outrun the check.
 */
interface LedgerView {
  posting: PostingRef;
  balances: Set<number>;
  reading?: Promise<void>;
  readFor?: string;
  /** A storefront reading found to reflect our posting once the ledger was read. */
  confirmed?: NormalizedRecord;
}

const n = (v: unknown) => (typeof v === 'number' ? v : NaN);
const LEDGER = { adjustment: 'ledger', reversal: 'reversalLedger' } as const;

async function readBaseline(ctx: ScenarioContext, spec: StockScenarioSpec): Promise<Baseline> {
  const [erp] = await ctx.lookup('erp', 'onHand', { item: spec.item, warehouse: spec.warehouse });
  const sf = (await ctx.lookup('storefront', 'availability', { item: spec.item, warehouse: spec.warehouse })).find((r) => r.warehouse === spec.warehouse);
  if (!erp || !sf) throw new Error(`no stock figure for ${spec.item} in ${spec.warehouse} (ERP: ${erp ? 'yes' : 'no'}, storefront: ${sf ? 'yes' : 'no'})`);
  return { onHand: n(erp.onHand), available: n(sf.available), availableAt: (sf.updatedAt as number | null) ?? null };
}

/**
 * ERP balances held from `posting` on: every one, from the ERP's `inventoryLedger` lookup (rebuilt
 * from its `onHand` when the postings carry no balance); without a ledger only the current on-hand,
 * which holds our posting since that was already seen in the ERP.
 */
async function readBalances(ctx: ScenarioContext, spec: StockScenarioSpec, posting: PostingRef): Promise<{ balances: number[]; complete: boolean }> {
  const params = { item: spec.item, warehouse: spec.warehouse };
  if (ctx.system('erp').system.lookups.inventoryLedger && posting.postedAt !== null) {
    const ledger = await ctx.lookup('erp', 'inventoryLedger', { ...params, since: new Date(posting.postedAt).toISOString() });
    const onHand = ledger.every((r) => typeof r.balanceAfter === 'number') ? undefined : (await ctx.lookup('erp', 'onHand', params))[0];
    const balances = ledgerBalances(ledger, posting.id, onHand);
    if (balances) return { balances, complete: true };
  }
  const [now] = await ctx.lookup('erp', 'onHand', params);
  return { balances: typeof now?.onHand === 'number' ? [now.onHand] : [], complete: false };
}

function openLedger(ctx: ScenarioContext, kind: PostingKind, posting: PostingRef): void {
  const view: LedgerView = { posting, balances: new Set(posting.balanceAfter !== null ? [posting.balanceAfter] : []) };
  ctx.vars[LEDGER[kind]] = view;
}

/** Storefront condition: moved since `ref` and showing a balance the ERP held from our posting on. */
function availabilityShows(ctx: ScenarioContext, spec: StockScenarioSpec, kind: PostingKind, ref: FigureRef | undefined, rs: NormalizedRecord[]): NormalizedRecord | undefined {
  const view = ctx.vars[LEDGER[kind]] as LedgerView | undefined;
  const r = rs.find((x) => x.warehouse === spec.warehouse);
  if (!r || !view || !ref) return undefined;
  const reading = readAvailability(r, ref, view.balances);
  if (reading === 'explained') return r;
  if (view.confirmed) return view.confirmed;
  if (reading === 'unexplained') {
    // The poll interface is synchronous: the ledger is read alongside, and the next poll reports the outcome.
    const state = `${String(r.available)}@${String(r.updatedAt)}`;
    if (!view.reading && view.readFor !== state) {
      view.reading = readBalances(ctx, spec, view.posting)
        .then(({ balances }) => {
          for (const x of balances) view.balances.add(x);
          view.readFor = state;
          if (readAvailability(r, ref, view.balances) === 'explained') view.confirmed = r;
        })
        .catch((err: unknown) => ctx.log(`ERP ledger of ${spec.item} in ${spec.warehouse} could not be read: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          view.reading = undefined;
        });
    }
  }
  return undefined;
}

async function diagnoseAvailability(ctx: ScenarioContext, spec: StockScenarioSpec, m: Milestone): Promise<Diagnosis | undefined> {
  const kind: PostingKind = m.name.endsWith('Reversed') ? 'reversal' : 'adjustment';
  const view = ctx.vars[LEDGER[kind]] as LedgerView | undefined;
  const ref = kind === 'reversal' ? (ctx.vars.availableAfter as FigureRef | undefined) : refOf(ctx.vars.baseline as Baseline | undefined);
  if (!view || !ref) return undefined;
  await view.reading;
  const sf = (await ctx.lookup('storefront', 'availability', { item: spec.item, warehouse: spec.warehouse })).find((r) => r.warehouse === spec.warehouse);
  if (!sf) return undefined;
  const { balances, complete } = await readBalances(ctx, spec, view.posting);
  for (const b of balances) view.balances.add(b);
  if (readAvailability(sf, ref, view.balances) !== 'unexplained') return undefined;
  const held = [...view.balances].join(', ') || 'unknown';
  const shows = `storefront availability of ${spec.item} in ${spec.warehouse} is ${String(sf.available)}${typeof sf.updatedAt === 'number' ? ` (updated ${new Date(sf.updatedAt).toISOString()})` : ''}`;
  const posting = `${kind === 'reversal' ? 'the reversal' : 'the adjustment'} (transaction ${view.posting.id}`;
  // Only the whole ledger tells a wrong figure from one the ERP held between two readings.
  if (!complete)
    return { class: 'business', reason: `${shows}, not an ERP on-hand seen at or after ${posting}; seen: ${held}); without an ERP stock ledger (lookup inventoryLedger) a storefront lagging behind the ERP cannot be told from a wrong figure`, scope: { warehouse: spec.warehouse, system: 'storefront' } };
  return { class: 'data', reason: `${shows}, which is no ERP on-hand at or after ${posting}; the ERP has held ${held} since)`, scope: { warehouse: spec.warehouse, system: 'storefront' } };
}

async function diagnoseStock(ctx: ScenarioContext, m: Milestone, spec: StockScenarioSpec): Promise<Diagnosis | undefined> {
  const scope = { warehouse: spec.warehouse, system: m.system };
  if (m.system === 'storefront') {
    const d = await diagnoseAvailability(ctx, spec, m);
    if (d) return d;
  }
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

const refOf = (b: Baseline | undefined): FigureRef | undefined => b && { value: b.available, at: b.availableAt };

/**
 * Stock adjustment in one warehouse: WMS adjustment -> the ERP's posting of it -> storefront
 * availability for that warehouse reflecting it; then the reversal, verified the same way. The
 * reversal is also a cleanup action, so the net stock change of any run is zero. Other stock
 * movements of the same item and warehouse during the run are not findings: the ERP milestones look
 * at our own postings (by correlation id), the storefront ones at the ERP's balances from our posting on.
 */
export function stockAdjustment(spec: StockScenarioSpec): ScenarioDefinition {
  const { warehouse, item, quantity } = spec;
  const base = (ctx: ScenarioContext) => ctx.vars.baseline as Baseline | undefined;
  const adjustmentIds = (ctx: ScenarioContext) => (ctx.vars.adjustmentPostingIds as Set<string> | undefined) ?? new Set<string>();
  const posting = (kind: PostingKind): Milestone['poll'] => ({
    lookup: 'inventoryTransactions',
    params: (ctx) => ({ correlationId: ctx.correlationId }),
    until: (rs, ctx) => {
      const found = postingsOf(rs, kind, adjustmentIds(ctx));
      // Kept so the reversal's postings can be told apart when the ERP does not type them.
      if (kind === 'adjustment' && found.length) ctx.vars.adjustmentPostingIds = new Set(found.map((r) => String(r.id)));
      return found[0];
    },
  });
  const milestones: Milestone[] = [
    { name: 'wms.adjusted', title: `WMS adjustment of ${quantity} ${item} in ${warehouse}`, system: 'wms', markedByStep: true },
    {
      name: 'erp.onHandUpdated',
      title: `ERP posting of the adjustment of ${quantity} ${item} in ${warehouse}`,
      system: 'erp',
      timestamp: 'postedAt',
      poll: posting('adjustment'),
      check: (_r, ctx, all) => checkPostings(postingsOf(all, 'adjustment'), { item, warehouse, quantity, what: 'WMS adjustment', balanceBefore: base(ctx)?.onHand }),
      capture: (r, ctx) => {
        const ref = postingRef(r);
        ctx.vars.adjustmentPosting = ref;
        openLedger(ctx, 'adjustment', ref);
      },
    },
    {
      name: 'storefront.availabilityUpdated',
      title: `storefront availability of ${item} in ${warehouse} reflecting the adjustment`,
      system: 'storefront',
      from: 'wms.adjusted',
      timestamp: 'updatedAt',
      poll: {
        lookup: 'availability',
        params: () => ({ item, warehouse }),
        until: (rs, ctx) => availabilityShows(ctx, spec, 'adjustment', refOf(base(ctx)), rs),
      },
      capture: (r, ctx) => {
        ctx.vars.availableAfter = { value: n(r.available), at: typeof r.updatedAt === 'number' ? r.updatedAt : null } satisfies FigureRef;
      },
    },
    { name: 'wms.reversed', title: `WMS reversal in ${warehouse}`, system: 'wms', markedByStep: true },
    {
      name: 'erp.onHandReversed',
      title: `ERP posting of the reversal of ${quantity} ${item} in ${warehouse}`,
      system: 'erp',
      from: 'wms.reversed',
      timestamp: 'postedAt',
      poll: posting('reversal'),
      check: (_r, ctx, all) => {
        const before = (ctx.vars.adjustmentPosting as PostingRef | undefined)?.balanceAfter ?? base(ctx)?.onHand;
        return checkPostings(postingsOf(all, 'reversal', adjustmentIds(ctx)), { item, warehouse, quantity: -quantity, what: 'reversal', balanceBefore: before });
      },
      capture: (r, ctx) => openLedger(ctx, 'reversal', postingRef(r)),
    },
    {
      name: 'storefront.availabilityReversed',
      title: `storefront availability of ${item} in ${warehouse} reflecting the reversal`,
      system: 'storefront',
      from: 'wms.reversed',
      timestamp: 'updatedAt',
      poll: {
        lookup: 'availability',
        params: () => ({ item, warehouse }),
        until: (rs, ctx) => availabilityShows(ctx, spec, 'reversal', ctx.vars.availableAfter as FigureRef | undefined, rs),
      },
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
    description: `Synthetic stock adjustment in ${warehouse} followed to the ERP's posting and the storefront, then reversed`,
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
