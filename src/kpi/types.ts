import type { Problem, Status } from '../core/status.ts';

/**
 * KPI figures as read from InfluxDB, before any judgement. Counts are per window (`--since`);
 * latencies are milliseconds. Every group is one scope (a channel, a warehouse, a milestone).
 */
export interface LatencyGroup {
  /** Points in the window (milestones observed or not). */
  total: number;
  /** Points with a measured latency. */
  observed: number;
  /** 95th percentile of the observed latencies (InfluxDB nearest rank); null when none. */
  p95Ms: number | null;
}

export interface KpiFigures {
  /** Share of orders created in the ERP within the limit, per channel. */
  orderCreated: Array<{ channel: string; total: number; within: number }>;
  releaseToAllocation: Array<LatencyGroup & { warehouse: string }>;
  shipmentToNotification: Array<LatencyGroup & { channel: string }>;
  milestoneLatency: Array<LatencyGroup & { milestone: string; channel: string; warehouse: string; slaMs: number | null; failed: number }>;
  /** From the reconciliation measurement, summed over the window. */
  completeness: Array<{ channel: string; flow: string; expected: number; missing: number }>;
  /** All milestone points against those failing with class data; null when no milestone point at all. */
  payloads: { total: number; data: number } | null;
  /** Replays of dead-lettered messages and how many went through; null when none are written. */
  replay: { attempted: number; succeeded: number } | null;
}

/** A target to stay under (latency, variance): warning from `warnAt` on, missed above `limit`. */
export interface UpperTarget {
  limit: number;
  warnAt: number;
}

/** A share to stay at or above (percent): warning below `warnBelow`, missed below `min`. */
export interface LowerTarget {
  min: number;
  warnBelow: number;
}

export interface KpiTargets {
  orderCreated: LowerTarget & { withinMs: number; milestone: string };
  releaseToAllocation: UpperTarget & { milestone: string };
  shipmentToNotification: UpperTarget & { milestone: string };
  /** Fraction of each milestone's SLA at which its p95 becomes a warning. */
  milestoneLatency: { warnFraction: number };
  /** Percent of expected documents missing downstream. */
  completeness: UpperTarget;
  validPayloads: LowerTarget;
  replaySuccess: LowerTarget;
}

export type KpiName = 'order-created' | 'release-to-allocation' | 'shipment-to-notification' | 'milestone-latency' | 'completeness' | 'valid-payloads' | 'replay-success';

export const KPI_NAMES: readonly KpiName[] = ['order-created', 'release-to-allocation', 'shipment-to-notification', 'milestone-latency', 'completeness', 'valid-payloads', 'replay-success'];

export interface KpiRow {
  kpi: KpiName;
  /** What the row is about: `channel=b2b`, `warehouse=WH-EAST`, `milestone=erp.created channel=b2b`, `all`. */
  scope: string;
  status: Status;
  /** The figure judged (percent or ms); null when there is no data. */
  value: number | null;
  unit: '%' | 'ms';
  /** Human form of the target, e.g. `>= 95%` or `p95 < 300000 ms`. */
  target: string;
  /** Points or documents the figure rests on. */
  samples: number;
  reason?: string;
}

export interface KpiReport {
  status: Status;
  problems: Problem[];
  /** Where the figures came from (credentials never included). */
  source: { influx: string; env?: string; since: string };
  computedAt: string;
  kpis: KpiRow[];
}
