import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NormalizedRecord } from '../../src/engine/index.ts';
import { checkPostings, ledgerBalances, movedSince, postingsOf, readAvailability } from '../../scenarios/lib/stock-rules.ts';

const rec = (f: Record<string, unknown>): NormalizedRecord => ({ ...f, raw: f });
const tx = (id: string, quantity: number, extra: Record<string, unknown> = {}) => rec({ id, item: 'SKU-1001', warehouse: 'WH-EAST', quantity, kind: 'adjustment', postedAt: 1000, ...extra });

test('postingsOf: typed postings by kind; untyped ones by what the adjustment milestone saw', () => {
  const typed = [tx('IT-1', 5), tx('IT-2', -5, { kind: 'reversal' })];
  const untyped = [tx('IT-1', 5, { kind: 'cycle_count' }), tx('IT-2', -5, { kind: 'cycle_count' })];
  const table: Array<[string, NormalizedRecord[], 'adjustment' | 'reversal', Set<string>, string[]]> = [
    ['typed adjustment', typed, 'adjustment', new Set(), ['IT-1']],
    ['typed reversal', typed, 'reversal', new Set(), ['IT-2']],
    ['typed reversal ignores what was seen', typed, 'reversal', new Set(['IT-2']), ['IT-2']],
    ['untyped adjustment: everything under our id', untyped, 'adjustment', new Set(), ['IT-1', 'IT-2']],
    ['untyped reversal: what the adjustment milestone did not see', untyped, 'reversal', new Set(['IT-1']), ['IT-2']],
    ['untyped reversal before it is posted', untyped.slice(0, 1), 'reversal', new Set(['IT-1']), []],
    ['nothing posted', [], 'adjustment', new Set(), []],
  ];
  for (const [name, records, kind, seen, ids] of table) assert.deepEqual(postingsOf(records, kind, seen).map((r) => r.id), ids, name);
});

test('checkPostings: one posting of our item, warehouse and quantity; duplicates, conversions, wrong warehouse and a balance going negative are findings', () => {
  const e = { item: 'SKU-1001', warehouse: 'WH-EAST', quantity: 5, what: 'WMS adjustment', balanceBefore: 500 };
  const table: Array<[string, NormalizedRecord[], typeof e, string[], RegExp?]> = [
    ['our posting, whatever else moved', [tx('IT-7', 5, { balanceAfter: 512 })], e, []],
    ['reversal of our quantity', [tx('IT-8', -5, { balanceAfter: 500 })], { ...e, quantity: -5, what: 'reversal' }, []],
    ['unit conversion: 12 times the quantity', [tx('IT-7', 60)], e, ['quantity'], /posted 60 SKU-1001 in WH-EAST for a WMS adjustment of 5: expected 5, actual 60/],
    ['wrong warehouse', [tx('IT-7', 5, { warehouse: 'WH-WEST' })], e, ['warehouse'], /posted to WH-WEST instead of WH-EAST/],
    ['wrong item', [tx('IT-7', 5, { item: 'SKU-1003' })], e, ['item'], /posted item SKU-1003/],
    ['duplicated posting', [tx('IT-7', 5), tx('IT-9', 5)], e, ['postings'], /2 ERP inventory transactions \(IT-7, IT-9\) for one WMS adjustment: a duplicated posting/],
    ['balance going negative', [tx('IT-7', 5, { balanceAfter: -505 })], e, ['onHand'], /on-hand of SKU-1001 in WH-EAST is negative \(-505\) after transaction IT-7; it was 500 before/],
    ['balance already negative before: not this run', [tx('IT-7', 5, { balanceAfter: -525 })], { ...e, balanceBefore: -530 }, []],
    ['no balance given: no verdict on it', [tx('IT-7', 5)], e, []],
    ['nothing to check yet', [], e, []],
  ];
  for (const [name, postings, exp, fields, re] of table) {
    const m = checkPostings(postings, exp);
    assert.deepEqual(m.map((x) => x.field), fields, name);
    if (re) assert.match(m.map((x) => x.message).join('; '), re, name);
  }
});

test('ledgerBalances: the balances from our posting on, given by the ERP or rebuilt from the current on-hand', () => {
  const ledger = [tx('IT-1', 7, { balanceAfter: 507, postedAt: 1 }), tx('IT-2', 5, { balanceAfter: 512, postedAt: 2 }), tx('IT-3', -3, { balanceAfter: 509, postedAt: 3 })];
  const bare = ledger.map((r) => rec({ ...r, balanceAfter: undefined }));
  const table: Array<[string, NormalizedRecord[], string, Record<string, unknown> | undefined, number[] | undefined]> = [
    ['given balances from ours on', ledger, 'IT-2', undefined, [512, 509]],
    ['ours is the last posting', ledger, 'IT-3', undefined, [509]],
    ['ours not in the ledger (yet)', ledger, 'IT-9', undefined, undefined],
    ['rebuilt backwards from the on-hand', bare, 'IT-2', { onHand: 509, updatedAt: 3 }, [512, 509]],
    ['on-hand newer than the last posting read: unknown', bare, 'IT-2', { onHand: 520, updatedAt: 4 }, undefined],
    ['no on-hand: unknown', bare, 'IT-2', undefined, undefined],
    ['on-hand without a time: trusted', bare, 'IT-1', { onHand: 509 }, [507, 512, 509]],
  ];
  for (const [name, l, id, onHand, want] of table) assert.deepEqual(ledgerBalances(l, id, onHand), want, name);
});

test('readAvailability: moved since the reference and showing a balance the ERP held from our posting on', () => {
  const ref = { value: 500, at: 100 };
  const balances = new Set([505, 512]);
  const table: Array<[string, Record<string, unknown>, 'unchanged' | 'explained' | 'unexplained']> = [
    ['not updated since the reference', { available: 500, updatedAt: 100 }, 'unchanged'],
    ['our balance', { available: 505, updatedAt: 150 }, 'explained'],
    ['a later balance (another movement after ours, already published)', { available: 512, updatedAt: 160 }, 'explained'],
    ['an earlier movement published, ours not yet', { available: 507, updatedAt: 120 }, 'unexplained'],
    ['updated to the same figure: moved, but not ours', { available: 500, updatedAt: 130 }, 'unexplained'],
    ['no update time: a changed figure counts as moved', { available: 505 }, 'explained'],
    ['no update time, same figure', { available: 500 }, 'unchanged'],
  ];
  for (const [name, r, want] of table) assert.equal(readAvailability(rec(r), ref, balances), want, name);
  assert.equal(movedSince(rec({ available: 500, updatedAt: 101 }), 'available', ref), true);
  assert.equal(movedSince(rec({ available: 500, updatedAt: 99 }), 'available', ref), false);
});
