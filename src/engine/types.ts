import type { Failure, MilestoneResult } from '../core/result.ts';
import type { Problem } from '../core/status.ts';
import type { FailureClass } from '../core/errors.ts';
import type { SyntheticMarker } from '../config/types.ts';
import type { NormalizedRecord, RequestOptions, SystemClient } from '../http/client.ts';

/** A record as a lookup returns it: the mapped fields, the lines, and the raw payload. */
export type { NormalizedRecord };

/** What a step, a milestone condition or a cleanup action gets: the systems and the transaction state. */
export interface ScenarioContext {
  readonly scenario: string;
  readonly environment: string;
  /** Generated before the first step; sent as X-Correlation-Id and used in the reference field. */
  readonly correlationId: string;
  /** The synthetic reference placed with the transaction (marker prefix + correlation id). */
  readonly reference: string;
  readonly marker: SyntheticMarker;
  readonly tags: Record<string, string | undefined>;
  /** Values the steps and milestones hand on (order id, ERP order number, adjustment id, placed lines). */
  readonly vars: Record<string, unknown>;
  /** Merged environment settings (config settings + scenario params). */
  readonly settings: Record<string, unknown>;
  readonly signal: AbortSignal;
  system(name: string): SystemClient;
  request<T = unknown>(system: string, options: RequestOptions): Promise<{ status: number; body: T; headers: Record<string, string> }>;
  lookup(system: string, lookup: string, params: Record<string, string | number | undefined>): Promise<NormalizedRecord[]>;
  /** Records that a milestone happened during a step (e.g. channel accepted), with the harness interval and the system's timestamp. */
  mark(milestone: string, observed: { sentAt: number; receivedAt: number; systemAt?: number | null; record?: NormalizedRecord }): void;
  /** Registers an undo action as soon as something is created, so cleanup runs even if a later step fails. */
  onCleanup(name: string, action: (ctx: ScenarioContext) => Promise<void>): void;
  log(message: string): void;
}

export interface Step {
  name: string;
  system: string;
  /** Runs once this milestone is observed (e.g. the reversal after the adjustment is verified); default: at the start. */
  afterMilestone?: string;
  run(ctx: ScenarioContext): Promise<void>;
}

/** Result of a data-accuracy comparison: what differs between what was placed and what the system holds. */
export interface DataMismatch {
  field: string;
  expected: unknown;
  actual: unknown;
  message: string;
  /** Defaults to data. */
  class?: FailureClass;
}

export interface PollSpec {
  /** Lookup name on the milestone's system (see LookupSpec in the config). */
  lookup: string;
  params(ctx: ScenarioContext): Record<string, string | number | undefined>;
  /** The record(s) that prove the milestone; undefined = not yet (a negative observation). */
  until(records: NormalizedRecord[], ctx: ScenarioContext): NormalizedRecord | undefined;
}

/**
 * A push observation: the harness is told rather than asking. Either a webhook of the milestone's
 * system received by the environment's inbox (`webhook` + `until`, described by data in the config),
 * or any other source (`wait`, resolving with the time the harness learned of it).
 *
 * A milestone with both `push.webhook` and `poll` is observed by the webhook where the environment
 * has an inbox and the system that webhook, and by polling elsewhere.
 */
export interface PushSpec {
  /** Name of a webhook of the milestone's system (systems.X.webhooks). */
  webhook?: string;
  /** The record(s) of the webhook deliveries so far that prove the milestone; undefined = not yet. */
  until?(records: NormalizedRecord[], ctx: ScenarioContext): NormalizedRecord | undefined;
  wait?(ctx: ScenarioContext, signal: AbortSignal): Promise<{ receivedAt: number; systemAt?: number | null; record?: NormalizedRecord }>;
}

export interface Milestone {
  name: string;
  /** Readable name used in reasons, e.g. 'ERP order created'. */
  title?: string;
  system: string;
  /** The milestone the SLA clock starts from. Defaults to the first milestone of the scenario. */
  from?: string;
  /** The milestone this one causally follows (for the lower bound); defaults to the previous one. */
  after?: string;
  /** SLA in ms; the config's defaults by milestone name apply when absent. */
  slaMs?: number;
  /** Observed by a step through ctx.mark() instead of by polling. */
  markedByStep?: boolean;
  poll?: PollSpec;
  push?: PushSpec;
  /** Normalized field of the matched record that holds the system's own time of the milestone. */
  timestamp?: string;
  /** Data accuracy: compare the matched record with what was placed. */
  check?(record: NormalizedRecord, ctx: ScenarioContext, all: NormalizedRecord[]): DataMismatch[];
  /** Keep what later milestones need (e.g. ERP order number). */
  capture?(record: NormalizedRecord, ctx: ScenarioContext): void;
}

export interface Diagnosis {
  class: FailureClass;
  reason: string;
  scope?: Failure['scope'];
}

export interface ScenarioDefinition {
  name: string;
  description?: string;
  /** channel, warehouse, flow ... (environment is added by the engine). */
  tags?: Record<string, string>;
  /** Free tags for --tag selection. */
  labels?: string[];
  /** Marks scenarios that create records; schedulers stop them under a kill switch. */
  writes?: boolean;
  steps: Step[];
  milestones: Milestone[];
  /** Always run: on success, failure, timeout and interruption. */
  cleanup?: Step[];
  /** When a milestone is missing or late: look upstream for why (middleware message status, DLQ reason). */
  diagnose?(ctx: ScenarioContext, milestone: Milestone, verdict: MilestoneResult): Promise<Diagnosis | undefined>;
  /** Run once per run before the scenario (orphan sweep); shared by scenarios with the same key. */
  sweep?: { key: string; run(ctx: SweepContext): Promise<SweepReport> };
  /** Scenario-level deadline, ms. */
  timeoutMs?: number;
  /** Runs after the others, one at a time: a browser checkout would otherwise take the CPU the pollers need. */
  runAlone?: boolean;
}

export interface SweepContext {
  readonly environment: string;
  readonly marker: SyntheticMarker;
  readonly olderThanMs: number;
  /** Records of these correlation ids (runs known to have been interrupted) are undone whatever their age. */
  readonly correlationIds?: ReadonlySet<string>;
  readonly signal: AbortSignal;
  readonly settings: Record<string, unknown>;
  system(name: string): SystemClient;
  lookup(system: string, lookup: string, params: Record<string, string | number | undefined>): Promise<NormalizedRecord[]>;
  log(message: string): void;
}

export interface SweepReport {
  found: number;
  cleaned: number;
  problems: Problem[];
}
