import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReporterMultiplexer } from '../../src/outputs/reporters.ts';
import { OutputErrorLog } from '../../src/outputs/report-error.ts';
import { createReporters, registerReporter, reporterNames } from '../../src/outputs/registry.ts';
import { UsageError } from '../../src/core/errors.ts';
import type { Reporter } from '../../src/core/outputs.ts';
import type { RunResult } from '../../src/core/result.ts';
import { sampleRun } from './fixtures.ts';

test('a broken reporter (throws, rejects, mutates the result) costs the others nothing; told once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'syncprobe-mux-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  const log = new OutputErrorLog((l) => lines.push(l));
  const broken: Reporter = {
    name: 'broken',
    onMilestone() {
      throw new Error('terminal gone');
    },
    async onRunEnd(result: RunResult) {
      result.scenarios.length = 0;
      result.status = 'ok';
      throw new Error('upload failed');
    },
  };
  const seen: string[] = [];
  const recorder: Reporter = { name: 'recorder', onMilestone: (_s, m) => void seen.push(m.name) };
  const mux = new ReporterMultiplexer([broken, recorder, ...createReporters(['json', 'junit', 'html'], { outDir: dir, log: () => {} })], { log });

  const run = sampleRun();
  await mux.onRunStart({ environment: 'sandbox', scenarios: [], startedAt: run.startedAt });
  for (const s of run.scenarios) for (const m of s.milestones) await mux.onMilestone({ name: s.name, correlationId: s.correlationId }, m);
  await mux.onRunEnd(run);

  assert.equal(seen.length, 6, 'the recorder saw every milestone');
  assert.deepEqual(readdirSync(dir).sort(), ['junit.xml', 'report.html', 'results.json']);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')), sampleRun(), 'the mutation stayed inside the broken reporter');
  assert.deepEqual(run, sampleRun(), "the engine's own result is untouched");
  const told = lines.filter((l) => l.includes("output 'broken' failed in"));
  assert.equal(told.length, 1);
  assert.match(told[0]!, /onMilestone: terminal gone/);
  assert.ok(lines.some((l) => l === "syncprobe: output 'broken' failed 7 times in this run"), lines.join('\n'));
});

test('reporter registry: by name, duplicates once, unknown names a usage error listing the known ones', () => {
  assert.deepEqual(reporterNames().slice(0, 4), ['console', 'json', 'junit', 'html']);
  assert.deepEqual(createReporters(['console', 'json', 'json', 'html']).map((r) => r.name), ['console', 'json', 'html']);
  assert.throws(
    () => createReporters(['json', 'xml', 'tap']),
    (err: unknown) => err instanceof UsageError && err.where === '--reporter' && /unknown reporters 'xml', 'tap'/.test(err.message) && /choose from: console, json, junit, html/.test(err.describe()),
  );
  registerReporter('dot', () => ({ name: 'dot' }));
  assert.deepEqual(createReporters(['dot']).map((r) => r.name), ['dot']);
  assert.throws(() => registerReporter('Bad Name', () => ({ name: 'x' })), UsageError);
});
