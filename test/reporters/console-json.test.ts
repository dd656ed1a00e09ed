import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleReporter } from '../../src/reporters/console.ts';
import { jsonReporter } from '../../src/reporters/json.ts';
import { registerSecret } from '../../src/core/redact.ts';
import type { Reporter } from '../../src/core/outputs.ts';
import type { RunResult } from '../../src/core/result.ts';
import { sampleRun } from './fixtures.ts';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (d) => (out += d));
  return { stream, text: () => out };
}

/** Drives a reporter through a run the way the engine does. */
async function drive(reporter: Reporter, run: RunResult): Promise<void> {
  await reporter.onRunStart?.({ environment: run.environment, scenarios: run.scenarios.map((s) => s.name), startedAt: run.startedAt });
  for (const s of run.scenarios) {
    await reporter.onScenarioStart?.({ name: s.name, correlationId: s.correlationId, tags: s.tags });
    for (const m of s.milestones) await reporter.onMilestone?.({ name: s.name, correlationId: s.correlationId }, m);
    await reporter.onScenarioEnd?.(s);
  }
  await reporter.onRunEnd?.(run);
}

test('console, not a terminal: no live lines, a plain summary naming every failed milestone with its reason', async () => {
  const out = capture();
  await drive(consoleReporter({ stream: out.stream, tty: false }), sampleRun());
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines[0], 'syncprobe: 4 scenarios in 41 s on sandbox: 1 ok, 1 warning, 1 critical, 1 unknown — CRITICAL');
  assert.ok(!out.text().includes('\x1b['), 'no colour codes in logs');
  assert.ok(!out.text().includes('▶'), 'no live progress');
  const expected = [
    '  OK       order-to-notification-b2b (channel b2b · warehouse WH-EAST · env sandbox; SP-b2b-0001)',
    '  CRITICAL order-to-notification-marketplace (channel marketplace · warehouse WH-WEST · env sandbox; SP-mkt-0002)',
    "    erp-order-created missing: data: ERP never created the order for channel marketplace: middleware DLQ holds it with 'unknown UoM CS12'",
    '    cleanup failed: cancel-order (ERP returned 409 order locked)',
    '    storefront-availability error: transport: storefront refused the connection (ECONNREFUSED 127.0.0.1:9443)',
    '  UNKNOWN  order-to-notification-storefront (channel storefront · env sandbox; SP-web-0004)',
    '    SCENARIO_SETUP: Chromium could not start',
  ];
  for (const line of expected) assert.ok(lines.includes(line), `summary has: ${line}\n---\n${out.text()}`);
});

test('console on a terminal: a live line per scenario and milestone as they resolve, then the summary', async () => {
  const out = capture();
  await drive(consoleReporter({ stream: out.stream, tty: true }), sampleRun());
  const plain = out.text().replace(/\x1b\[\d+m/g, '');
  const order = ['syncprobe run · env sandbox · 4 scenarios', '▶ order-to-notification-b2b', '✔ met     erp-order-created [erp] 1.5 s (1.2 s–1.8 s), SLA 2 min', '■ OK order-to-notification-b2b in 12 s', '✖ missing erp-order-created [erp] not observed, SLA 20 s — data: ERP never created', '◷ late    erp-on-hand [erp] 7 s (6.5 s–7.5 s), SLA 5 s', 'syncprobe: 4 scenarios'];
  let at = -1;
  for (const piece of order) {
    const i = plain.indexOf(piece, at + 1);
    assert.ok(i > at, `'${piece}' comes next in:\n${plain}`);
    at = i;
  }
});

test('console output cannot be steered by control characters in what systems answer', async () => {
  const run = sampleRun();
  run.scenarios[1]!.milestones[1]!.failure!.reason = 'bad\x1b[2J\x1b]0;title\x07 answer\nsecond line';
  const out = capture();
  await drive(consoleReporter({ stream: out.stream, tty: true }), run);
  const text = out.text();
  assert.ok(!text.includes('\x1b[2J') && !text.includes('\x07') && !text.includes('\x1b]0'), JSON.stringify(text));
  assert.ok(text.includes('bad\uFFFD[2J\uFFFD]0;title\uFFFD answer second line'));
});

test('console output is redacted', async () => {
  registerSecret('wms-client-secret-77');
  const run = sampleRun();
  run.scenarios[1]!.milestones[1]!.failure!.reason = 'token request with wms-client-secret-77 refused';
  const out = capture();
  await drive(consoleReporter({ stream: out.stream, tty: true }), run);
  assert.ok(out.text().includes('token request with [redacted] refused'));
  assert.ok(!out.text().includes('wms-client-secret-77'));
});

test('json reporter writes the result document to OUT/results.json, redacted, or alone on stdout', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'syncprobe-json-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  registerSecret('erp-secret-4242');
  const run = sampleRun();
  run.scenarios[0]!.problems = [{ code: 'NOTE', message: 'used erp-secret-4242' }];
  const notes: string[] = [];
  await drive(jsonReporter({ outDir: join(dir, 'out'), log: (m) => notes.push(m) }), run);
  const doc = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8')) as RunResult;
  const expected = sampleRun();
  expected.scenarios[0]!.problems = [{ code: 'NOTE', message: 'used [redacted]' }];
  assert.deepEqual(doc, expected);
  assert.deepEqual(notes, [`syncprobe: wrote ${join(dir, 'out', 'results.json')}`]);

  // --json: the document and nothing else on stdout.
  const written: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string) => (written.push(chunk), true)) as typeof process.stdout.write;
  try {
    await drive(jsonReporter({ stdout: true }), sampleRun());
  } finally {
    process.stdout.write = original;
  }
  assert.equal(written.length, 1);
  assert.deepEqual(JSON.parse(written[0]!), sampleRun());
});
