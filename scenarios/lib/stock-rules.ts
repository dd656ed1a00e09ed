import type { DataMismatch, NormalizedRecord } from '../../src/engine/index.ts';

/**
 * The stock scenario's rules, without I/O. A warehouse moves stock all the time, so the scenario never
 * compares absolute figures with "baseline + delta": the ERP milestones look for the ERP's own
 * postings of our adjustment (by correlation id), and the storefront milestones accept a figure only
 * when it is the ERP on-hand right after our posting or after a later one of the same item and
 * warehouse (see docs/engine.md, "Stock adjustment").
 */

export type PostingKind = 'adjustment' | 'reversal';

/** A posting as the milestones keep it: what later rules need of it. */
export interface PostingRef {
  id: string;
  postedAt: number | null;
  balanceAfter: number | null;
}

/** A figure and when its own system last changed it (the storefront's clock for availability). */
export interface FigureRef {
  value: number;
  at: number | null;
}

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function postingRef(r: NormalizedRecord): PostingRef {
  return { id: str(r.id), postedAt: num(r.postedAt), balanceAfter: num(r.balanceAfter) };
}

/**
 * The ERP postings of our adjustment (or of its reversal) among the transactions carrying our
 * correlation id. When the ERP tells them apart (`kind` mapped to adjustment / reversal) that decides;
 * otherwise the reversal's postings are the ones not seen when the adjustment was verified.
 */
export function postingsOf(records: NormalizedRecord[], kind: PostingKind, adjustmentIds: ReadonlySet<string> = new Set()): NormalizedRecord[] {
  const typed = records.some((r) => r.kind === 'adjustment' || r.kind === 'reversal');
  if (typed) return records.filter((r) => (kind === 'reversal' ? r.kind === 'reversal' : r.kind !== 'reversal'));
  return records.filter((r) => (kind === 'reversal' ? !adjustmentIds.has(str(r.id)) : true));
}

export interface ExpectedPosting {
  item: string;
  warehouse: string;
  quantity: number;
  /** "WMS adjustment" or "reversal", for the messages. */
  what: string;
  /** The balance before (the baseline, or the adjustment's balance for the reversal): going negative from there is a finding. */
  balanceBefore?: number | null;
}

/**
 * Data accuracy of the posting(s) found: one posting, of our item, in our warehouse, of our quantity,
 * not leaving a non-negative balance negative. A balance that was already negative (corrupted earlier)
 * is not held against this run.
 */
export function checkPostings(postings: NormalizedRecord[], e: ExpectedPosting): DataMismatch[] {
  const out: DataMismatch[] = [];
  if (postings.length === 0) return out;
  if (postings.length > 1) {
    out.push({
      field: 'postings',
      expected: 1,
      actual: postings.length,
      message: `${postings.length} ERP inventory transactions (${postings.map((p) => str(p.id)).join(', ')}) for one ${e.what}: a duplicated posting, ERP on-hand of ${e.item} in ${e.warehouse} is off by ${(postings.length - 1) * e.quantity}`,
    });
  }
  const p = postings[0]!;
  const id = str(p.id);
  if (p.item !== e.item) out.push({ field: 'item', expected: e.item, actual: p.item, message: `ERP transaction ${id} posted item ${str(p.item)} for a ${e.what} of ${e.item}` });
  if (p.warehouse !== e.warehouse) out.push({ field: 'warehouse', expected: e.warehouse, actual: p.warehouse, message: `ERP transaction ${id} posted to ${str(p.warehouse)} instead of ${e.warehouse}` });
  if (p.quantity !== e.quantity) out.push({ field: 'quantity', expected: e.quantity, actual: p.quantity, message: `ERP transaction ${id} posted ${str(p.quantity)} ${e.item} in ${e.warehouse} for a ${e.what} of ${e.quantity}: expected ${e.quantity}, actual ${str(p.quantity)}` });
  const after = num(p.balanceAfter);
  const before = e.balanceBefore ?? null;
  if (after !== null && after < 0 && (before === null || before >= 0)) {
    out.push({ field: 'onHand', expected: '>= 0', actual: after, message: `ERP on-hand of ${e.item} in ${e.warehouse} is negative (${after}) after transaction ${id}${before !== null ? `; it was ${before} before` : ''}` });
  }
  return out;
}

/**
 * The on-hand balances the ERP held from `fromId` on: right after that posting, and after each later
 * posting of the ledger (one item in one warehouse, in posting order). Read from the postings'
 * balances when the ERP gives them; otherwise rebuilt backwards from the current on-hand, which must
 * not be newer than the last posting read (or a posting is missing from the ledger). Undefined when
 * the ledger does not (yet) hold `fromId` or the balances cannot be known.
 */
export function ledgerBalances(ledger: NormalizedRecord[], fromId: string, onHand?: Record<string, unknown>): number[] | undefined {
  const i = ledger.findIndex((r) => str(r.id) === fromId);
  if (i < 0) return undefined;
  const tail = ledger.slice(i);
  const given = tail.map((r) => num(r.balanceAfter));
  if (given.every((b) => b !== null)) return given as number[];
  const current = num(onHand?.onHand);
  if (current === null) return undefined;
  const lastAt = num(ledger[ledger.length - 1]!.postedAt);
  const onHandAt = num(onHand?.updatedAt);
  if (lastAt !== null && onHandAt !== null && onHandAt > lastAt) return undefined;
  const out = new Array<number>(tail.length);
  let b = current;
  for (let k = tail.length - 1; k >= 0; k--) {
    out[k] = b;
    const q = num(tail[k]!.quantity);
    if (q === null) return undefined;
    b -= q;
  }
  return out;
}

/** The figure changed since the reference reading: a newer update by its own system's clock, or another value. */
export function movedSince(r: NormalizedRecord, value: string, ref: FigureRef): boolean {
  const t = num(r.updatedAt);
  return (t !== null && ref.at !== null && t > ref.at) || r[value] !== ref.value;
}

export type AvailabilityReading = 'unchanged' | 'explained' | 'unexplained';

/**
 * One storefront reading against what the ERP held from our posting on. `explained`: it moved since the
 * reference and shows one of those balances, so our posting has reached it (possibly with later
 * ones). `unexplained`: it moved but shows none of them yet (an earlier movement published, a later
 * posting not yet read from the ledger, or a wrong figure).
 */
export function readAvailability(r: NormalizedRecord, ref: FigureRef, balances: ReadonlySet<number>): AvailabilityReading {
  if (!movedSince(r, 'available', ref)) return 'unchanged';
  const a = num(r.available);
  return a !== null && balances.has(a) ? 'explained' : 'unexplained';
}
