import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryNameProblems, validateDashboard, type Diagnostic } from '../../dashboards/src/validate.ts';
import { MEASUREMENTS } from '../../dashboards/src/measurements.ts';
import { orderSync } from '../../dashboards/src/order-sync.ts';

const ctx = { datasources: [{ uid: 'syncprobe-influx', type: 'influxdb' }], measurements: MEASUREMENTS };
type Doc = ReturnType<typeof orderSync>;

function broken(change: (d: Doc) => void): Diagnostic[] {
  const d = structuredClone(orderSync());
  change(d);
  return validateDashboard(d, 'order-sync.json', ctx);
}

test('a generated dashboard has no diagnostics', () => {
  assert.deepEqual(validateDashboard(orderSync(), 'order-sync.json', ctx), []);
});

const cases: { name: string; change: (d: Doc) => void; expect: RegExp }[] = [
  { name: 'old schema', change: (d) => (d.schemaVersion = 16), expect: /schemaVersion: must be a number >= 36/ },
  { name: 'duplicate panel id', change: (d) => (d.panels[1]!.id = d.panels[0]!.id), expect: /panels\[1\].*id 1 is also used by panels\[0\]/ },
  { name: 'missing gridPos', change: (d) => delete (d.panels[2] as Partial<Doc['panels'][number]>).gridPos, expect: /panels\[2\].*needs gridPos/ },
  { name: 'panel wider than the grid', change: (d) => (d.panels[0]!.gridPos.x = 20), expect: /exceeds the 24-column grid/ },
  { name: 'overlapping panels', change: (d) => (d.panels[1]!.gridPos = { ...d.panels[0]!.gridPos }), expect: /panels\[1\].*overlaps panels\[0\]/ },
  { name: 'unknown datasource uid', change: (d) => (d.panels[0]!.targets[0]!.datasource = { type: 'influxdb', uid: 'influx-prod' }), expect: /datasource uid 'influx-prod' is not provisioned/ },
  { name: 'datasource type mismatch', change: (d) => (d.panels[0]!.datasource = { type: 'prometheus', uid: 'syncprobe-influx' }), expect: /provisioned as type 'influxdb', the dashboard says 'prometheus'/ },
  { name: 'undefined variable in a query', change: (d) => (d.panels[0]!.targets[0]!.query += ' AND "system" =~ /^$system$/'), expect: /uses \$system, which is not a template variable/ },
  { name: 'undefined variable in a title', change: (d) => (d.panels[0]!.title = 'Latency ${region}'), expect: /title: uses \$region/ },
  { name: 'repeat by an undefined variable', change: (d) => (d.panels.find((p) => p.repeat)!.repeat = 'lane'), expect: /repeats by \$lane/ },
  { name: 'horizontal repeat not on its own row', change: (d) => (d.panels.find((p) => p.repeat)!.gridPos.w = 12), expect: /repeats horizontally by \$milestone but is 12 wide/ },
  { name: 'query without $timeFilter', change: (d) => (d.panels[0]!.targets[0]!.query = 'SELECT mean("met") FROM "milestone" GROUP BY "channel"'), expect: /does not restrict time with \$timeFilter/ },
  { name: 'fixed time bucket', change: (d) => {
      const t = d.panels.flatMap((p) => p.targets).find((x) => x.query.includes('time($__interval)'))!;
      t.query = t.query.replace('time($__interval)', 'time(1m)');
    }, expect: /use time\(\$__interval\)/ },
  { name: 'unknown measurement', change: (d) => (d.panels[0]!.targets[0]!.query = 'SELECT mean("met") FROM "milestones" WHERE $timeFilter'), expect: /reads measurement 'milestones', which nothing writes/ },
  { name: 'unknown field', change: (d) => (d.panels[0]!.targets[0]!.query = 'SELECT mean("latency") FROM "milestone" WHERE $timeFilter'), expect: /names "latency", which milestone does not have/ },
  { name: 'variable without a datasource', change: (d) => delete (d.templating.list[0] as { datasource?: unknown }).datasource, expect: /templating.list\[0\] \(env\): has no datasource/ },
  { name: 'duplicate variable', change: (d) => d.templating.list.push(structuredClone(d.templating.list[0]!)), expect: /variable 'env' is defined twice/ },
  { name: 'not raw InfluxQL', change: (d) => ((d.panels[0]!.targets[0] as { rawQuery: boolean }).rawQuery = false), expect: /must be a raw InfluxQL query/ },
];

for (const c of cases) {
  test(`validation reports: ${c.name}`, () => {
    const diagnostics = broken(c.change);
    const text = diagnostics.map((d) => `${d.where}: ${d.message}`).join('\n');
    assert.match(text, c.expect);
    assert.ok(diagnostics.every((d) => d.where.startsWith('order-sync.json')), 'every diagnostic names the file');
  });
}

test('validation reports every problem at once', () => {
  const diagnostics = broken((d) => {
    d.schemaVersion = 10;
    d.panels[1]!.id = d.panels[0]!.id;
    d.panels[0]!.targets[0]!.datasource = { type: 'influxdb', uid: 'nope' };
  });
  assert.ok(diagnostics.length >= 3, JSON.stringify(diagnostics));
});

test('query names: aliases defined by the query and subqueries are allowed', () => {
  assert.deepEqual(queryNameProblems('SELECT count("sla_ms") FROM (SELECT last("sla_ms") AS "sla_ms", "status" FROM "milestone" WHERE $timeFilter) WHERE "status" != \'met\'', MEASUREMENTS), []);
  assert.deepEqual(queryNameProblems('SELECT sum("risk") FROM (SELECT count("message") * 2 AS "risk" FROM "alert" WHERE $timeFilter)', MEASUREMENTS), []);
  assert.deepEqual(queryNameProblems('SELECT "days_left" FROM "tls_cert" WHERE "warehouse" = \'x\'', MEASUREMENTS), ['names "warehouse", which tls_cert does not have']);
});
