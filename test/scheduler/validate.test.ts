import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateProbes, assertValidProbes } from '../../src/scheduler/validate.ts';
import { UsageError } from '../../src/core/errors.ts';
import { probe } from './support.ts';

const catalog = { scenarios: ['order-to-erp', 'stock-adjustment'], checks: ['tls', 'backlog'], channels: ['ops-slack'], environments: ['prod', 'test'] };

test('valid probes give no problems (five- and six-field cron, time zone)', () => {
  const problems = validateProbes(
    [
      { probe: probe({ name: 'a', cron: '*/5 * * * *', timezone: 'Europe/Berlin', alerts: [{ channel: 'ops-slack' }] }) },
      { probe: probe({ name: 'b', scenario: undefined, check: { type: 'tls' }, cron: '*/10 * * * * *' }) },
    ],
    catalog,
  );
  assert.deepEqual(problems, []);
});

test('every problem of every probe is reported at once, naming file, probe and field', () => {
  const problems = validateProbes(
    [
      { file: 'probes/orders.ts', probe: probe({ name: 'orders', cron: '61 * * * *' }) },
      { file: 'probes/orders.ts', probe: probe({ name: 'typo', scenario: 'order-to-ERP' }) },
      { file: 'probes/checks.ts', probe: probe({ name: 'c', scenario: undefined, check: { type: 'smtp' }, timezone: 'Mars/Olympus', environment: 'staging' }) },
      { file: 'probes/checks.ts', probe: probe({ name: 'orders', cron: 'every minute', thresholds: { failureThreshold: 0 }, alerts: [{ channel: 'pager' }] }) },
      { file: 'probes/both.ts', probe: probe({ name: 'both', check: { type: 'tls' }, jitterMs: -1 }) },
    ],
    catalog,
  );
  assert.deepEqual(
    problems.map((p) => `${p.where}: ${p.message}`),
    [
      "probes/orders.ts: orders.cron: invalid cron expression '61 * * * *': 61 is a invalid expression for minute",
      "probes/orders.ts: typo.scenario: unknown scenario 'order-to-ERP'; known: order-to-erp, stock-adjustment",
      "probes/checks.ts: c.check.type: unknown check 'smtp'; known: tls, backlog",
      "probes/checks.ts: c.environment: unknown environment 'staging'; known: prod, test",
      "probes/checks.ts: c.timezone: unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Berlin",
      'probes/checks.ts: orders.name: duplicate probe name (also in probes/orders.ts)',
      "probes/checks.ts: orders.cron: invalid cron expression 'every minute': expected 5 or 6 fields but got 2",
      'probes/checks.ts: orders.thresholds.failureThreshold: must be a whole number >= 1, got 0',
      "probes/checks.ts: orders.alerts[0].channel: unknown alert channel 'pager'; known: ops-slack",
      'probes/both.ts: both.scenario: set exactly one of scenario or check',
      'probes/both.ts: both.jitterMs: must be a number of milliseconds >= 0, got -1',
    ],
  );
  assert.throws(
    () => assertValidProbes(problems),
    (e: unknown) => e instanceof UsageError && e.message.startsWith('11 problems in the probe definitions') && e.describe().includes('nothing was scheduled'),
  );
});
