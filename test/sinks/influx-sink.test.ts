import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { InfluxSink, type InfluxSinkOptions } from '../../src/sinks/influx.ts';
import { scenarioToPoints } from '../../src/sinks/points.ts';
import type { Point } from '../../src/core/outputs.ts';
import type { ScenarioResult } from '../../src/core/result.ts';

let influx: Influxd;
before(async () => {
  influx = await startInfluxd();
});
after(() => influx.stop());

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'syncprobe-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A sink tuned for millisecond-scale tests; logs collected instead of printed. */
function makeSink(t: { after: (fn: () => Promise<void> | void) => void }, db: string, extra: Partial<InfluxSinkOptions> = {}) {
  const logs: string[] = [];
  const sink = new InfluxSink({
    url: influx.database(db),
    batchSize: 50,
    flushIntervalMs: 20,
    // Generous: the machine may be busy or stalled for seconds; the paused test shortens them on purpose.
    writeTimeoutMs: 10_000,
    pingTimeoutMs: 10_000,
    retryIntervalMs: 50,
    retryMaxMs: 200,
    spoolDir: tempDir(t),
    log: (m) => logs.push(m),
    ...extra,
  });
  t.after(() => sink.stop());
  return { sink, logs };
}

const T0 = Date.parse('2026-02-01T00:00:00.000Z');
const seqPoint = (i: number): Point => ({ measurement: 'probe_seq', tags: { source: 'test' }, fields: { seq: i }, timestamp: T0 + i });

async function seqValues(db: string): Promise<number[]> {
  const res = await influx.query('SELECT seq FROM probe_seq ORDER BY time ASC', db);
  return (res.results[0]?.series?.[0]?.values ?? []).map((row) => row[1] as number);
}

test('points round-trip: a scenario result with hostile strings reads back exactly', async (t) => {
  const { sink } = makeSink(t, 'roundtrip');
  await sink.start();
  const result: ScenarioResult = {
    name: 'order to ship, "EU"=1',
    status: 'critical',
    correlationId: 'SP-roundtrip-1',
    tags: { channel: 'market place', warehouse: 'WH,EAST=1', environment: 'sand box' },
    startedAt: '2026-02-01T10:00:00.000Z',
    durationMs: 4200,
    milestones: [
      { name: 'erp created', system: 'erp', status: 'met', latencyMs: 310.5, latencyLowerMs: 300, latencyUpperMs: 321, slaMs: 2000, requests: 3, observedAt: '2026-02-01T10:00:00.321Z' },
      { name: 'wms allocated', system: 'wms', status: 'late', latencyMs: 2500, latencyLowerMs: 2400, latencyUpperMs: 2600, slaMs: 2000, requests: 7, observedAt: '2026-02-01T10:00:02.600Z', failure: { class: 'business', reason: 'x' } },
    ],
  };
  sink.add(scenarioToPoints(result));
  sink.add([{ measurement: 'probe_text', tags: { path: 'C:\\data' }, fields: { reason: 'said "no",\nthen left \\ back' }, timestamp: T0 }]);
  await sink.flush();
  assert.equal(sink.stats().written, 4);

  const ms = await influx.query('SELECT latency_ms, latency_lower_ms, sla_ms, requests, correlation_id, scenario, milestone, channel, warehouse, env, status, class FROM milestone ORDER BY time ASC', 'roundtrip');
  assert.deepEqual(ms.results[0]?.series?.[0]?.values, [
    [Date.parse('2026-02-01T10:00:00.321Z'), 310.5, 300, 2000, 3, 'SP-roundtrip-1', 'order to ship, "EU"=1', 'erp created', 'market place', 'WH,EAST=1', 'sand box', 'met', null],
    [Date.parse('2026-02-01T10:00:02.600Z'), 2500, 2400, 2000, 7, 'SP-roundtrip-1', 'order to ship, "EU"=1', 'wms allocated', 'market place', 'WH,EAST=1', 'sand box', 'late', 'business'],
  ]);
  const run = await influx.query('SELECT duration_ms, milestones_met, milestones_failed, status FROM scenario_run', 'roundtrip');
  assert.deepEqual(run.results[0]?.series?.[0]?.values, [[Date.parse('2026-02-01T10:00:00.000Z'), 4200, 1, 1, 'critical']]);
  const text = await influx.query('SELECT reason, path FROM probe_text', 'roundtrip');
  assert.deepEqual(text.results[0]?.series?.[0]?.values, [[T0, 'said "no",\nthen left \\ back', 'C:\\data']]);
});

test('two transactions observed in the same millisecond with the same tags are both kept', async (t) => {
  const { sink } = makeSink(t, 'samems');
  await sink.start();
  const point = (id: string): Point => ({ measurement: 'milestone', tags: { scenario: 'order', milestone: 'erp.created', status: 'met' }, fields: { latency_ms: 10, correlation_id: id }, timestamp: T0 });
  sink.add([point('SP-a'), point('SP-b'), point('SP-c')]);
  sink.add([{ ...point('SP-d'), tags: { ...point('SP-d').tags, status: 'late' } }]);
  await sink.flush();
  const res = await influx.query('SELECT correlation_id FROM milestone ORDER BY time ASC', 'samems');
  const rows = res.results[0]?.series?.[0]?.values ?? [];
  assert.deepEqual(rows.map((r) => r[1]).sort(), ['SP-a', 'SP-b', 'SP-c', 'SP-d'], 'InfluxDB would otherwise keep one point per series and timestamp');
  assert.ok(rows.every((r) => r[0] === T0), 'every point stays in its millisecond');
});

test('batches: full ones go at once, the rest on the interval; never more writes in flight than allowed', async (t) => {
  const { sink } = makeSink(t, 'batches', { batchSize: 20, maxConcurrentWrites: 2, flushIntervalMs: 30 });
  await sink.start();
  sink.add(Array.from({ length: 1005 }, (_, i) => seqPoint(i)));
  await sink.flush();
  const s = sink.stats();
  assert.equal(s.written, 1005);
  assert.ok(s.peakConcurrentWrites >= 1 && s.peakConcurrentWrites <= 2, JSON.stringify(s));
  // The 5 left after the full batches go out on the interval, without a flush.
  sink.add(Array.from({ length: 5 }, (_, i) => seqPoint(1005 + i)));
  for (const deadline = Date.now() + 30_000; Date.now() < deadline && sink.stats().written < 1010; ) await sleep(10);
  assert.equal(sink.stats().written, 1010);
  assert.deepEqual(await seqValues('batches'), Array.from({ length: 1010 }, (_, i) => i));
});

test('InfluxDB stopped mid-stream and restarted: every point arrives, in order', async (t) => {
  const { sink, logs } = makeSink(t, 'outage', { url: influx.database('outage').replace('http://', 'http://writer:outage-pass-9@') });
  await sink.start();
  let produced = 0;
  const produce = async (n: number) => {
    for (let i = 0; i < n; i += 10) {
      sink.add(Array.from({ length: 10 }, () => seqPoint(produced++)));
      await sleep(2);
    }
  };
  await produce(300);
  await influx.halt();
  await produce(300);
  // The outage is noticed and points go to disk while InfluxDB is down.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline && sink.stats().mode !== 'spooling'; ) await produce(10);
  assert.equal(sink.stats().mode, 'spooling');
  await sink.flush();
  const during = sink.stats();
  assert.ok(during.spooled > 0, `points spooled during the outage: ${JSON.stringify(during)}`);
  assert.ok(readdirSync(sink.spoolDir).some((n) => n.endsWith('.jsonl')), 'spool segment files on disk');

  await influx.restart();
  await produce(300);
  await sink.stop();

  const values = await seqValues('outage');
  assert.equal(values.length, produced);
  assert.deepEqual(values, Array.from({ length: produced }, (_, i) => i));
  const end = sink.stats();
  assert.equal(end.spooled, 0);
  assert.equal(end.pending, 0);
  assert.ok(end.replayed > 0);
  assert.equal(end.written, produced, 'each point acknowledged exactly once');
  assert.ok(logs.some((l) => /spooling points to/.test(l)) && logs.some((l) => /is back/.test(l)), logs.join('\n'));
  assert.ok(!logs.join('\n').includes('outage-pass-9'), 'the password never appears in what the sink says');
});

test('a point InfluxDB rejects (field type conflict) goes to the dead-letter file with the reason; the rest is written', async (t) => {
  const { sink, logs } = makeSink(t, 'rejects');
  await sink.start();
  sink.add([seqPoint(0)]);
  await sink.flush();
  const batch = Array.from({ length: 40 }, (_, i) => seqPoint(i + 1));
  batch[17] = { measurement: 'probe_seq', tags: { source: 'test' }, fields: { seq: 'seventeen' }, timestamp: T0 + 18 };
  batch.push({ measurement: 'probe_seq', tags: {}, fields: { seq: NaN }, timestamp: T0 + 99 });
  sink.add(batch);
  await sink.stop();

  const values = await seqValues('rejects');
  assert.deepEqual(values, [0, ...Array.from({ length: 40 }, (_, i) => i + 1).filter((i) => i !== 18)]);
  const dead = readFileSync(sink.deadLetterFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: string; reason: string; status?: number });
  assert.equal(dead.length, 2);
  const byServer = dead.find((d) => d.status === 400);
  assert.ok(byServer, 'the rejected point is dead-lettered with the HTTP status');
  assert.match(byServer.line, /seq="seventeen"/);
  assert.match(byServer.reason, /field type conflict/);
  assert.ok(dead.some((d) => /field 'seq' is NaN/.test(d.reason)));
  assert.equal(sink.stats().deadLettered, 2);
  assert.ok(logs.some((l) => l.includes(sink.deadLetterFile)));
});

test('a paused (unresponsive) InfluxDB never holds up add() or flush(); the points arrive after it resumes', async (t) => {
  const { sink } = makeSink(t, 'paused', { writeTimeoutMs: 300, pingTimeoutMs: 300 });
  await sink.start();
  influx.pause();
  t.after(() => influx.resume());
  for (let i = 0; i < 200; i++) {
    sink.add([seqPoint(i)]);
    // add() is synchronous: the point is accounted for before anything is written.
    assert.equal(sink.stats().written, 0);
  }
  // flush() comes back while InfluxDB is still frozen: its writes time out and the points are on disk.
  await sink.flush();
  const frozen = sink.stats();
  assert.equal(frozen.written, 0);
  assert.equal(frozen.spooled, 200);
  assert.ok(frozen.failures > 0);

  influx.resume();
  // A busy machine may make pings and writes after the resume miss their short timeouts; the replayer retries.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline && sink.stats().spooled > 0; ) await sink.flush();
  await sink.stop();
  assert.equal(sink.stats().spooled, 0);
  assert.deepEqual(await seqValues('paused'), Array.from({ length: 200 }, (_, i) => i));
});

test('points spooled by a run that ended while InfluxDB was down are replayed by the next run', async (t) => {
  const spoolDir = tempDir(t);
  await influx.halt();
  t.after(() => influx.restart().catch(() => {}));
  const script = `
    import { InfluxSink } from ${JSON.stringify(new URL('../../src/sinks/influx.ts', import.meta.url).pathname)};
    const sink = new InfluxSink({ url: ${JSON.stringify(influx.database('leftover'))}, spoolDir: ${JSON.stringify(spoolDir)}, batchSize: 50, flushIntervalMs: 20, writeTimeoutMs: 300, retryIntervalMs: 50, log: () => {} });
    await sink.start();
    sink.add(Array.from({ length: 120 }, (_, i) => ({ measurement: 'probe_seq', tags: {}, fields: { seq: i }, timestamp: ${T0} + i })));
    await sink.stop();
    process.stdout.write(JSON.stringify(sink.stats()));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  assert.equal(JSON.parse(out).spooled, 120, 'the earlier run left its points on disk');

  await influx.restart();
  const { sink, logs } = makeSink(t, 'leftover', { spoolDir });
  await sink.start();
  await sink.stop();
  assert.deepEqual(await seqValues('leftover'), Array.from({ length: 120 }, (_, i) => i));
  assert.ok(logs.some((l) => /replaying 120 points spooled by an earlier run/.test(l)), logs.join('\n'));
  assert.ok(!existsSync(sink.spoolDir) || readdirSync(sink.spoolDir).filter((n) => n.endsWith('.jsonl') && n !== 'dead-letter.jsonl').length === 0);
});
