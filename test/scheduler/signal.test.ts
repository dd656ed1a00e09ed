import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../src/scheduler/ledger.ts';

test('SIGTERM in the middle of a transaction: cleanup done, sinks flushed, ledger closed, exit 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-sigterm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sinkFile = join(dir, 'points.jsonl');
  const marker = join(dir, 'cleanup');
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/scheduler/fixtures/sigterm-daemon.ts', join(dir, 'state'), sinkFile, marker], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('in-transaction') && resolve());
    child.on('exit', () => reject(new Error(`daemon exited early: ${stderr}`)));
  });
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.equal(readFileSync(marker, 'utf8'), 'cancelled');
  assert.ok(existsSync(sinkFile));
  const points = readFileSync(sinkFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const measurements = points.map((p: { measurement: string }) => p.measurement);
  assert.ok(measurements.includes('milestone'), 'the run’s own points were flushed');
  assert.equal(points.find((p: { measurement: string }) => p.measurement === 'probe_run').fields.cleanup, 'done');
  assert.ok(measurements.includes('probe_health'));
  assert.match(stderr, /SIGTERM: stopping the schedule/);
  assert.deepEqual(new Ledger(join(dir, 'state', 'ledger.jsonl')).unfinished(), [], 'the interrupted run is recorded as finished');
});
