import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, step } from '../../src/alerting/hysteresis.ts';
import { DEFAULT_POLICY, type AlertPolicy, type Observation, type RunSource } from '../../src/alerting/types.ts';

const O: Record<string, Observation> = { '.': 'ok', d: 'degraded', F: 'failed' };

/** Runs a pattern like "FF.F" through one key and returns the notification kinds with their levels. */
function play(pattern: string, policy: Partial<AlertPolicy> = {}, opts: { source?: RunSource; everyMs?: number } = {}) {
  const p = { ...DEFAULT_POLICY, reminderIntervalMs: 0, ...policy };
  let s = initialState('k');
  let n = 0;
  const events: string[] = [];
  let t = 0;
  for (const ch of pattern) {
    t += opts.everyMs ?? 60_000;
    const r = step(s, { observation: O[ch]!, severity: ch === 'F' ? 'critical' : 'warning', now: t, source: opts.source ?? 'schedule', newIncidentId: () => `i${++n}` }, p);
    s = r.state;
    for (const e of r.events) events.push(`${e.kind}:${e.level}`);
  }
  return { events, state: s, incidents: n };
}

const table: Array<{ name: string; pattern: string; policy?: Partial<AlertPolicy>; expect: string[]; open: boolean; source?: RunSource }> = [
  { name: 'one blip never pages', pattern: '..F..', expect: [], open: false },
  { name: 'three failures open a failed incident', pattern: 'FFF', expect: ['trigger:failed'], open: true },
  { name: 'resolve after two successes', pattern: 'FFF..', expect: ['trigger:failed', 'resolve:ok'], open: false },
  { name: 'one success is not enough to resolve', pattern: 'FFF.F', expect: ['trigger:failed'], open: true },
  { name: 'degraded opens a degraded incident', pattern: 'ddd', expect: ['trigger:degraded'], open: true },
  { name: 'mixed bad opens degraded when failures are not consecutive enough', pattern: 'FdF', expect: ['trigger:degraded'], open: true },
  { name: 'degraded escalates to failed', pattern: 'dddFFF', expect: ['trigger:degraded', 'escalate:failed'], open: true },
  { name: 'failed de-escalates to degraded after successThreshold degraded runs', pattern: 'FFFdd', expect: ['trigger:failed', 'deescalate:degraded'], open: true },
  { name: 'alternating pass/fail never opens with threshold 3', pattern: 'F.F.F.F.F.F.', expect: [], open: false },
  { name: 'alternating pass/fail with threshold 1 opens once and never flaps', pattern: 'F.F.F.F.F.', policy: { failureThreshold: 1 }, expect: ['trigger:failed'], open: true },
  { name: 'threshold 1 / 1 resolves on the first success', pattern: 'F.', policy: { failureThreshold: 1, successThreshold: 1 }, expect: ['trigger:failed', 'resolve:ok'], open: false },
  { name: 'sendOnResolved false closes silently', pattern: 'FFF..', policy: { sendOnResolved: false }, expect: ['trigger:failed'], open: false },
  { name: 'CI runs never notify nor change state', pattern: 'FFFFFF', source: 'ci', expect: [], open: false },
];

for (const row of table) {
  test(`hysteresis: ${row.name}`, () => {
    const r = play(row.pattern, row.policy, { source: row.source });
    assert.deepEqual(r.events, row.expect);
    assert.equal(r.state.incident !== null, row.open);
  });
}

test('hysteresis: alternating pass/fail on one key gives at most one incident over a long run', () => {
  for (const failureThreshold of [1, 2, 3]) {
    const r = play('F.'.repeat(50), { failureThreshold, successThreshold: 2 });
    assert.ok(r.incidents <= 1, `threshold ${failureThreshold}: ${r.incidents} incidents`);
    assert.equal(r.events.filter((e) => e.startsWith('trigger')).length, r.incidents);
  }
});

test('hysteresis: reminders repeat at the interval while open, not before', () => {
  // one observation per minute, reminder every 5 minutes
  const r = play('FFF' + 'F'.repeat(11), { reminderIntervalMs: 5 * 60_000 });
  assert.deepEqual(r.events, ['trigger:failed', 'reminder:failed', 'reminder:failed']);
});

test('hysteresis: a new incident gets a new id after a resolve', () => {
  const r = play('FFF..FFF');
  assert.equal(r.incidents, 2);
  assert.equal(r.state.incident?.id, 'i2');
});
