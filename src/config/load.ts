import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, type ConfigProblem } from './errors.ts';
import type { SyncprobeConfig, SyntheticMarker } from './types.ts';
import { validateConfig, validateScenario } from './validate.ts';
import type { ScenarioDefinition } from '../engine/types.ts';

export interface LoadedScenario {
  definition: ScenarioDefinition;
  file: string;
}

export interface LoadedConfig {
  file: string;
  dir: string;
  config: SyncprobeConfig;
  marker: SyntheticMarker;
  defaultEnvironment: string;
  scenarios: LoadedScenario[];
}

export interface LoadConfigOptions {
  /** Scenario definitions given directly (tests, embedding) instead of or besides the scenario files. */
  scenarios?: ScenarioDefinition[];
  /** Skip loading the scenario files named by the config. */
  skipScenarioFiles?: boolean;
}

export const DEFAULT_MARKER: SyntheticMarker = { customer: 'SYNTHETIC-PROBE', referencePrefix: 'SP-' };

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The config file: the given path, ./syncprobe.config.ts, or the one shipped with syncprobe (sandbox environments). */
export function findConfigFile(path?: string): string {
  if (path) return resolve(path);
  const local = resolve('syncprobe.config.ts');
  if (existsSync(local)) return local;
  return join(PACKAGE_ROOT, 'syncprobe.config.ts');
}

/**
 * Imports a config or scenario module. A `.ts` file in a package that is not ESM (no
 * `"type": "module"` beside it) is CommonJS to Node and can fail to load as ESM; it is then loaded
 * through tsx's own importer, where its `export default` arrives one level down.
 */
async function importUserModule(file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    if (!/\.[cm]?tsx?$/.test(file)) throw err;
    const { tsImport } = await import('tsx/esm/api');
    let mod: Record<string, unknown>;
    try {
      mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    } catch {
      throw err;
    }
    const inner = mod.default as Record<string, unknown> | undefined;
    return inner && typeof inner === 'object' && inner.__esModule ? inner : mod;
  }
}

function scenarioFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name.startsWith('_') || name === 'lib' || name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...scenarioFiles(p));
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !/\.(test|spec|d)\.[mc]?[tj]s$/.test(name)) out.push(p);
  }
  return out;
}

function asScenarios(mod: Record<string, unknown>): unknown[] {
  const found: unknown[] = [];
  for (const [, v] of Object.entries(mod)) {
    if (Array.isArray(v)) found.push(...v);
    else if (v && typeof v === 'object' && 'milestones' in v) found.push(v);
  }
  return found;
}

/**
 * Imports syncprobe.config.ts and the scenario modules (tsx is the loader), validates everything and
 * throws one ConfigError listing every problem; nothing runs on an invalid config.
 */
export async function loadConfig(path?: string, opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const file = findConfigFile(path);
  const dir = dirname(file);
  const problems: ConfigProblem[] = [];
  if (!existsSync(file)) throw new ConfigError([{ file, field: '(file)', message: 'config file not found; pass --config FILE or create syncprobe.config.ts' }]);
  let raw: unknown;
  try {
    const mod = (await importUserModule(file)) as { default?: unknown };
    raw = mod.default;
  } catch (err) {
    throw new ConfigError([{ file, field: '(module)', message: `could not be imported: ${(err as Error).message}` }]);
  }
  problems.push(...validateConfig(raw, file));
  const config = (raw ?? { environments: {} }) as SyncprobeConfig;
  const slaDefaults = typeof config.sla === 'object' && config.sla ? config.sla : {};

  const scenarios: LoadedScenario[] = [];
  if (!opts.skipScenarioFiles) {
    const spec = config.scenarios ?? './scenarios';
    const files: string[] = [];
    if (typeof spec === 'string') {
      const sdir = resolve(dir, spec);
      if (!existsSync(sdir)) problems.push({ file, field: 'scenarios', message: `directory ${sdir} does not exist` });
      else files.push(...(statSync(sdir).isDirectory() ? scenarioFiles(sdir) : [sdir]));
    } else if (Array.isArray(spec)) {
      for (const f of spec) {
        const p = resolve(dir, f);
        if (!existsSync(p)) problems.push({ file, field: 'scenarios', message: `scenario file ${p} does not exist` });
        else files.push(p);
      }
    }
    for (const f of files) {
      let mod: Record<string, unknown>;
      try {
        mod = (await importUserModule(f)) as Record<string, unknown>;
      } catch (err) {
        problems.push({ file: f, field: '(module)', message: `could not be imported: ${(err as Error).message}` });
        continue;
      }
      const defs = asScenarios(mod);
      if (defs.length === 0) problems.push({ file: f, field: '(exports)', message: 'exports no scenario; expected `export default defineScenario({...})` or an array of them' });
      for (const d of defs) {
        const ps = validateScenario(d, f, slaDefaults);
        problems.push(...ps);
        if (ps.length === 0) scenarios.push({ definition: d as ScenarioDefinition, file: f });
      }
    }
  }
  for (const d of opts.scenarios ?? []) {
    const ps = validateScenario(d, '(inline)', slaDefaults);
    problems.push(...ps);
    if (ps.length === 0) scenarios.push({ definition: d, file: '(inline)' });
  }
  const seen = new Map<string, string>();
  for (const s of scenarios) {
    const prev = seen.get(s.definition.name);
    if (prev) problems.push({ file: s.file, field: 'name', message: `scenario name '${s.definition.name}' is also used in ${prev}; names must be unique` });
    seen.set(s.definition.name, s.file);
  }
  if (problems.length) throw new ConfigError(problems);
  const marker: SyntheticMarker = { ...DEFAULT_MARKER, ...config.marker };
  const envs = Object.keys(config.environments);
  const defaultEnvironment = config.defaultEnvironment ?? (envs.includes('sandbox') ? 'sandbox' : envs[0]!);
  return { file, dir, config, marker, defaultEnvironment, scenarios };
}
