import type { FailureClass } from './errors.ts';
import type { Problem, Status } from './status.ts';

/** Milestone verdicts: met within SLA, late (observed after SLA), missing (never observed), error (could not observe). */
export type MilestoneStatus = 'met' | 'late' | 'missing' | 'error';

export interface Failure {
  class: FailureClass;
  /** A reason a person can act on: what did not happen, where, and what the systems said. */
  reason: string;
  /** Where the failure is: channel, warehouse, system. */
  scope?: { channel?: string; warehouse?: string; system?: string };
}

export interface MilestoneResult {
  name: string;
  system: string;
  status: MilestoneStatus;
  /** Harness-clock latency from the SLA start milestone (midpoint estimate within the bounds). */
  latencyMs: number | null;
  /** Last negative observation: the milestone had not happened yet at start + latencyLowerMs. */
  latencyLowerMs: number | null;
  /** First positive observation: it had happened by start + latencyUpperMs. */
  latencyUpperMs: number | null;
  /** Latency from timestamps the systems report, when they do. */
  systemLatencyMs?: number | null;
  /** Set when the system-reported latency is implausible against the bounds (clock skew). */
  clockSkewSuspected?: boolean;
  slaMs: number;
  /** The milestone the SLA clock starts from. */
  from?: string;
  requests?: number;
  /** How it was observed: polling the system's API, its webhook at the inbox, another push source, or a step's answer. */
  observedBy?: 'poll' | 'webhook' | 'push' | 'step';
  observedAt?: string;
  failure?: Failure;
  warnings?: Problem[];
}

export interface ScenarioResult {
  name: string;
  status: Status;
  correlationId: string;
  tags: { channel?: string; warehouse?: string; environment: string; [k: string]: string | undefined };
  startedAt: string;
  durationMs: number;
  milestones: MilestoneResult[];
  cleanup?: { status: 'done' | 'failed' | 'skipped'; actions: { name: string; ok: boolean; message?: string }[] };
  problems?: Problem[];
}

export interface RunResult {
  status: Status;
  environment: string;
  startedAt: string;
  durationMs: number;
  scenarios: ScenarioResult[];
}
