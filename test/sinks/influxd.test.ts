import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInfluxd } from '../support/influxd.ts';

test('throwaway influxd: points written are read back, and survive a restart', async (t) => {
  const influx = await startInfluxd();
  t.after(() => influx.stop());
  assert.match(influx.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(influx.database('syncprobe'), `${influx.url}/syncprobe`);

  await influx.query('CREATE DATABASE probe_support');
  const body = ['milestone,scenario=order-b2b latency_ms=1200i 1700000000000', 'milestone,scenario=order-b2b latency_ms=900i 1700000001000'].join('\n');
  const res = await fetch(`${influx.url}/write?db=probe_support&precision=ms`, { method: 'POST', body });
  assert.equal(res.status, 204);

  const read = async () => (await influx.query('SELECT latency_ms FROM milestone', 'probe_support')).results[0]?.series?.[0]?.values;
  assert.deepEqual(await read(), [
    [1700000000000, 1200],
    [1700000001000, 900],
  ]);

  await influx.halt();
  await assert.rejects(fetch(`${influx.url}/ping`));
  await influx.restart();
  assert.deepEqual(await read(), [
    [1700000000000, 1200],
    [1700000001000, 900],
  ]);
});

test('a missing influxd binary fails with what to install', async () => {
  const saved = process.env.SYNCPROBE_INFLUXD;
  process.env.SYNCPROBE_INFLUXD = '/nonexistent/influxd';
  try {
    await assert.rejects(startInfluxd(), /influxd not found at \/nonexistent\/influxd: install Debian's influxdb package/);
  } finally {
    if (saved === undefined) delete process.env.SYNCPROBE_INFLUXD;
    else process.env.SYNCPROBE_INFLUXD = saved;
  }
});
