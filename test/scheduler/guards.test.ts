import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gate, inMaintenance, readKillSwitch, type MaintenanceWindow } from '../../src/scheduler/guards.ts';
import { probe } from './support.ts';

const now = Date.parse('2026-12-03T02:30:00Z');
const write = probe({ name: 'orders', systems: ['erp', 'middleware'], environment: 'prod' });
const read = probe({ name: 'tls', scenario: undefined, check: { type: 'tls' }, systems: ['erp'], environment: 'prod' });
const off = { on: false };
const on = { on: true, reason: 'SYNCPROBE_KILL_SWITCH=1' };
const erpWindow: MaintenanceWindow = { start: '2026-12-03T02:00:00Z', end: '2026-12-03T04:00:00Z', systems: ['erp'], reason: 'ERP upgrade' };

const rows: Array<[string, Parameters<typeof gate>[0], Partial<Parameters<typeof gate>[1]>, string]> = [
  ['nothing in the way', write, {}, 'run'],
  ['kill switch stops a write probe', write, { killSwitch: on }, 'kill_switch'],
  ['kill switch lets a read-only check run', read, { killSwitch: on }, 'run'],
  ['a scenario marked writes:false is read-only', { ...write, writes: false }, { killSwitch: on }, 'run'],
  ['maintenance of a touched system holds the probe', write, { windows: [erpWindow] }, 'maintenance'],
  ['maintenance of another system does not', write, { windows: [{ ...erpWindow, systems: ['wms'] }] }, 'run'],
  ['maintenance of another environment does not', write, { windows: [{ ...erpWindow, systems: undefined, environment: 'staging' }] }, 'run'],
  ['a window that has ended does not', write, { windows: [{ ...erpWindow, end: '2026-12-03T02:30:00Z' }] }, 'run'],
  ['overlap with itself', write, { running: true }, 'overlap'],
  ['a slot that already ran', write, { alreadyRan: true }, 'duplicate'],
  ['stopping beats everything', write, { stopping: true, running: true, killSwitch: on }, 'stopping'],
];

for (const [name, p, s, expected] of rows) {
  test(`gate: ${name}`, () => {
    const d = gate(p, { running: false, killSwitch: off, windows: [], now, stopping: false, alreadyRan: false, ...s });
    assert.equal(d.run ? 'run' : d.reason, expected);
  });
}

test('maintenance: the matching window is returned with its reason', () => {
  assert.equal(inMaintenance(read, [erpWindow], now)?.reason, 'ERP upgrade');
  assert.equal(inMaintenance(read, [erpWindow], Date.parse('2026-12-03T04:00:00Z')), undefined);
});

test('kill switch: read from an environment variable and from a file, every time it is asked', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'KILL');
  const cfg = { file, env: 'SP_KILL' };
  assert.deepEqual(readKillSwitch(cfg, {}), { on: false });
  assert.deepEqual(readKillSwitch(cfg, { SP_KILL: 'true' }), { on: true, reason: 'SP_KILL=true' });
  assert.deepEqual(readKillSwitch(cfg, { SP_KILL: '0' }), { on: false });
  writeFileSync(file, 'ERP cutover weekend\nmore');
  assert.deepEqual(readKillSwitch(cfg, {}), { on: true, reason: `kill switch file ${file}: ERP cutover weekend` });
  rmSync(file);
  assert.deepEqual(readKillSwitch(cfg, {}), { on: false });
});
