import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInfluxUrl } from '../../src/sinks/influx-url.ts';
import { UsageError } from '../../src/core/errors.ts';
import { redact } from '../../src/core/redact.ts';

test('InfluxDB URLs: database in the path, rp, https, credentials kept out of the display form', () => {
  const cases: Array<[string, { origin: string; database: string; retentionPolicy?: string; display: string; auth: boolean }]> = [
    ['http://127.0.0.1:8086/syncprobe', { origin: 'http://127.0.0.1:8086', database: 'syncprobe', display: 'http://127.0.0.1:8086/syncprobe', auth: false }],
    ['https://influx.example:8443/probes/', { origin: 'https://influx.example:8443', database: 'probes', display: 'https://influx.example:8443/probes/', auth: false }],
    ['http://127.0.0.1:8086/sync%20probe?rp=week', { origin: 'http://127.0.0.1:8086', database: 'sync probe', retentionPolicy: 'week', display: 'http://127.0.0.1:8086/sync%20probe', auth: false }],
    ['http://writer:s3cr%40tPass@127.0.0.1:8086/syncprobe', { origin: 'http://127.0.0.1:8086', database: 'syncprobe', display: 'http://writer:[redacted]@127.0.0.1:8086/syncprobe', auth: true }],
  ];
  for (const [raw, expected] of cases) {
    const t = parseInfluxUrl(raw);
    assert.deepEqual(
      { origin: t.origin, database: t.database, retentionPolicy: t.retentionPolicy, display: t.display, auth: Boolean(t.authorization) },
      { retentionPolicy: undefined, ...expected },
      raw,
    );
  }
  // The password is a registered secret from then on.
  assert.equal(redact('login with s3cr@tPass failed'), 'login with [redacted] failed');
});

test('bad InfluxDB URLs are usage errors naming the flag, without leaking the password', () => {
  const cases: Array<[string, RegExp]> = [
    ['127.0.0.1:8086/syncprobe', /must be http or https|is not a URL/],
    ['ftp://127.0.0.1/syncprobe', /must be http or https/],
    ['http://127.0.0.1:8086', /exactly one database/],
    ['http://127.0.0.1:8086/a/b', /exactly one database/],
    ['http://u:hunter22@127.0.0.1:8086/', /exactly one database/],
    ['not a url with u:pw1234@', /is not a URL/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(
      () => parseInfluxUrl(raw, 'config.sinks.influx'),
      (err: unknown) => err instanceof UsageError && err.where === 'config.sinks.influx' && message.test(err.message) && !/hunter22/.test(err.describe()) && /e\.g\. http/.test(err.describe()),
      raw,
    );
  }
});
