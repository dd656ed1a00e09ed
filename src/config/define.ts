import type { LookupSpec, SyncprobeConfig, SystemConfig } from './types.ts';
import type { ScenarioDefinition } from '../engine/types.ts';

/** Identity functions: they exist so an author gets types and completion in config and scenario files. */
export function defineConfig(config: SyncprobeConfig): SyncprobeConfig {
  return config;
}

export function defineScenario(scenario: ScenarioDefinition): ScenarioDefinition {
  return scenario;
}

export function defineSystem(system: SystemConfig): SystemConfig {
  return system;
}

export function defineLookup(lookup: LookupSpec): LookupSpec {
  return lookup;
}
