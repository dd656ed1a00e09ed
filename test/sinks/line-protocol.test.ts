import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeKey, escapeMeasurement, escapeStringField, formatPoint, InvalidPointError } from '../../src/sinks/line-protocol.ts';
import type { Point } from '../../src/core/outputs.ts';

test('escaping of names, tags and string fields', () => {
  const cases: Array<[fn: (s: string) => string, input: string, expected: string]> = [
    [escapeMeasurement, 'milestone', 'milestone'],
    [escapeMeasurement, 'tls cert,v2', 'tls\\ cert\\,v2'],
    [escapeMeasurement, 'a=b', 'a=b'],
    [escapeKey, 'order to ship', 'order\\ to\\ ship'],
    [escapeKey, 'a,b=c', 'a\\,b\\=c'],
    [escapeKey, 'line\nbreak', 'line\\nbreak'],
    [escapeKey, 'crlf\r\nend', 'crlf\\nend'],
    [escapeKey, 'C:\\data\\', 'C:\\data/'],
    [escapeKey, 'x\\ y', 'x/\\ y'],
    [escapeKey, 'back\\slash', 'back\\slash'],
    [escapeKey, 'WH-EAST', 'WH-EAST'],
    [escapeStringField, 'plain', '"plain"'],
    [escapeStringField, 'say "hi"', '"say \\"hi\\""'],
    [escapeStringField, 'C:\\path\\', '"C:\\\\path\\\\"'],
    [escapeStringField, 'two\nlines', '"two\nlines"'],
    [escapeStringField, 'a, b = c', '"a, b = c"'],
  ];
  for (const [fn, input, expected] of cases) assert.equal(fn(input), expected, `${fn.name}(${JSON.stringify(input)})`);
});

test('formatPoint: sorted tags, empty tags left out, numbers as floats, booleans, ms timestamp', () => {
  const cases: Array<[Point, string]> = [
    [
      { measurement: 'milestone', tags: { system: 'erp', scenario: 'order b2b', class: '' }, fields: { latency_ms: 1200, sla_ms: 120000, correlation_id: 'SP-1' }, timestamp: 1700000000000 },
      'milestone,scenario=order\\ b2b,system=erp latency_ms=1200,sla_ms=120000,correlation_id="SP-1" 1700000000000',
    ],
    [{ measurement: 'm', tags: {}, fields: { ok: true, bad: false, ratio: 0.25 }, timestamp: 5.6 }, 'm ok=true,bad=false,ratio=0.25 6'],
    [{ measurement: 'm', tags: { t: 'x' }, fields: { reason: 'said "no",\nthen = left' }, timestamp: 1 }, 'm,t=x reason="said \\"no\\",\nthen = left" 1'],
    [{ measurement: 'm', tags: {}, fields: { neg: -3, big: 1e21, unset: undefined as unknown as number }, timestamp: 0 }, 'm neg=-3,big=1e+21 0'],
  ];
  for (const [point, expected] of cases) assert.equal(formatPoint(point), expected);
});

test('formatPoint refuses points InfluxDB could never take, naming the problem', () => {
  const cases: Array<[Point, RegExp]> = [
    [{ measurement: 'm', tags: {}, fields: {}, timestamp: 1 }, /has no fields/],
    [{ measurement: 'm', tags: {}, fields: { latency_ms: NaN }, timestamp: 1 }, /field 'latency_ms' is NaN/],
    [{ measurement: 'm', tags: {}, fields: { x: Infinity }, timestamp: 1 }, /field 'x' is Infinity/],
    [{ measurement: '', tags: {}, fields: { x: 1 }, timestamp: 1 }, /measurement name is empty/],
    [{ measurement: 'm', tags: {}, fields: { x: 1 }, timestamp: NaN }, /timestamp is NaN/],
  ];
  for (const [point, message] of cases) {
    assert.throws(() => formatPoint(point), (err: unknown) => err instanceof InvalidPointError && message.test(err.message));
  }
});
