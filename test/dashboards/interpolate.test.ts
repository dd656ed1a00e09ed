import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatInterval, interpolate, referencedVariables, type VariableContext } from '../../dashboards/src/interpolate.ts';

const multi = (name: string, selection: VariableContext['selection'], options: string[], allValue?: string): VariableContext => ({
  definition: { name, type: 'query', multi: true, includeAll: true, ...(allValue !== undefined ? { allValue } : {}) },
  selection,
  options,
});
const ctx = (variables: Record<string, VariableContext>) => ({ from: 1_000_000, to: 4_600_000, intervalMs: 60_000, variables });

test('time macros become the absolute range and the interval', () => {
  assert.equal(
    interpolate('SELECT mean("x") FROM "m" WHERE $timeFilter GROUP BY time($__interval)', ctx({})),
    'SELECT mean("x") FROM "m" WHERE time >= 1000000ms and time <= 4600000ms GROUP BY time(1m)',
  );
  assert.equal(interpolate('$__interval_ms', ctx({})), '60000');
});

const table: { name: string; v: VariableContext; expect: string }[] = [
  { name: 'one value', v: multi('warehouse', { values: ['WH-WEST'] }, ['WH-EAST', 'WH-WEST']), expect: '/^WH-WEST$/' },
  { name: 'several values', v: multi('warehouse', { values: ['WH-EAST', 'WH-WEST'] }, []), expect: '/^(WH-EAST|WH-WEST)$/' },
  { name: 'All with a custom all value', v: multi('warehouse', { all: true }, ['WH-EAST'], '.*'), expect: '/^.*$/' },
  { name: 'All without one: every option', v: multi('warehouse', { all: true }, ['WH-EAST', 'WH-WEST']), expect: '/^(WH-EAST|WH-WEST)$/' },
  { name: 'regex characters escaped', v: multi('warehouse', { values: ['a.b/c'] }, []), expect: '/^a\\.b\\/c$/' },
];
for (const c of table) {
  test(`variables in a regex: ${c.name}`, () => {
    assert.equal(interpolate('/^$warehouse$/', ctx({ warehouse: c.v })), c.expect);
    assert.equal(interpolate('/^${warehouse}$/', ctx({ warehouse: c.v })), c.expect);
  });
}

test('a textbox variable is inserted as its text', () => {
  const v: VariableContext = { definition: { name: 'risk', type: 'textbox' }, selection: { values: ['5000'] }, options: [] };
  assert.equal(interpolate('count("m") * $risk', ctx({ risk: v })), 'count("m") * 5000');
});

test('an undefined variable is an error naming it, not a silent empty string', () => {
  assert.throws(() => interpolate('WHERE "x" =~ /^$nope$/', ctx({})), /refers to \$nope/);
});

test('interval formatting and referenced variables', () => {
  assert.equal(formatInterval(86_400_000), '1d');
  assert.equal(formatInterval(7_200_000), '2h');
  assert.equal(formatInterval(10_000), '10s');
  assert.equal(formatInterval(250), '250ms');
  assert.deepEqual(referencedVariables('/^$env$/ AND $timeFilter AND ${channel:regex} [[warehouse]] time($__interval)').sort(), ['channel', 'env', 'warehouse']);
});
