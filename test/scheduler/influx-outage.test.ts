import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxSink } from '../../src/sinks/influx.ts';
import { Daemon } from '../../src/scheduler/daemon.ts';
import { IntervalTicks } from '../../src/scheduler/ticks.ts';
import type { ProbeJob } from '../../src/scheduler/outcome.ts';
import { startInfluxd } from '../support/influxd.ts';
import { until } from '../alerting/receiver.ts';
import { JsonLinesSink, probe } from './support.ts';

test('InfluxDB stopped for a while during a schedule, then started: every point produced is written, exactly', async (t) => {
  const influx = await startInfluxd();
  t.after(() => influx.stop());
  const spool = mkdtempSync(join(tmpdir(), 'sp-spool-'));
  t.after(() => rmSync(spool, { recursive: true, force: true }));
  const sink = new InfluxSink({ url: influx.database('schedule'), batchSize: 50, flushIntervalMs: 20, writeTimeoutMs: 10_000, pingTimeoutMs: 10_000, retryIntervalMs: 50, retryMaxMs: 200, spoolDir: spool, log: () => {} });
  const produced = new JsonLinesSink();
  let seq = 0;
  const job: ProbeJob = async ({ probe: p }) => ({
    status: 'ok',
    results: [],
    // one series per probe and runs 25 ms apart: no two points share series and timestamp
    points: [{ measurement: 'check_seq', tags: { probe: p.name }, fields: { seq: ++seq }, timestamp: Date.now() }],
  });
  const daemon = new Daemon({
    probes: ['a', 'b', 'c'].map((name) => probe({ name, scenario: undefined, check: { type: 'backlog' } })),
    jobFor: () => job,
    ticks: new IntervalTicks(25),
    sinks: [sink, produced],
    healthIntervalMs: 100,
    log: () => {},
  });
  // Each phase lasts until enough happened in it, however slowly the machine runs the ticks.
  const runs = () => produced.all().filter((p) => p.measurement === 'check_seq').length;
  await daemon.start();
  await until(() => sink.stats().written >= 20, 30_000, 'points written before the outage');
  await influx.halt();
  const atHalt = runs();
  await until(() => sink.stats().mode === 'spooling' && runs() >= atHalt + 10, 30_000, 'runs during the outage, their points spooled');
  await influx.restart();
  const atRestart = runs();
  await until(() => sink.stats().mode === 'live' && runs() >= atRestart + 10, 30_000, 'the spool replayed and runs after the restart');
  await daemon.stop(30_000);

  const count = async (measurement: string, field: string) => {
    const r = await influx.query(`SELECT count("${field}") FROM "${measurement}"`, 'schedule');
    return (r.results[0]?.series?.[0]?.values?.[0]?.[1] as number | undefined) ?? 0;
  };
  const all = produced.all();
  const by = (m: string) => all.filter((p) => p.measurement === m).length;
  assert.ok(by('check_seq') > 20, `enough runs: ${by('check_seq')}`);
  assert.equal(await count('check_seq', 'seq'), by('check_seq'));
  assert.equal(await count('probe_run', 'status_code'), by('probe_run'));
  assert.equal(await count('probe_health', 'running'), by('probe_health'));
  assert.equal(sink.stats().deadLettered, 0);
});
