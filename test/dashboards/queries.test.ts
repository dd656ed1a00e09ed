import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Point } from '../../src/core/outputs.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { buildDashboards } from '../../dashboards/src/index.ts';
import type { Dashboard, Panel } from '../../dashboards/src/grafana.ts';
import { interpolate, type VariableContext } from '../../dashboards/src/interpolate.ts';
import { loadDatasources, type ProvisionedDatasource } from '../../dashboards/src/provisioning.ts';
import { MEASUREMENTS, type MeasurementSpec } from '../../dashboards/src/measurements.ts';
import { queryNameProblems } from '../../dashboards/src/validate.ts';
import { CHECK_PROBES, EDI_PARTNERS, EDI_REJECTING, FAULTED_WAREHOUSE, OAUTH_CLIENTS, SCENARIO_PROBES, SLA_MS, TLS_PROBES, recordProbeHistory, type Recording } from './stack.ts';
import { SAMPLES_PER_PHASE } from './fixtures.ts';

/**
 * Every panel query of every dashboard, run against a real InfluxDB that holds a recorded probe
 * history (stack.ts: the scheduler running scenarios against the sandbox, healthy and with
 * faults on WH-WEST, alerting and checks, all through the InfluxDB sink), through the data
 * source as the provisioning file defines it, with the template variables resolved from the
 * data as Grafana resolves them. What each panel must show is computed from the points the
 * run handed to the sink, independently of InfluxQL.
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
const INTERVAL_MS = 1000;
let influxd: Influxd;
let datasource: ProvisionedDatasource;
let rec: Recording;

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
const round1 = (n: number) => Math.round(n * 10) / 10;

// --- what the run wrote (the oracle) ---------------------------------------------------------
const written = (m: string) => rec.points.filter((p) => p.measurement === m);
const milestones = () => written('milestone');
const orderMilestones = () => milestones().filter((p) => p.tags.channel);
const stockMilestones = () => milestones().filter((p) => !p.tags.channel);
const notMet = (ps: Point[]) => ps.filter((p) => p.tags.status !== 'met');
function countBy(ps: Point[], key: (p: Point) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of ps) out[key(p)] = (out[key(p)] ?? 0) + 1;
  return out;
}
function complianceBy(ps: Point[], tag: string): Record<string, number> {
  const out: Record<string, [number, number]> = {};
  for (const p of ps) {
    const k = p.tags[tag]!;
    const [met, all] = out[k] ?? [0, 0];
    out[k] = [met + (p.tags.status === 'met' ? 1 : 0), all + 1];
  }
  return Object.fromEntries(Object.entries(out).map(([k, [met, all]]) => [k, round1((met / all) * 100)]));
}
const lastBy = (ps: Point[], tag: string) => {
  const out: Record<string, Point> = {};
  for (const p of [...ps].sort((a, b) => a.timestamp - b.timestamp)) out[p.tags[tag]!] = p;
  return out;
};
const newAlerts = () => rec.notifications.filter((n) => n.kind === 'trigger' || n.kind === 'escalate');

before(async () => {
  influxd = await startInfluxd();
  // The data source exactly as Grafana would provision it, pointed at this InfluxDB.
  datasource = loadDatasources({ SYNCPROBE_INFLUX_URL: influxd.url, SYNCPROBE_INFLUX_DB: DB }).find((d) => d.uid === 'syncprobe-influx')!;
  rec = await recordProbeHistory(influxd.database(DB));
});

after(async () => {
  await influxd?.stop();
});

async function resolveVariables(d: Dashboard, overrides: Record<string, string[]> = {}): Promise<Record<string, VariableContext>> {
  const vars: Record<string, VariableContext> = {};
  for (const v of d.templating.list) {
    if (v.type === 'textbox') {
      vars[v.name] = { definition: { name: v.name, type: v.type }, selection: { values: [v.query] }, options: [v.query] };
      continue;
    }
    // Grafana resolves variables in order, each query seeing the ones before it.
    const series = await query(interpolate(v.query, { from: rec.from, to: rec.to, intervalMs: INTERVAL_MS, variables: vars }));
    // Grafana keeps each value once (SHOW TAG VALUES answers per measurement); sort 1 is alphabetical.
    const options = [...new Set(rows(series).map((r) => String(r.value)))];
    if (v.sort === 1) options.sort();
    const picked = overrides[v.name];
    const definition = { name: v.name, type: v.type, multi: v.multi, includeAll: v.includeAll, ...(v.allValue !== undefined ? { allValue: v.allValue } : {}) };
    vars[v.name] = { definition, selection: picked ? { values: picked } : { all: true }, options };
  }
  return vars;
}

async function runPanel(panel: Panel, variables: Record<string, VariableContext>): Promise<PanelResult> {
  const run = async (vars: Record<string, VariableContext>) =>
    Promise.all(panel.targets.map((t) => query(interpolate(t.query, { from: rec.from, to: rec.to, intervalMs: INTERVAL_MS, variables: vars }))));
  const result: PanelResult = { panel, targets: await run(variables), repeats: {} };
  if (panel.repeat) {
    const v = variables[panel.repeat]!;
    for (const value of v.options) result.repeats[value] = await run({ ...variables, [panel.repeat]: { ...v, selection: { values: [value] } } });
  }
  return result;
}

type Expectation = (r: PanelResult) => void;

const EXPECT: Record<string, Record<string, Expectation>> = {
  'syncprobe-executive': {
    'Probe orders': (r) => assert.equal(sum(r.targets[0]!, 'orders'), written('scenario_run').filter((p) => p.tags.channel).length),
    'Order SLA compliance': (r) => {
      const om = orderMilestones();
      const expected = (om.filter((p) => p.tags.status === 'met').length / om.length) * 100;
      const c = rows(r.targets[0]!)[0]!.compliance as number;
      assert.ok(Math.abs(c - expected) < 1e-6 && c < 100, `compliance ${c}, expected ${expected}`);
    },
    Exceptions: (r) => assert.equal(sum(r.targets[0]!, 'exceptions'), notMet(milestones()).length),
    'Revenue at risk': (r) => {
      const n = newAlerts();
      const expected = n.filter((x) => x.severity === 'critical').length * 5000 + n.filter((x) => x.severity === 'warning').length * 500;
      assert.ok(expected > 0);
      assert.equal(sum(r.targets[0]!, 'revenue at risk'), expected);
    },
    'Probe order throughput by channel': (r) => {
      const expected = countBy(written('scenario_run').filter((p) => p.tags.channel), (p) => p.tags.channel!);
      assert.deepEqual(tagValues(r.targets[0]!, 'channel'), Object.keys(expected).sort());
      for (const [channel, n] of Object.entries(expected)) assert.equal(sum(byTag(r.targets[0]!, 'channel', channel), 'orders'), n);
    },
    'Exception volume by failure class': (r) => {
      const expected = countBy(notMet(milestones()), (p) => p.tags.class ?? '');
      assert.deepEqual(tagValues(visible(r.targets[0]!), 'class'), Object.keys(expected).sort());
      for (const [cls, n] of Object.entries(expected)) assert.equal(sum(byTag(r.targets[0]!, 'class', cls), 'exceptions'), n);
    },
    'Revenue at risk by severity': (r) => {
      assert.equal(sum(r.targets[0]!, 'risk'), newAlerts().filter((x) => x.severity === 'critical').length * 5000);
      assert.equal(sum(r.targets[1]!, 'risk'), newAlerts().filter((x) => x.severity === 'warning').length * 500);
    },
    'Where it hurts: exceptions by channel and warehouse': (r) => {
      const rs = rows(r.targets[0]!);
      assert.deepEqual([...new Set(rs.map((x) => x.warehouse))], [FAULTED_WAREHOUSE], 'only the faulted warehouse has exceptions');
      const expected = countBy(notMet(milestones()), (p) => `${p.tags.channel ?? ''}|${p.tags.warehouse}`);
      assert.deepEqual(Object.fromEntries(rs.map((x) => [`${x.channel}|${x.warehouse}`, x.exceptions])), expected);
    },
  },
  'syncprobe-order-sync': {
    'SLA compliance by channel': (r) => {
      const c = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.channel, round1(x.compliance as number)]));
      assert.deepEqual(c, complianceBy(orderMilestones(), 'channel'));
      assert.equal(c.b2b, 100);
      assert.ok((c.marketplace as number) < 100, 'the channel that dropped orders is below 100%');
    },
    'SLA compliance by milestone': (r) => {
      const c = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.milestone, round1(x.compliance as number)]));
      assert.deepEqual(c, complianceBy(orderMilestones(), 'milestone'));
    },
    'Late and missing milestones': (r) => {
      const expected = countBy(orderMilestones().filter((p) => p.tags.status === 'late' || p.tags.status === 'missing'), (p) => p.tags.status!);
      assert.ok((expected.missing ?? 0) > 0);
      assert.deepEqual(Object.fromEntries(rows(r.targets[0]!).map((x) => [x.status, x.milestones])), expected);
    },
    'Probe orders placed': (r) => {
      const expected = countBy(written('scenario_run').filter((p) => p.tags.channel), (p) => p.tags.status!);
      assert.deepEqual(Object.fromEntries(rows(r.targets[0]!).map((x) => [x.status, x.orders])), expected);
    },
    'Latency p50 / p95 against SLA: $milestone': (r) => {
      const names = [...new Set(orderMilestones().map((p) => p.tags.milestone!))].sort();
      assert.deepEqual(Object.keys(r.repeats).sort(), names, 'one panel per order milestone');
      const [latency, sla] = r.repeats['erp.created']!;
      assert.deepEqual(tagValues(latency!, 'channel'), ['b2b', 'marketplace']);
      const line = rows(sla!).filter((x) => x.SLA !== null);
      assert.ok(line.length > 0 && line.every((x) => x.SLA === SLA_MS), 'the SLA line is the milestone SLA');
      assert.ok(rows(latency!).every((x) => (x.p95 as number) < SLA_MS && (x.p50 as number) <= (x.p95 as number)), 'met orders stay under the line');
    },
    'Late and missing milestones by warehouse': (r) => {
      const shown = visible(r.targets[0]!);
      assert.deepEqual(tagValues(shown, 'warehouse'), [FAULTED_WAREHOUSE], 'the late/missing panel shows the faulted warehouse and only it');
      const firstBad = Math.min(...rows(shown).filter((x) => (x.milestones as number) > 0).map((x) => x.time as number));
      assert.ok(firstBad >= rec.brokenStart - INTERVAL_MS, 'since when: nothing before the orders started to go missing');
    },
    'Failures by class': (r) => {
      const expected = countBy(notMet(orderMilestones()), (p) => p.tags.class ?? '');
      assert.deepEqual(tagValues(visible(r.targets[0]!), 'class'), Object.keys(expected).sort());
      assert.equal(sum(r.targets[0]!, 'failures'), notMet(orderMilestones()).length);
    },
    'Late and missing milestones: where and since when': (r) => {
      const bad = orderMilestones().filter((p) => p.tags.status === 'late' || p.tags.status === 'missing');
      const key = (x: Record<string, unknown>) => `${x.channel}/${x.warehouse}/${x.milestone}/${x.status}`;
      const since: Record<string, number> = {};
      for (const p of bad) since[key(p.tags)] = Math.min(since[key(p.tags)] ?? Infinity, p.timestamp);
      const rs = rows(r.targets[0]!);
      assert.deepEqual(Object.fromEntries(rs.map((x) => [key(x), x.time])), since, 'each row says since when');
      assert.ok(rs.every((x) => x.warehouse === FAULTED_WAREHOUSE && String(x.correlation_id).length > 0));
    },
  },
  'syncprobe-inventory-sync': {
    'Warehouses with stale stock': (r) => assert.equal(sum(r.targets[0]!, 'warehouses'), 1),
    'Stale warehouses: latest stock update not met': (r) => {
      assert.deepEqual(rows(r.targets[0]!).map((x) => [x.warehouse, x.status]), [[FAULTED_WAREHOUSE, 'missing']]);
    },
    'Last successful stock update per warehouse': (r) => {
      const last = Object.fromEntries(rows(r.targets[0]!).map((x) => [x.warehouse, x.time as number]));
      assert.deepEqual(Object.keys(last).sort(), ['WH-CENTRAL', 'WH-EAST', 'WH-WEST']);
      assert.ok(last[FAULTED_WAREHOUSE]! < rec.faultStart, 'the faulted warehouse last propagated stock before the fault');
      for (const w of ['WH-CENTRAL', 'WH-EAST']) assert.ok(last[w]! > rec.brokenStart, `${w} is current`);
    },
    'Stock propagation latency p95 by warehouse': (r) => {
      assert.deepEqual(tagValues(r.targets[0]!, 'warehouse'), ['WH-CENTRAL', 'WH-EAST', 'WH-WEST']);
      const arrivals = [...new Set(stockMilestones().filter((p) => (p.fields.latency_ms as number) > 0).map((p) => p.tags.milestone!))].sort();
      assert.deepEqual(tagValues(r.targets[0]!, 'milestone'), arrivals, 'stock arrivals only: no order milestones, no steps');
      const west = Math.max(...rows(byTag(r.targets[0]!, 'warehouse', FAULTED_WAREHOUSE)).map((x) => x.p95 as number));
      assert.ok(west > SLA_MS, 'the delayed warehouse crosses the SLA');
    },
    'Stock updates not met by warehouse': (r) => {
      assert.deepEqual(tagValues(visible(r.targets[0]!), 'warehouse'), [FAULTED_WAREHOUSE]);
      assert.deepEqual(tagValues(visible(r.targets[0]!), 'status'), ['late', 'missing']);
      assert.equal(sum(r.targets[0]!, 'updates'), notMet(stockMilestones()).length);
    },
  },
  'syncprobe-contracts': {
    'Drift events by severity': (r) => {
      assert.equal(sum(byTag(r.targets[0]!, 'severity', 'breaking'), 'events'), SAMPLES_PER_PHASE);
      assert.equal(sum(byTag(r.targets[0]!, 'severity', 'info'), 'events'), 1);
    },
    'Last verification result per provider': (r) => {
      assert.deepEqual(Object.fromEntries(rows(r.targets[0]!).map((x) => [x.provider, [x.status, x.failures]])), { erp: ['critical', 2], wms: ['ok', 0] });
    },
    'Drift events by API and severity': (r) => {
      assert.deepEqual(visible(r.targets[0]!).map((s) => `${s.tags?.api} ${s.tags?.severity}`).sort(), ['erp-sales-orders breaking', 'wms-orders info']);
    },
    'Latest drift findings': (r) => {
      const rs = rows(r.targets[0]!);
      assert.equal(rs.length, SAMPLES_PER_PHASE + 1);
      assert.equal(rs[0]!.api, 'erp-sales-orders', 'newest first');
      assert.match(String(rs[0]!.message), /customerReference/);
    },
    'EDI checks per partner: latest result': (r) => {
      const last = lastBy(written('edi_check'), 'partner');
      assert.deepEqual(Object.keys(last).sort(), [...EDI_PARTNERS]);
      assert.equal(last[EDI_REJECTING]!.fields.status, 'critical');
      assert.equal(last[EDI_REJECTING]!.fields.rejected, 1);
      const rs = rows(r.targets[0]!);
      assert.deepEqual(Object.fromEntries(rs.map((x) => [x.partner, [x.check, x.status, x.rejected, x.problems]])), Object.fromEntries(Object.entries(last).map(([k, p]) => [k, [p.tags.check, p.fields.status, p.fields.rejected, p.fields.problems]])));
      assert.match(String(rs.find((x) => x.partner === EDI_REJECTING)!.problems), /edi\.ackRejected/);
    },
    'EDI checks not ok by partner': (r) => {
      assert.deepEqual(visible(r.targets[0]!).map((s) => `${s.tags?.partner} ${s.tags?.check}`), [`${EDI_REJECTING} edi-ack`]);
      assert.equal(sum(r.targets[0]!, 'findings'), written('edi_check').filter((p) => (p.fields.status_code as number) > 0).length);
    },
  },
  'syncprobe-certificates': {
    'TLS certificate days left per target': (r) => {
      const expected = Object.fromEntries(Object.entries(lastBy(written('tls_cert'), 'target')).map(([t, p]) => [t, p.fields.days_left]));
      assert.equal(Object.keys(expected).length, TLS_PROBES.length);
      assert.deepEqual(Object.fromEntries(rows(r.targets[0]!).map((x) => [x.target, x['days left']])), expected);
    },
    'Chain: days until the first certificate expires': (r) => {
      const expected = Object.fromEntries(Object.entries(lastBy(written('tls_cert'), 'target')).map(([t, p]) => [t, p.fields.chain_days_left]));
      assert.deepEqual(Object.fromEntries(rows(r.targets[0]!).map((x) => [x.target, x['chain days left']])), expected);
    },
    'Token acquisition time': (r) => {
      const acquired = written('oauth_client').filter((p) => typeof p.fields.acquire_ms === 'number');
      assert.deepEqual(tagValues(r.targets[0]!, 'target'), [...new Set(acquired.map((p) => p.tags.target!))].sort());
      const total = acquired.reduce((a, p) => a + (p.fields.acquire_ms as number), 0);
      assert.ok(Math.abs(sum(r.targets[0]!, 'acquire') - total) < 1e-6, 'one point per check, so the per-interval means add up to the measured times');
    },
    'Token acquisition failures': (r) => {
      const failed = written('oauth_client').filter((p) => p.fields.status !== 'ok');
      assert.ok(failed.some((p) => p.tags.target === 'syncprobe-expired'), 'the client with the expired secret fails');
      assert.deepEqual(tagValues(visible(r.targets[0]!), 'target'), [...new Set(failed.map((p) => p.tags.target!))].sort());
      assert.equal(sum(r.targets[0]!, 'failures'), failed.length);
    },
    'OAuth clients: latest check': (r) => {
      const expected = Object.fromEntries(Object.entries(lastBy(written('oauth_client'), 'target')).map(([t, p]) => [t, p.fields.status]));
      assert.deepEqual(Object.keys(expected).sort(), [...OAUTH_CLIENTS].sort());
      assert.deepEqual(Object.fromEntries(rows(r.targets[0]!).map((x) => [x.target, x.status])), expected);
      assert.equal(expected['syncprobe-probe'], 'ok');
    },
  },
  'syncprobe-reconciliation': {
    'Completeness variance per channel': (r) => {
      const expected = Object.fromEntries(Object.entries(lastBy(written('reconciliation'), 'channel')).map(([c, p]) => [c, p.fields.variance_pct]));
      assert.ok((expected.marketplace as number) > 0.5 && expected.b2b === 0, 'the channel dropping orders is over the 0.5% target, the others at 0');
      assert.deepEqual(Object.fromEntries(rows(r.targets[0]!).map((x) => [x.channel, x.variance])), expected);
    },
    'Unacknowledged outbound': (r) => {
      const expected = Object.fromEntries(Object.entries(lastBy(written('backlog'), 'flow')).map(([f, p]) => [f, p.fields.unacknowledged_outbound]));
      assert.deepEqual(Object.fromEntries(rows(r.targets[0]!).map((x) => [x.flow, x.unacknowledged])), expected);
    },
    'Variance per channel': (r) => {
      const recon = written('reconciliation');
      assert.deepEqual(tagValues(r.targets[0]!, 'channel'), [...new Set(recon.map((p) => p.tags.channel!))].sort());
      const worst = Math.max(...recon.filter((p) => p.tags.channel === 'marketplace').map((p) => p.fields.variance_pct as number));
      assert.equal(Math.max(...rows(byTag(r.targets[0]!, 'channel', 'marketplace')).map((x) => (x.variance as number | null) ?? 0)), worst);
    },
    'Dead-letter queue depth': (r) => {
      const last = lastBy(written('backlog'), 'flow');
      assert.deepEqual(tagValues(r.targets[0]!, 'flow'), Object.keys(last).sort());
      for (const [flow, p] of Object.entries(last)) assert.equal(rows(byTag(r.targets[0]!, 'flow', flow)).filter((x) => x.dlq !== null).at(-1)!.dlq, p.fields.dlq_depth);
    },
    'Queue depth': (r) => {
      const last = lastBy(written('backlog'), 'flow');
      for (const [flow, p] of Object.entries(last)) assert.equal(rows(byTag(r.targets[0]!, 'flow', flow)).filter((x) => x.queue !== null).at(-1)!.queue, p.fields.queue_depth);
    },
  },
  'syncprobe-probe-health': {
    'Probe runs by outcome': (r) => {
      const expected = countBy(written('probe_run'), (p) => p.tags.outcome!);
      assert.ok((expected.skipped ?? 0) >= 1 && (expected.critical ?? 0) >= 1);
      assert.deepEqual(tagValues(visible(r.targets[0]!), 'outcome'), Object.keys(expected).sort());
      for (const [outcome, n] of Object.entries(expected)) assert.equal(sum(byTag(r.targets[0]!, 'outcome', outcome), 'runs'), n);
    },
    'Skipped and missed runs': (r) => {
      assert.equal(sum(byTag(r.targets[0]!, 'probe', `stock-${FAULTED_WAREHOUSE}`), 'skipped'), 1, 'the overlapping tick was skipped');
      assert.equal(sum(r.targets[0]!, 'skipped'), 1);
      assert.equal(sum(r.targets[0]!, 'missed'), 0);
    },
    'Runs per probe': (r) => {
      const expected = countBy(written('probe_run').filter((p) => p.fields.skipped === 0), (p) => p.tags.probe!);
      assert.equal(Object.keys(expected).length, Object.keys(SCENARIO_PROBES).length + CHECK_PROBES.length);
      assert.deepEqual(Object.fromEntries(rows(r.targets[0]!).map((x) => [x.probe, x.runs])), expected);
    },
    'Sink backlog': (r) => {
      assert.deepEqual(r.targets[0]![0]!.columns, ['time', 'pending', 'spooled', 'dead-lettered', 'alerts undelivered']);
      assert.ok(rows(r.targets[0]!).some((x) => typeof x.pending === 'number' && x.spooled === 0));
    },
    'Scenario runs by verdict': (r) => {
      const expected = countBy(written('scenario_run'), (p) => p.tags.status!);
      for (const [status, n] of Object.entries(expected)) assert.equal(sum(byTag(r.targets[0]!, 'status', status), 'runs'), n);
    },
    'Last run per scenario': (r) => {
      const expected = Object.fromEntries(Object.entries(lastBy(written('scenario_run'), 'scenario')).map(([s, p]) => [s, p.tags.status]));
      assert.deepEqual(Object.fromEntries(rows(r.targets[0]!).map((x) => [x.scenario, x.status])), expected);
      assert.equal(expected[`stock-adjustment/${FAULTED_WAREHOUSE}`], 'critical');
      assert.equal(expected['stock-adjustment/WH-EAST'], 'ok');
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
    // The alert annotation marks every notification on the time axis.
    const anno = dashboard.annotations.list.find((a) => a.datasource.uid === 'syncprobe-influx')!;
    const marks = rows(await query(interpolate(anno.target.query as string, { from: rec.from, to: rec.to, intervalMs: INTERVAL_MS, variables })));
    assert.equal(marks.length, rec.notifications.length);
    assert.ok(marks.some((m) => m.severity === 'critical' && m.kind === 'trigger' && String(m.key).includes(`warehouse=${FAULTED_WAREHOUSE}`) && String(m.message).length > 0));
  });
}

test('InfluxDB accepted every point the run wrote', () => {
  assert.deepEqual(rec.deadLetters, [], 'points refused by InfluxDB would be missing from the panels');
  assert.ok(written('milestone').length > 0 && written('alert').length > 0);
});

test('every measurement, tag and field a query names is one the recorded run wrote', () => {
  // Measurements nothing writes yet keep their assumed shape; margin_minutes comes from the
  // file-arrival EDI check, which this run does not include.
  const assumed = new Set(['contract_verification', 'contract_drift']);
  const notInRun: Record<string, string[]> = { edi_check: ['margin_minutes'] };
  const seen = new Map<string, MeasurementSpec>();
  for (const p of rec.points) {
    const m = seen.get(p.measurement) ?? { name: p.measurement, tags: [], fields: {}, writtenBy: 'recorded run' };
    seen.set(p.measurement, { ...m, tags: [...new Set([...m.tags, ...Object.keys(p.tags)])], fields: { ...m.fields, ...Object.fromEntries(Object.keys(p.fields).map((f) => [f, 'float' as const])) } });
  }
  for (const [m, fields] of Object.entries(notInRun)) {
    const spec = seen.get(m)!;
    seen.set(m, { ...spec, fields: { ...spec.fields, ...Object.fromEntries(fields.map((f) => [f, 'float' as const])) } });
  }
  const actual = [...seen.values(), ...MEASUREMENTS.filter((m) => assumed.has(m.name))];
  const problems: string[] = [];
  for (const { file, dashboard } of buildDashboards()) {
    const queries = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => [`'${p.title}' ${t.refId}`, t.query] as const)),
      ...dashboard.templating.list.flatMap((v) => (v.type === 'query' ? [[`variable ${v.name}`, v.query] as const] : [])),
      ...dashboard.annotations.list.flatMap((a) => (typeof a.target.query === 'string' ? [[`annotation ${a.name}`, a.target.query] as const] : [])),
    ];
    for (const [where, q] of queries) for (const p of queryNameProblems(q, actual)) problems.push(`${file} ${where}: ${p}`);
  }
  assert.deepEqual(problems, []);
});

test('template variables offer the values in the data and narrow the panels', async () => {
  const order = buildDashboards().find((g) => g.file === 'order-sync.json')!.dashboard;
  const all = await resolveVariables(order);
  assert.deepEqual(all.channel!.options, ['b2b', 'marketplace']);
  assert.deepEqual(all.warehouse!.options, ['WH-CENTRAL', 'WH-EAST', 'WH-WEST']);
  assert.deepEqual(all.milestone!.options, [...new Set(orderMilestones().map((p) => p.tags.milestone!))].sort(), 'order milestones only');
  const lateByWarehouse = order.panels.find((p) => p.title === 'Late and missing milestones by warehouse')!;
  const east = await runPanel(lateByWarehouse, await resolveVariables(order, { warehouse: ['WH-EAST'] }));
  assert.deepEqual(visible(east.targets[0]!), [], 'WH-EAST alone shows nothing late');
  const two = await runPanel(lateByWarehouse, await resolveVariables(order, { warehouse: ['WH-EAST', FAULTED_WAREHOUSE] }));
  assert.deepEqual(tagValues(visible(two.targets[0]!), 'warehouse'), [FAULTED_WAREHOUSE], 'a multi-value selection becomes (a|b)');
  const health = buildDashboards().find((g) => g.file === 'probe-health.json')!.dashboard;
  const probes = (await resolveVariables(health)).probe!.options;
  assert.ok(!probes.includes('_daemon') && probes.includes(`stock-${FAULTED_WAREHOUSE}`), 'the daemon row is not a probe to pick');
  const certs = buildDashboards().find((g) => g.file === 'certificates.json')!.dashboard;
  const targets = (await resolveVariables(certs)).target!.options;
  assert.deepEqual(targets, [...Object.keys(lastBy(written('tls_cert'), 'target')), ...OAUTH_CLIENTS].sort());
});
