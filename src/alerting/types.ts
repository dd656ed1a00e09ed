import type { Status } from '../core/status.ts';

/** Where a run was triggered: scheduled production probes may page, CI runs never do. */
export type RunSource = 'ci' | 'schedule';

/** What one evaluation of one alert key said. `unknown` (syncprobe could not tell) counts as degraded. */
export type Observation = 'ok' | 'degraded' | 'failed';

export type Severity = 'info' | 'warning' | 'critical';

/** How far a failure reaches in the business: one document, one channel, one warehouse, a whole system. */
export type ImpactScope = 'order' | 'channel' | 'warehouse' | 'system';

export interface ImpactFacts {
  scope: ImpactScope;
  /** The order was placed for a customer listed as high value. */
  highValueCustomer?: boolean;
  /** The transaction involves a top-selling SKU. */
  topSku?: boolean;
  /** The warehouse is a constrained location (little stock, one dock, single source). */
  constrainedLocation?: boolean;
  /** Inventory flow (stock publication) rather than order flow. */
  flow?: 'order' | 'inventory';
}

/** One alert key's result from one run: probe × milestone × scope. */
export interface KeyResult {
  /** Stable across runs: `probe/milestone/scope`. */
  key: string;
  probe: string;
  milestone: string;
  /** Label of the scope the key watches, e.g. `channel=b2b warehouse=WH-EAST`, or `-`. */
  scope: string;
  status: Status;
  reason?: string;
  impact: ImpactFacts;
  details?: Record<string, unknown>;
}

export interface AlertPolicy {
  /** Consecutive bad observations before an incident opens. */
  failureThreshold: number;
  /** Consecutive good observations before an open incident resolves. */
  successThreshold: number;
  /** Re-notify an open incident this often; 0 = never. */
  reminderIntervalMs: number;
  /** Send a notification when an incident resolves. */
  sendOnResolved: boolean;
}

export const DEFAULT_POLICY: AlertPolicy = {
  failureThreshold: 3,
  successThreshold: 2,
  reminderIntervalMs: 60 * 60 * 1000,
  sendOnResolved: true,
};

/** Per-key state kept between runs (persisted by the Alerter). */
export interface AlertState {
  key: string;
  consecutiveFailed: number;
  consecutiveBad: number;
  consecutiveDegraded: number;
  consecutiveOk: number;
  /** null while no incident is open. */
  incident: null | {
    id: string;
    level: 'degraded' | 'failed';
    severity: Severity;
    openedAt: number;
    lastNotifiedAt: number;
    reason?: string;
    /** Channels the incident was announced on, so the resolve reaches the same ones. */
    channels: string[];
  };
  lastObservedAt?: number;
  lastObservation?: Observation;
}

export type NotificationKind = 'trigger' | 'escalate' | 'deescalate' | 'reminder' | 'resolve';

export interface Notification {
  /** Unique per notification; receivers may use it to drop duplicates of a redelivery. */
  id: string;
  kind: NotificationKind;
  incidentId: string;
  key: string;
  probe: string;
  milestone: string;
  scope: string;
  environment: string;
  severity: Severity;
  level: 'degraded' | 'failed' | 'ok';
  summary: string;
  reason?: string;
  openedAt: string;
  at: string;
  impact: ImpactFacts;
  details?: Record<string, unknown>;
}
