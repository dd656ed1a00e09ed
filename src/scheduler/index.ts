export { defineProbe, isWriteProbe, probeKind, DEFAULT_TIMEOUT_MS, type ProbeDefinition, type CheckSpec } from './probe.ts';
export { validateProbes, assertValidProbes, type ProbeProblem, type ProbeCatalog } from './validate.ts';
export { outcomeFromRunResult, outcomeFromCheck, failedOutcome, scopeLabel, impactScopeOf, type ProbeContext, type ProbeJob, type ProbeOutcome } from './outcome.ts';
export { readKillSwitch, inMaintenance, gate, type KillSwitchConfig, type KillSwitchState, type MaintenanceWindow, type SkipReason } from './guards.ts';
export { Ledger, slotKey, type LedgerEntry } from './ledger.ts';
export { CronTicks, IntervalTicks, type TickSource } from './ticks.ts';
export { Daemon, alertPoint, type DaemonOptions, type DaemonSnapshot, type ProbeState, type LastRun, type StopReport, type SweepReport } from './daemon.ts';
export { startHealthServer, summarize, type HealthSummary } from './health.ts';
export { serveUntilSignal, type ServeOptions } from './lifecycle.ts';
