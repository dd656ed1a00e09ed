import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd } from '../support/influxd.ts';
import { createPki } from '../../sandbox/pki.ts';
import { InfluxSink } from '../../src/sinks/influx.ts';

test('https InfluxDB: written when its CA is given; without it the TLS check fails and points are kept, never sent unverified', async (t) => {
  const pki = await createPki();
  t.after(() => pki.cleanup());
  const influx = await startInfluxd({ tls: { ...(await pki.issueServerCert({ hosts: ['127.0.0.1'] })), caPem: pki.caPem } });
  t.after(() => influx.stop());
  assert.match(influx.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const spoolDir = mkdtempSync(join(tmpdir(), 'syncprobe-tls-spool-'));
  t.after(() => rmSync(spoolDir, { recursive: true, force: true }));
  const logs: string[] = [];
  const options = { url: influx.database('tls'), spoolDir, batchSize: 10, flushIntervalMs: 20, writeTimeoutMs: 10_000, pingTimeoutMs: 10_000, retryIntervalMs: 50, log: (m: string) => logs.push(m) };
  const point = (i: number) => ({ measurement: 'probe_seq', tags: {}, fields: { seq: i }, timestamp: 1_700_000_000_000 + i });

  const untrusting = new InfluxSink(options);
  await untrusting.start();
  untrusting.add([point(0)]);
  await untrusting.stop();
  assert.equal(untrusting.stats().written, 0);
  assert.equal(untrusting.stats().spooled, 1);
  assert.ok(logs.some((l) => /not reachable at start \(unreachable \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY).*give the CA bundle/.test(l)), logs.join('\n'));

  const trusting = new InfluxSink({ ...options, ca: pki.caPem });
  await trusting.start();
  trusting.add([point(1)]);
  await trusting.stop();
  const res = await influx.query('SELECT seq FROM probe_seq', 'tls');
  assert.deepEqual(res.results[0]?.series?.[0]?.values.map((r) => r[1]), [0, 1]);
});
