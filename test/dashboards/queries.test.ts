import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { InfluxSink } from '../../src/sinks/influx.ts';
import { scenarioToPoints } from '../../src/sinks/points.ts';
import { buildDashboards } from '../../dashboards/src/index.ts';
import type { Dashboard, Panel } from '../../dashboards/src/grafana.ts';
import { interpolate, type VariableContext } from '../../dashboards/src/interpolate.ts';
import { loadDatasources, type ProvisionedDatasource } from '../../dashboards/src/provisioning.ts';
import { FAULTED_WAREHOUSE, ORDER_LANES, OAUTH_TARGETS, PROBES, TLS_TARGETS, WAREHOUSES, probeHistory, type History } from './fixtures.ts';

/**
 * Every panel query of every dashboard, run against a real InfluxDB holding a probe history
 * with a fault on one warehouse, through the data source as the provisioning file defines it,
 * with the template variables resolved from the data the way Grafana resolves them.
 */

interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}
type Row = Record<string, unknown>;
interface PanelResult {
  panel: Panel;
  /** Per target, the series returned with every variable at its default (All). */
  targets: Series[][];
  /** For a repeated panel: per value of the repeat variable, per target. */
  repeats: Record<string, Series[][]>;
}

const DB = 'syncprobe';
let influxd: Influxd;
let datasource: ProvisionedDatasource;
let history: History;
let spoolDir: string;

async function query(q: string): Promise<Series[]> {
  const body = new URLSearchParams({ db: datasource.database, q, epoch: 'ms' });
  const res = await fetch(`${datasource.url}/query`, { method: datasource.httpMode === 'POST' ? 'POST' : 'GET', body });
  const json = (await res.json()) as { error?: string; results?: { error?: string; series?: Series[] }[] };
  if (!res.ok || json.error) throw new Error(`InfluxDB refused ${q}: ${res.status} ${json.error ?? ''}`);
  const err = json.results?.find((r) => r.error)?.error;
  if (err) throw new Error(`InfluxDB refused ${q}: ${err}`);
  return json.results?.[0]?.series ?? [];
}

function rows(series: Series[]): Row[] {
  return series.flatMap((s) => s.values.map((v) => ({ ...(s.tags ?? {}), ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })));
}
const sum = (series: Series[], column: string) => rows(series).reduce((acc, r) => acc + (typeof r[column] === 'number' ? (r[column] as number) : 0), 0);
const tagValues = (series: Series[], tag: string) => [...new Set(series.map((s) => s.tags?.[tag] ?? ''))].sort();
const byTag = (series: Series[], tag: string, value: string) => series.filter((s) => s.tags?.[tag] === value);
/** Series with at least one non-zero value: what a person sees as bars or lines. */
const visible = (series: Series[]) => series.filter((s) => s.values.some((v) => v.slice(1).some((x) => typeof x === 'number' && x !== 0)));

before(async () => {
  influxd = await startInfluxd();
  spoolDir = mkdtempSync(join(tmpdir(), 'syncprobe-dashboards-spool-'));
  // The data source exactly as Grafana would provision it, pointed at this InfluxDB.
  const provisioned = loadDatasources({ SYNCPROBE_INFLUX_URL: influxd.url, SYNCPROBE_INFLUX_DB: DB });
  datasource = provisioned.find((d) => d.uid === 'syncprobe-influx')!;
  history = probeHistory();
  const sink = new InfluxSink({ url: influxd.database(DB), spoolDir, flushIntervalMs: 20, log: () => {} });
  await sink.start();
  sink.add(history.results.flatMap((r) => scenarioToPoints(r)));
  sink.add(history.checkPoints);
  await sink.stop();
  assert.equal(sink.stats().failures, 0, 'the sink wrote every point');
});

after(async () => {
  await influxd?.stop();
  if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
});

const ALL: VariableContext['selection'] = { all: true };

async function resolveVariables(d: Dashboard, overrides: Record<string, string[]> = {}): Promise<Record<string, VariableContext>> {
  const vars: Record<string, VariableContext> = {};
  for (const v of d.templating.list) {
    if (v.type === 'textbox') {
      vars[v.name] = { definition: { name: v.name, type: v.type }, selection: { values: [v.query] }, options: [v.query] };
      continue;
    }
    // Grafana resolves variables in order, each query seeing the ones before it.
    const series = await query(interpolate(v.query, { from: history.from, to: history.to, intervalMs: 60_000, variables: vars }));
    // Grafana keeps each value once (SHOW TAG VALUES answers per measurement) and sort 1 is alphabetical.
    const options = [...new Set(rows(series).map((r) => String(r.value)))];
    if (v.sort === 1) options.sort();
    const picked = overrides[v.name];
    vars[v.name] = { definition: { name: v.name, type: v.type, multi: v.multi, includeAll: v.includeAll, ...(v.allValue !== undefined ? { allValue: v.allValue } : {}) }, selection: picked ? { values: picked } : ALL, options };
  }
  return vars;
}

async function runPanel(panel: Panel, variables: Record<string, VariableContext>): Promise<PanelResult> {
  const run = async (vars: Record<string, VariableContext>) =>
    Promise.all(panel.targets.map((t) => query(interpolate(t.query, { from: history.from, to: history.to, intervalMs: 60_000, variables: vars }))));
  const result: PanelResult = { panel, targets: await run(variables), repeats: {} };
  if (panel.repeat) {
    const v = variables[panel.repeat]!;
    for (const value of v.options) result.repeats[value] = await run({ ...variables, [panel.repeat]: { ...v, selection: { values: [value] } } });
  }
  return result;
}

type Expectation = (r: PanelResult) => void;
const ORDER_RUNS = 30 * ORDER_LANES.length;

const EXPECT: Record<string, Record<string, Expectation>> = {
  'syncprobe-executive': {
    'Probe orders': (r) => assert.equal(sum(r.targets[0]!, 'orders'), ORDER_RUNS),
    'Order SLA compliance': (r) => {
      // 360 order milestones; the faulted lane missed 3 of 4 for 10 minutes.
      const c = rows(r.targets[0]!)[0]!.compliance as number;
      assert.ok(Math.abs(c - (330 / 360) * 100) < 0.01, `compliance ${c}`);
    },
    Exceptions: (r) => assert.equal(sum(r.targets[0]!, 'exceptions'), 30 + 20),
    'Revenue at risk': (r) => assert.equal(sum(r.targets[0]!, 'revenue at risk'), 10 * 5000 + 2 * 500),
    'Probe order throughput by channel': (r) => {
      assert.deepEqual(tagValues(r.targets[0]!, 'channel'), ['b2b', 'marketplace', 'storefront']);
      for (const lane of ORDER_LANES) assert.equal(sum(byTag(r.targets[0]!, 'channel', lane.channel), 'orders'), 30);
    },
    'Exception volume by failure class': (r) => {
      assert.deepEqual(tagValues(visible(r.targets[0]!), 'class'), ['application', 'business']);
      assert.equal(sum(byTag(r.targets[0]!, 'class', 'application'), 'exceptions'), 20);
    },
    'Revenue at risk by severity': (r) => {
      assert.equal(sum(r.targets[0]!, 'risk'), 50_000);
      assert.equal(sum(r.targets[1]!, 'risk'), 1_000);
    },
    'Where it hurts: exceptions by channel and warehouse': (r) => {
      const rs = rows(r.targets[0]!);
      assert.deepEqual(rs.map((x) => x.warehouse), [FAULTED_WAREHOUSE, FAULTED_WAREHOUSE], 'only the faulted warehouse has exceptions');
      assert.deepEqual(rs.map((x) => [x.channel, x.exceptions]).sort(), [['', 20], ['storefront', 30]]);
    },
  },
  'syncprobe-order-sync': {
    'SLA compliance by channel': (r) => {
      const c = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.channel, x.compliance]));
      assert.deepEqual(c, { b2b: 100, marketplace: 100, storefront: 75 });
    },
    'SLA compliance by milestone': (r) => {
      const c = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.milestone, Math.round((x.compliance as number) * 10) / 10]));
      assert.deepEqual(c, { 'customer-notified': 88.9, 'erp-order-created': 100, 'shipment-confirmed': 88.9, 'wms-allocated': 88.9 });
    },
    'Late and missing milestones': (r) => {
      assert.equal(sum(byTag(r.targets[0]!, 'status', 'late'), 'milestones'), 10);
      assert.equal(sum(byTag(r.targets[0]!, 'status', 'missing'), 'milestones'), 20);
    },
    'Probe orders placed': (r) => {
      assert.equal(sum(byTag(r.targets[0]!, 'status', 'ok'), 'orders'), 80);
      assert.equal(sum(byTag(r.targets[0]!, 'status', 'critical'), 'orders'), 10);
    },
    'Latency p50 / p95 against SLA: $milestone': (r) => {
      assert.deepEqual(Object.keys(r.repeats).sort(), ['customer-notified', 'erp-order-created', 'shipment-confirmed', 'wms-allocated'], 'one panel per order milestone');
      const [latency, sla] = r.repeats['wms-allocated']!;
      assert.deepEqual(tagValues(latency!, 'channel'), ['b2b', 'marketplace', 'storefront']);
      const line = rows(sla!).filter((x) => x.SLA !== null);
      assert.ok(line.length > 0 && line.every((x) => x.SLA === 3000), 'the SLA line is the milestone SLA');
      const worst = Math.max(...rows(byTag(latency!, 'channel', 'storefront')).map((x) => x.p95 as number));
      assert.ok(worst > 3000, 'the faulted channel p95 crosses the SLA line');
      const eastWorst = Math.max(...rows(byTag(latency!, 'channel', 'b2b')).map((x) => x.p95 as number));
      assert.ok(eastWorst < 3000, 'healthy channels stay under it');
    },
    'Late and missing milestones by warehouse': (r) => {
      const shown = visible(r.targets[0]!);
      assert.deepEqual(tagValues(shown, 'warehouse'), [FAULTED_WAREHOUSE], 'the late/missing panel shows the faulted warehouse and only it');
      assert.deepEqual(tagValues(shown, 'status'), ['late', 'missing']);
      const firstBad = Math.min(...rows(shown).filter((x) => (x.milestones as number) > 0).map((x) => x.time as number));
      assert.ok(firstBad >= history.faultStart - 60_000, 'since when: nothing before the fault');
    },
    'Failures by class': (r) => {
      assert.deepEqual(tagValues(visible(r.targets[0]!), 'class'), ['business']);
      assert.equal(sum(r.targets[0]!, 'failures'), 30);
    },
    'Late and missing milestones: where and since when': (r) => {
      const rs = rows(r.targets[0]!);
      assert.deepEqual(rs.map((x) => `${x.channel}/${x.warehouse}/${x.milestone}/${x.status}`).sort(), [
        'storefront/WH-WEST/customer-notified/missing',
        'storefront/WH-WEST/shipment-confirmed/missing',
        'storefront/WH-WEST/wms-allocated/late',
      ]);
      for (const x of rs) {
        assert.ok((x.time as number) >= history.faultStart && (x.time as number) < history.faultStart + 60_000, 'since: the first faulted run');
        assert.match(String(x.correlation_id), /^SP-order-to-notification-storefront-20$/);
      }
    },
  },
  'syncprobe-inventory-sync': {
    'Warehouses with stale stock': (r) => assert.equal(sum(r.targets[0]!, 'warehouses'), 1),
    'Stale warehouses: latest stock update not met': (r) => {
      const rs = rows(r.targets[0]!);
      assert.deepEqual(rs.map((x) => [x.warehouse, x.status]), [[FAULTED_WAREHOUSE, 'missing']]);
    },
    'Last successful stock update per warehouse': (r) => {
      const last = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.warehouse, x.time as number]));
      assert.deepEqual(Object.keys(last).sort(), [...WAREHOUSES]);
      assert.ok(last[FAULTED_WAREHOUSE]! < history.faultStart, 'the faulted warehouse last succeeded before the fault');
      for (const w of WAREHOUSES.filter((x) => x !== FAULTED_WAREHOUSE)) assert.ok(last[w]! > history.faultStart + 9 * 60_000, `${w} is current`);
    },
    'Stock propagation latency p95 by warehouse': (r) => {
      assert.deepEqual(tagValues(r.targets[0]!, 'warehouse'), [...WAREHOUSES]);
      assert.deepEqual(tagValues(r.targets[0]!, 'milestone'), ['channel-availability-updated', 'erp-on-hand-updated'], 'stock milestones only, no order milestones');
      assert.ok(rows(r.targets[1]!).length > 0);
    },
    'Stock updates not met by warehouse': (r) => {
      assert.deepEqual(tagValues(visible(r.targets[0]!), 'warehouse'), [FAULTED_WAREHOUSE]);
      assert.equal(sum(r.targets[0]!, 'updates'), 20);
    },
  },
  'syncprobe-contracts': {
    'Drift events by severity': (r) => {
      assert.equal(sum(byTag(r.targets[0]!, 'severity', 'breaking'), 'events'), 10);
      assert.equal(sum(byTag(r.targets[0]!, 'severity', 'info'), 'events'), 2);
    },
    'Last verification result per provider': (r) => {
      const s = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.provider, [x.status, x.failures]]));
      assert.deepEqual(s, { erp: ['critical', 2], wms: ['ok', 0] });
    },
    'Drift events by API and severity': (r) => {
      assert.deepEqual(visible(r.targets[0]!).map((s) => `${s.tags?.api} ${s.tags?.severity}`).sort(), ['erp-sales-orders breaking', 'wms-orders info']);
    },
    'Latest drift findings': (r) => {
      const rs = rows(r.targets[0]!);
      assert.equal(rs.length, 12);
      assert.equal(rs[0]!.api, 'erp-sales-orders', 'newest first');
      assert.match(String(rs[0]!.message), /customerReference/);
    },
  },
  'syncprobe-certificates': {
    'TLS certificate days left per target': (r) => {
      const d = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.target, x['days left'] as number]));
      assert.deepEqual(Object.keys(d).sort(), Object.keys(TLS_TARGETS).sort());
      assert.ok(d['wms.sandbox:443']! < 7 && d['erp.sandbox:443']! > 30);
    },
    'Chain: days until the first certificate expires': (r) => assert.deepEqual(tagValues(r.targets[0]!, 'target'), Object.keys(TLS_TARGETS).sort()),
    'Token acquisition time': (r) => {
      assert.deepEqual(tagValues(r.targets[0]!, 'target'), [...OAUTH_TARGETS]);
      assert.ok(rows(r.targets[0]!).every((x) => (x.acquire as number) >= 40));
    },
    'Token acquisition failures': (r) => {
      assert.deepEqual(tagValues(visible(r.targets[0]!), 'target'), [`wms-${FAULTED_WAREHOUSE}`]);
      assert.equal(sum(r.targets[0]!, 'failures'), 10);
    },
    'OAuth clients: latest check': (r) => {
      const s = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.target, x.status]));
      assert.deepEqual(s, { 'wms-WH-EAST': 'ok', 'wms-WH-WEST': 'critical' });
    },
  },
  'syncprobe-reconciliation': {
    'Completeness variance per channel': (r) => {
      const v = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.channel, x.variance]));
      assert.deepEqual(v, { b2b: 0.1, marketplace: 0.1, storefront: 2.5 });
    },
    'Unacknowledged outbound': (r) => {
      const v = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.flow, x.unacknowledged]));
      assert.deepEqual(v, { inventory: 0, order: 30 });
    },
    'Variance per channel': (r) => {
      assert.deepEqual(tagValues(r.targets[0]!, 'channel'), ['b2b', 'marketplace', 'storefront']);
      assert.equal(Math.max(...rows(byTag(r.targets[0]!, 'channel', 'storefront')).map((x) => x.variance as number)), 2.5);
    },
    'Dead-letter queue depth': (r) => {
      const order = rows(byTag(r.targets[0]!, 'flow', 'order')).filter((x) => x.dlq !== null);
      assert.equal(order.at(-1)!.dlq, 10, 'the DLQ grew through the fault');
    },
    'Queue depth': (r) => assert.deepEqual(tagValues(r.targets[0]!, 'flow'), ['inventory', 'order']),
  },
  'syncprobe-probe-health': {
    'Runs per probe': (r) => {
      for (const p of PROBES) assert.equal(sum(byTag(r.targets[0]!, 'probe', p), 'runs'), 30);
    },
    'Skipped and missed runs': (r) => {
      assert.equal(sum(byTag(r.targets[0]!, 'probe', 'stock-every-minute'), 'skipped'), 3);
      assert.equal(sum(r.targets[0]!, 'missed'), 0);
    },
    'Sink backlog': (r) => {
      assert.deepEqual(r.targets[0]![0]!.columns, ['time', 'pending', 'spooled', 'dead-lettered']);
      assert.ok(rows(r.targets[0]!).some((x) => x.pending === 0));
    },
    'Scenario runs by verdict': (r) => {
      assert.equal(sum(byTag(r.targets[0]!, 'status', 'critical'), 'runs'), 20);
      assert.equal(sum(r.targets[0]!, 'runs'), 30 * 6);
    },
    'Last run per scenario': (r) => {
      const s = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.scenario, x.status]));
      assert.equal(Object.keys(s).length, 6);
      assert.equal(s[`stock-adjustment-${FAULTED_WAREHOUSE}`], 'critical');
      assert.equal(s['stock-adjustment-WH-EAST'], 'ok');
    },
  },
};

for (const { file, dashboard } of buildDashboards()) {
  test(`${file}: every panel query returns the series it is meant to show`, async () => {
    const expectations = EXPECT[dashboard.uid];
    assert.ok(expectations, `no expectations for dashboard ${dashboard.uid}`);
    const variables = await resolveVariables(dashboard);
    assert.deepEqual(variables.env!.options, ['sandbox'], 'env resolves from the data');
    for (const panel of dashboard.panels) {
      const expect = expectations[panel.title];
      assert.ok(expect, `${file}: panel '${panel.title}' has no expectation in this test`);
      const result = await runPanel(panel, variables);
      result.targets.forEach((series, i) => assert.ok(series.length > 0, `${file} '${panel.title}' query ${panel.targets[i]!.refId} returned no series`));
      expect(result);
    }
    assert.deepEqual(Object.keys(expectations).sort(), dashboard.panels.map((p) => p.title).sort(), 'every expectation belongs to a panel');
    // The alert annotation marks the faulted warehouse's alert on the time axis.
    const anno = dashboard.annotations.list.find((a) => a.datasource.uid === 'syncprobe-influx')!;
    const marks = rows(await query(interpolate(anno.target.query as string, { from: history.from, to: history.to, intervalMs: 60_000, variables })));
    assert.equal(marks.length, 12);
    assert.ok(marks.some((m) => m.severity === 'critical' && String(m.key).endsWith(`warehouse=${FAULTED_WAREHOUSE}`) && /shipment confirmations missing/.test(String(m.message))));
  });
}

test('template variables offer the values in the data and narrow the panels', async () => {
  const order = buildDashboards().find((g) => g.file === 'order-sync.json')!.dashboard;
  const all = await resolveVariables(order);
  assert.deepEqual(all.channel!.options, ['b2b', 'marketplace', 'storefront']);
  assert.deepEqual(all.warehouse!.options, [...WAREHOUSES]);
  assert.deepEqual(all.milestone!.options, ['customer-notified', 'erp-order-created', 'shipment-confirmed', 'wms-allocated'], 'order milestones only');
  const lateByWarehouse = order.panels.find((p) => p.title === 'Late and missing milestones by warehouse')!;
  const east = await runPanel(lateByWarehouse, await resolveVariables(order, { warehouse: ['WH-EAST'] }));
  assert.deepEqual(visible(east.targets[0]!), [], 'WH-EAST alone shows nothing late');
  const two = await runPanel(lateByWarehouse, await resolveVariables(order, { warehouse: ['WH-EAST', FAULTED_WAREHOUSE] }));
  assert.deepEqual(tagValues(visible(two.targets[0]!), 'warehouse'), [FAULTED_WAREHOUSE], 'a multi-value selection becomes (a|b)');
  const certs = buildDashboards().find((g) => g.file === 'certificates.json')!.dashboard;
  assert.deepEqual((await resolveVariables(certs)).target!.options, [...Object.keys(TLS_TARGETS), ...OAUTH_TARGETS].sort());
});
