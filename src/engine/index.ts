/**
 * The programmatic API of the scenario engine. The CLI, the scheduler and the Playwright adapter use
 * only what is exported here.
 */
export { defineConfig, defineScenario, defineSystem, defineLookup } from '../config/define.ts';
export { loadConfig, findConfigFile, DEFAULT_MARKER, type LoadedConfig, type LoadedScenario, type LoadConfigOptions } from '../config/load.ts';
export { ConfigError, type ConfigProblem } from '../config/errors.ts';
export type * from '../config/types.ts';
export type * from './types.ts';
export { runScenarios, selectScenarios, resolveSystems, type RunOptions, type SystemOverride, type EngineRunResult } from './run.ts';
export { runScenario, type ScenarioRunOptions } from './runtime.ts';
export { closeInboxes } from './inbox.ts';
export { evaluateMilestone, scenarioStatus, runStatus, type MilestoneObservation } from './evaluate.ts';
export { pollingDelay, type PollingSettings } from './poll.ts';
export { newCorrelationId, correlationIdForKey, referenceFor } from './correlation.ts';
export {
  SystemClient,
  RateLimitedError,
  type ResolvedSystem,
  type RequestOptions,
  type HttpResponse,
  type ResponseValidator,
  type ResponseObserver,
  type ResponseProblem,
  type ResponseContext,
} from '../http/client.ts';
export type { MilestoneResult, ScenarioResult, RunResult, MilestoneStatus, Failure } from '../core/result.ts';
