import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('syncprobe schedule: every problem in probes and channels at once, exit 3, nothing scheduled', (t) => {
  const state = mkdtempSync(join(tmpdir(), 'sp-cli-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, ['bin/syncprobe.js', 'schedule', '--probes', 'test/scheduler/fixtures/bad-probes', '--state', state], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.stdout, '');
  const lines = [
    "typo.scenario: unknown scenario 'order-to-notification/B2B'",
    "bad-cron.cron: invalid cron expression '61 * * * *'",
    "bad-route.environment: unknown environment 'staging'",
    "bad-route.alerts[0].channel: unknown alert channel 'pager'; known: chat",
    'defineSchedule().channels[0].url: must be https://',
  ];
  for (const l of lines) assert.ok(r.stderr.includes(l), `missing '${l}' in:\n${r.stderr}`);
  assert.match(r.stderr, /5 problems in the probe definitions/);
  assert.match(r.stderr, /nothing was scheduled/);
});
