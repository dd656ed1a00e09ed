import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncprobe as runSyncprobe } from '../support/cli.ts';

const syncprobe = (args: string[]) => runSyncprobe(args);

test('syncprobe run against the embedded sandbox: exit 0, one JSON document on stdout, report files written', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'syncprobe-run-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const r = await syncprobe(['run', '--scenario', 'order-to-notification/b2b', '--json', '--reporter', 'junit', '--reporter', 'html', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { status: string; scenarios: Array<{ name: string; status: string; correlationId: string; tags: Record<string, string>; milestones: Array<Record<string, unknown>> }> };
  assert.equal(doc.status, 'ok');
  const s = doc.scenarios[0]!;
  assert.equal(s.name, 'order-to-notification/b2b');
  assert.equal(s.tags.channel, 'b2b');
  assert.equal(s.tags.environment, 'sandbox');
  assert.ok(s.correlationId);
  for (const m of s.milestones) for (const k of ['name', 'system', 'status', 'latencyMs', 'latencyLowerMs', 'latencyUpperMs', 'slaMs']) assert.ok(k in m, `milestone field ${k}`);
  assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<testsuite/);
  assert.match(readFileSync(join(out, 'report.html'), 'utf8').slice(0, 200), /<!doctype html>/i);
  assert.doesNotMatch(r.stdout + r.stderr, /eyJ[A-Za-z0-9_-]{10,}\./, 'no token in any output');
});

test('syncprobe run with a fault injected: exit 2 and the reason on the console', async () => {
  const r = await syncprobe(['run', '--scenario', 'order-to-notification/b2b', '--fault', 'middleware.badUom']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /middleware DLQ holds it .*CS12X/);
});

test('syncprobe run usage mistakes exit 3 with what to do', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['run', '--reporter', 'pdf'], /unknown reporter 'pdf'/],
    [['run', '--env', 'nowhere'], /no environment 'nowhere'/],
    [['run', '--scenario', 'nope'], /no scenario named 'nope'/],
    [['run', '--fault', 'erp.melted'], /erp\.melted/],
  ];
  for (const [args, msg] of cases) {
    const r = await syncprobe(args);
    assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stdout, '');
  }
});
