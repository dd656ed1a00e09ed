import type { Point } from '../../src/core/outputs.ts';
import type { MilestoneResult, ScenarioResult } from '../../src/core/result.ts';
import type { FailureClass } from '../../src/core/errors.ts';

/**
 * A probe history for the dashboard tests: twenty healthy minutes, then ten minutes in which
 * the WH-WEST connector's token has expired (its stock stops updating) and WH-WEST orders stop
 * getting shipment confirmations back. Scenario results go through the real points mapper;
 * the check, scheduler and alert measurements are written in the shape dashboards/src/measurements.ts
 * describes until their writers emit them.
 */
export const ENVIRONMENT = 'sandbox';
export const FAULTED_WAREHOUSE = 'WH-WEST';
export const ORDER_LANES = [
  { channel: 'b2b', warehouse: 'WH-EAST' },
  { channel: 'storefront', warehouse: 'WH-WEST' },
  { channel: 'marketplace', warehouse: 'WH-CENTRAL' },
] as const;
export const WAREHOUSES = ['WH-CENTRAL', 'WH-EAST', 'WH-WEST'] as const;
export const HEALTHY_MINUTES = 20;
export const FAULTED_MINUTES = 10;

const MINUTE = 60_000;

export interface History {
  from: number;
  to: number;
  faultStart: number;
  results: ScenarioResult[];
  checkPoints: Point[];
}

interface MilestoneSpec {
  name: string;
  system: string;
  slaMs: number;
  latencyMs: number;
}

const ORDER_MILESTONES: MilestoneSpec[] = [
  { name: 'erp-order-created', system: 'erp', slaMs: 2000, latencyMs: 900 },
  { name: 'wms-allocated', system: 'wms', slaMs: 3000, latencyMs: 1400 },
  { name: 'shipment-confirmed', system: 'erp', slaMs: 4000, latencyMs: 2100 },
  { name: 'customer-notified', system: 'notifications', slaMs: 2000, latencyMs: 700 },
];
const STOCK_MILESTONES: MilestoneSpec[] = [
  { name: 'erp-on-hand-updated', system: 'erp', slaMs: 3000, latencyMs: 1200 },
  { name: 'channel-availability-updated', system: 'storefront', slaMs: 5000, latencyMs: 2300 },
];

function met(spec: MilestoneSpec, start: number, jitter: number): MilestoneResult {
  const latency = spec.latencyMs + jitter;
  return {
    name: spec.name,
    system: spec.system,
    status: 'met',
    latencyMs: latency,
    latencyLowerMs: latency - 100,
    latencyUpperMs: latency + 100,
    slaMs: spec.slaMs,
    requests: 3,
    observedAt: new Date(start + latency).toISOString(),
  };
}

function late(spec: MilestoneSpec, start: number): MilestoneResult {
  const latency = spec.slaMs * 2;
  return {
    ...met(spec, start, 0),
    status: 'late',
    latencyMs: latency,
    latencyLowerMs: latency - 100,
    latencyUpperMs: latency + 100,
    observedAt: new Date(start + latency).toISOString(),
    failure: { class: 'business', reason: `${spec.name} came ${latency - spec.slaMs} ms after its SLA` },
  };
}

function missing(spec: MilestoneSpec, cls: FailureClass, reason: string): MilestoneResult {
  return { name: spec.name, system: spec.system, status: 'missing', latencyMs: null, latencyLowerMs: spec.slaMs, latencyUpperMs: null, slaMs: spec.slaMs, requests: 6, failure: { class: cls, reason } };
}

function scenario(name: string, tags: ScenarioResult['tags'], start: number, milestones: MilestoneResult[], seq: number): ScenarioResult {
  const failed = milestones.filter((m) => m.status !== 'met');
  return {
    name,
    status: failed.some((m) => m.status === 'missing' || m.status === 'error') ? 'critical' : failed.length ? 'warning' : 'ok',
    correlationId: `SP-${name}-${seq}`,
    tags,
    startedAt: new Date(start).toISOString(),
    durationMs: 9000,
    milestones,
  };
}

export function probeHistory(now = Date.now()): History {
  const from = now - (HEALTHY_MINUTES + FAULTED_MINUTES + 2) * MINUTE;
  const faultStart = from + HEALTHY_MINUTES * MINUTE;
  const results: ScenarioResult[] = [];
  const checkPoints: Point[] = [];
  for (let minute = 0; minute < HEALTHY_MINUTES + FAULTED_MINUTES; minute++) {
    const start = from + minute * MINUTE;
    const faulted = start >= faultStart;
    const jitter = (minute % 5) * 40;
    for (const lane of ORDER_LANES) {
      const broken = faulted && lane.warehouse === FAULTED_WAREHOUSE;
      const milestones = ORDER_MILESTONES.map((spec) => {
        if (!broken) return met(spec, start, jitter);
        if (spec.name === 'wms-allocated') return late(spec, start);
        if (spec.name === 'shipment-confirmed') return missing(spec, 'business', 'the WMS never returned the ASN to the ERP');
        if (spec.name === 'customer-notified') return missing(spec, 'business', 'no shipment notification because the shipment was never confirmed');
        return met(spec, start, jitter);
      });
      results.push(scenario(`order-to-notification-${lane.channel}`, { channel: lane.channel, warehouse: lane.warehouse, environment: ENVIRONMENT }, start, milestones, minute));
    }
    for (const warehouse of WAREHOUSES) {
      const broken = faulted && warehouse === FAULTED_WAREHOUSE;
      const milestones = STOCK_MILESTONES.map((spec) =>
        broken ? missing(spec, 'application', `ERP refused the ${warehouse} connector's stock update: 401, token expired`) : met(spec, start + 20_000, jitter),
      );
      results.push(scenario(`stock-adjustment-${warehouse}`, { warehouse, environment: ENVIRONMENT }, start + 20_000, milestones, minute));
    }
    checkPoints.push(...minutePoints(start, minute, faulted));
  }
  return { from: from - MINUTE, to: now, faultStart, results, checkPoints };
}

function point(measurement: string, tags: Record<string, string>, fields: Point['fields'], timestamp: number): Point {
  return { measurement, tags: { env: ENVIRONMENT, ...tags }, fields, timestamp };
}

export const TLS_TARGETS = { 'erp.sandbox:443': 120, 'wms.sandbox:443': 5 } as const;
export const OAUTH_TARGETS = ['wms-WH-EAST', 'wms-WH-WEST'] as const;
export const PROBES = ['orders-every-minute', 'stock-every-minute'] as const;

function minutePoints(start: number, minute: number, faulted: boolean): Point[] {
  const out: Point[] = [];
  const t = start + 30_000;
  for (const [target, days] of Object.entries(TLS_TARGETS)) {
    out.push(point('tls_cert', { target }, { days_left: days - minute / 1440, chain_days_left: Math.min(days, 400) - minute / 1440, status: days < 7 ? 'critical' : 'ok' }, t));
  }
  for (const target of OAUTH_TARGETS) {
    const broken = faulted && target.endsWith(FAULTED_WAREHOUSE);
    out.push(point('oauth_client', { target }, broken ? { lifetime_s: 0, status: 'critical' } : { acquire_ms: 40 + (minute % 3) * 5, lifetime_s: 300, status: 'ok' }, t));
  }
  for (const probe of PROBES) {
    out.push(point('probe_health', { probe }, { runs: 1, skipped: probe.startsWith('stock') && minute % 10 === 9 ? 1 : 0, missed: 0, sink_pending: 0, sink_spooled: 0, sink_dead_lettered: 0 }, t));
  }
  for (const channel of ['b2b', 'storefront', 'marketplace']) {
    const variance = faulted && channel === 'storefront' ? 2.5 : 0.1;
    out.push(point('reconciliation', { channel }, { expected: 200, posted: Math.round(200 * (1 - variance / 100)), variance_pct: variance }, t));
  }
  out.push(point('backlog', { flow: 'order' }, { queue_depth: 2, dlq_depth: faulted ? minute - HEALTHY_MINUTES + 1 : 0, unacknowledged_outbound: faulted ? 3 * (minute - HEALTHY_MINUTES + 1) : 0 }, t));
  out.push(point('backlog', { flow: 'inventory' }, { queue_depth: faulted ? 5 : 1, dlq_depth: 0, unacknowledged_outbound: 0 }, t));
  out.push(point('contract_verification', { provider: 'erp' }, { status: faulted ? 'critical' : 'ok', interactions: 12, failures: faulted ? 2 : 0 }, t));
  out.push(point('contract_verification', { provider: 'wms' }, { status: 'ok', interactions: 8, failures: 0 }, t));
  if (faulted) {
    out.push(point('contract_drift', { api: 'erp-sales-orders', severity: 'breaking' }, { message: 'externalReference renamed customerReference' }, t));
    out.push(
      point(
        'alert',
        { severity: 'critical', key: `orders-every-minute/shipment-confirmed/warehouse=${FAULTED_WAREHOUSE}`, warehouse: FAULTED_WAREHOUSE, channel: 'storefront' },
        { message: `shipment confirmations missing for ${FAULTED_WAREHOUSE}` },
        t + 1000,
      ),
    );
  } else if (minute % 10 === 0) {
    out.push(point('contract_drift', { api: 'wms-orders', severity: 'info' }, { message: 'new optional field pickWave' }, t));
    out.push(point('alert', { severity: 'warning', key: 'stock-every-minute/channel-availability-updated/warehouse=WH-EAST', warehouse: 'WH-EAST' }, { message: 'availability slower than usual' }, t + 1000));
  }
  return out;
}
