import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd } from '../support/influxd.ts';
import { InfluxSink } from '../../src/sinks/influx.ts';

// InfluxDB checks passwords with bcrypt on every request, which is slow on a busy machine: hence the long write timeout.
test('InfluxDB with authentication: user:pass@ in the URL writes; a wrong password spools (never dead-letters) and is never told', async (t) => {
  const influx = await startInfluxd({ auth: { username: 'admin', password: 'influx-admin-pw-31' } });
  t.after(() => influx.stop());
  const spoolDir = mkdtempSync(join(tmpdir(), 'syncprobe-auth-spool-'));
  t.after(() => rmSync(spoolDir, { recursive: true, force: true }));
  const url = (password: string) => influx.database('secured').replace('http://', `http://admin:${encodeURIComponent(password)}@`);
  const point = (i: number) => ({ measurement: 'probe_seq', tags: {}, fields: { seq: i }, timestamp: 1_700_000_000_000 + i });
  const logs: string[] = [];
  const options = { spoolDir, batchSize: 10, flushIntervalMs: 20, writeTimeoutMs: 15_000, pingTimeoutMs: 15_000, retryIntervalMs: 50, log: (m: string) => logs.push(m) };

  const wrong = new InfluxSink({ ...options, url: url('not-the-pw-55') });
  await wrong.start();
  wrong.add([point(0), point(1)]);
  await wrong.stop();
  assert.deepEqual({ spooled: wrong.stats().spooled, deadLettered: wrong.stats().deadLettered, written: wrong.stats().written }, { spooled: 2, deadLettered: 0, written: 0 });
  assert.ok(logs.some((l) => /authentication failed/.test(l)), logs.join('\n'));

  // The right password: the earlier run's spool is replayed along with the new points.
  const right = new InfluxSink({ ...options, url: url('influx-admin-pw-31') });
  await right.start();
  right.add([point(2)]);
  await right.stop();
  const res = await influx.query('SELECT seq FROM probe_seq', 'secured');
  assert.deepEqual(res.results[0]?.series?.[0]?.values.map((r) => r[1]), [0, 1, 2]);

  const told = logs.join('\n');
  assert.ok(!told.includes('influx-admin-pw-31') && !told.includes('not-the-pw-55'), told);
  assert.ok(told.includes('admin:[redacted]@'));
  for (const name of readdirSync(right.spoolDir)) assert.ok(!readFileSync(join(right.spoolDir, name), 'utf8').includes('pw-'), `no password in ${name}`);
});
