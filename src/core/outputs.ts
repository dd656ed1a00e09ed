import type { MilestoneResult, RunResult, ScenarioResult } from './result.ts';

/**
 * Output interfaces. An output failing never fails or loses a probe result: the engine talks to
 * outputs only through the multiplexers in src/outputs/, which isolate every call.
 */

/** One time-series point, in InfluxDB terms. Tags are indexed strings; never put secrets or ids with unbounded cardinality there. */
export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | string | boolean>;
  /** Epoch milliseconds. */
  timestamp: number;
}

export interface SinkStats {
  written: number;
  pending: number;
  spooled: number;
  deadLettered: number;
  failures: number;
}

/** k6-style output: start, add (never blocks, never throws), flush, stop (waits for the last flush). */
export interface Sink {
  readonly name: string;
  start(): Promise<void>;
  add(points: Point[]): void;
  flush(): Promise<void>;
  stop(): Promise<void>;
  stats(): SinkStats;
}

export interface RunInfo {
  environment: string;
  scenarios: string[];
  startedAt: string;
}

/** Reporter hooks are all optional; one broken reporter cannot abort a run. */
export interface Reporter {
  readonly name: string;
  onRunStart?(info: RunInfo): void | Promise<void>;
  onScenarioStart?(scenario: { name: string; correlationId: string; tags: ScenarioResult['tags'] }): void | Promise<void>;
  onMilestone?(scenario: { name: string; correlationId: string }, milestone: MilestoneResult): void | Promise<void>;
  onScenarioEnd?(result: ScenarioResult): void | Promise<void>;
  onRunEnd?(result: RunResult): void | Promise<void>;
}
