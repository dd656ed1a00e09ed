import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/syncprobe.js', import.meta.url));

function syncprobe(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });
}

test('an unknown command exits 3 with the usage on stderr and nothing on stdout', () => {
  const r = syncprobe('frobnicate');
  assert.equal(r.status, 3);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.match(r.stderr, /syncprobe check tls/);
});

test('an unknown check kind exits 3 naming it', () => {
  const r = syncprobe('check', 'dns');
  assert.equal(r.status, 3);
  assert.match(r.stderr, /unknown command 'check dns'/);
});

test('--help prints the usage and exits 0', () => {
  const r = syncprobe('--help');
  assert.equal(r.status, 0);
  assert.match(r.stderr, /exit codes: 0 ok, 1 warning, 2 critical, 3 unknown/);
});
