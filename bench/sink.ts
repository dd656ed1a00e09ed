import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Pool } from 'undici';
import Influx from 'influx';
import { startInfluxd, type Influxd } from '../test/support/influxd.ts';
import { InfluxSink } from '../src/sinks/influx.ts';
import { formatPoint } from '../src/sinks/line-protocol.ts';
import type { Point } from '../src/core/outputs.ts';

/**
 * Sink throughput into a real InfluxDB: the same points through InfluxSink, through a plain
 * batched line-protocol POST (same batch size and concurrency), and through the npm `influx`
 * client for reference. Each run writes into a fresh database; the sink and the plain POST run
 * `rounds` times in alternating order and the median counts. Goal: sink / plain POST >= 0.9.
 */
const BATCH = 5000;
const CONCURRENCY = 4;

export async function benchSink(opts: { points?: number; rounds?: number } = {}): Promise<Array<{ name: string; value: number | string; unit?: string }>> {
  const n = opts.points ?? Number(process.env.SYNCPROBE_BENCH_SINK_POINTS ?? 200_000);
  const rounds = opts.rounds ?? 3;
  const points = makePoints(n);
  const influx = await startInfluxd();
  const spoolRoot = mkdtempSync(join(tmpdir(), 'syncprobe-bench-spool-'));
  let dbSeq = 0;
  const freshDb = async () => {
    const db = `bench_${dbSeq++}`;
    await influx.query(`CREATE DATABASE ${db}`);
    return db;
  };
  try {
    // The machine is shared, so the two contenders alternate who goes first and the median counts.
    const sinkMs: number[] = [];
    const plainMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        plainMs.push(await timePlain(influx, await freshDb(), points));
        sinkMs.push(await timeSink(influx, await freshDb(), points, spoolRoot));
      } else {
        sinkMs.push(await timeSink(influx, await freshDb(), points, spoolRoot));
        plainMs.push(await timePlain(influx, await freshDb(), points));
      }
    }
    const clientMs = await timeClient(influx, await freshDb(), points);
    const best = { sink: median(sinkMs), plain: median(plainMs), client: clientMs };
    // Every contender must have written every point, or its figure means nothing.
    for (let i = 0; i < dbSeq; i++) {
      const res = await influx.query('SELECT count(latency_ms) FROM milestone', `bench_${i}`);
      const count = res.results[0]?.series?.[0]?.values[0]?.[1];
      if (count !== n) throw new Error(`bench_${i} holds ${count} points, expected ${n}`);
    }
    const rate = (ms: number) => Math.round(n / (ms / 1000));
    return [
      { name: 'sink: points', value: n },
      { name: 'sink: InfluxSink', value: rate(best.sink), unit: 'points/s' },
      { name: 'sink: plain batched line-protocol POST', value: rate(best.plain), unit: 'points/s' },
      { name: 'sink: npm influx client (reference, one run)', value: rate(best.client), unit: 'points/s' },
      { name: 'sink: InfluxSink / plain POST (goal >= 0.9)', value: Number((best.plain / best.sink).toFixed(3)) },
    ];
  } finally {
    await influx.stop();
    rmSync(spoolRoot, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Milestone points with a realistic tag spread: 12 scenarios x 9 milestones x 3 warehouses. */
function makePoints(n: number): Point[] {
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  const out: Point[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      measurement: 'milestone',
      tags: { scenario: `order-${i % 12}`, milestone: `m${i % 9}`, system: ['erp', 'wms', 'storefront'][i % 3]!, channel: 'b2b', warehouse: `WH-${i % 3}`, env: 'bench', status: i % 50 === 0 ? 'late' : 'met' },
      fields: { latency_ms: 100 + (i % 997), latency_lower_ms: 90 + (i % 997), latency_upper_ms: 110 + (i % 997), sla_ms: 120000, requests: 1 + (i % 7), correlation_id: `SP-${i}` },
      timestamp: t0 + i,
    };
  }
  return out;
}

/** The producer adds in chunks as a run would, yielding to the event loop now and then. */
async function produce(points: Point[], add: (chunk: Point[]) => void): Promise<void> {
  for (let i = 0; i < points.length; i += 1000) {
    add(points.slice(i, i + 1000));
    if ((i / 1000) % 10 === 9) await yieldToLoop();
  }
}

async function timeSink(influx: Influxd, db: string, points: Point[], spoolRoot: string): Promise<number> {
  const sink = new InfluxSink({ url: influx.database(db), batchSize: BATCH, maxConcurrentWrites: CONCURRENCY, spoolDir: spoolRoot, log: (m) => process.stderr.write(`bench sink: ${m}\n`) });
  await sink.start();
  const start = performance.now();
  await produce(points, (chunk) => sink.add(chunk));
  await sink.flush();
  const ms = performance.now() - start;
  await sink.stop();
  const s = sink.stats();
  if (s.written !== points.length || s.spooled !== 0) throw new Error(`sink wrote ${s.written}/${points.length} (spooled ${s.spooled})`);
  return ms;
}

async function timePlain(influx: Influxd, db: string, points: Point[]): Promise<number> {
  const pool = new Pool(influx.url, { connections: CONCURRENCY + 1 });
  const start = performance.now();
  const pending: string[] = [];
  const inflight = new Set<Promise<void>>();
  const post = (lines: string[]) => {
    const p: Promise<void> = pool
      .request({ path: `/write?db=${db}&precision=ms`, method: 'POST', body: lines.join('\n') })
      .then(async (res) => {
        await res.body.text();
        if (res.statusCode !== 204) throw new Error(`plain POST got ${res.statusCode}`);
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  await produce(points, (chunk) => {
    for (const p of chunk) pending.push(formatPoint(p));
  });
  // Plain: format everything, then POST batches with the same concurrency.
  for (let i = 0; i < pending.length; i += BATCH) {
    while (inflight.size >= CONCURRENCY) await Promise.race(inflight);
    post(pending.slice(i, i + BATCH));
  }
  await Promise.all(inflight);
  const ms = performance.now() - start;
  await pool.close();
  return ms;
}

async function timeClient(influx: Influxd, db: string, points: Point[]): Promise<number> {
  const u = new URL(influx.url);
  const client = new Influx.InfluxDB({ host: u.hostname, port: Number(u.port), database: db });
  const start = performance.now();
  const inflight = new Set<Promise<void>>();
  for (let i = 0; i < points.length; i += BATCH) {
    while (inflight.size >= CONCURRENCY) await Promise.race(inflight);
    const batch = points.slice(i, i + BATCH).map((p) => ({ measurement: p.measurement, tags: p.tags, fields: p.fields, timestamp: p.timestamp }));
    const w: Promise<void> = client.writePoints(batch, { precision: 'ms' }).finally(() => inflight.delete(w));
    inflight.add(w);
  }
  await Promise.all(inflight);
  return performance.now() - start;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await benchSink()) console.log(`${row.name.padEnd(48)} ${row.value}${row.unit ? ' ' + row.unit : ''}`);
}
