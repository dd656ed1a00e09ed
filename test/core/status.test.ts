import { test } from 'node:test';
import assert from 'node:assert/strict';
import { worst, EXIT_CODE, type Status } from '../../src/core/status.ts';
import { redact, registerSecret, redactDeep } from '../../src/core/redact.ts';

test('worst() picks the most severe verdict', () => {
  const table: Array<[Status[], Status]> = [
    [[], 'ok'],
    [['ok', 'ok'], 'ok'],
    [['ok', 'warning'], 'warning'],
    [['warning', 'unknown'], 'unknown'],
    [['unknown', 'critical'], 'critical'],
    [['critical', 'ok', 'warning'], 'critical'],
  ];
  for (const [input, expected] of table) assert.equal(worst(...input), expected, input.join(','));
});

test('exit codes follow the monitoring-plugin convention', () => {
  assert.deepEqual(EXIT_CODE, { ok: 0, warning: 1, critical: 2, unknown: 3 });
});

test('registered secrets, bearer tokens and JWTs are redacted everywhere', () => {
  registerSecret('s3cr3t-canary-value');
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9iZSJ9.c2lnbmF0dXJl';
  const text = `client secret s3cr3t-canary-value; Authorization: Bearer abc.def-ghi; token=${jwt}`;
  const out = redact(text);
  assert.ok(!out.includes('s3cr3t-canary-value'));
  assert.ok(!out.includes('abc.def-ghi'));
  assert.ok(!out.includes(jwt));
  assert.match(out, /\[redacted\]/);
  assert.deepEqual(redactDeep({ nested: ['s3cr3t-canary-value'] }), { nested: ['[redacted]'] });
});
