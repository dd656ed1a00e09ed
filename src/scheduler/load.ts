import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../core/errors.ts';
import type { ProbeDefinition } from './probe.ts';
import { isScheduleSettings, type ScheduleSettings } from './settings.ts';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name.startsWith('_') || name === 'lib' || name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !/\.(test|spec|d)\.[mc]?[tj]s$/.test(name)) out.push(p);
  }
  return out;
}

function looksLikeProbe(v: unknown): v is ProbeDefinition {
  return !!v && typeof v === 'object' && 'cron' in v && 'name' in v;
}

/**
 * Every probe exported by the modules under `dir` (default export or named exports; a probe or an
 * array of them). A module that fails to import is reported with the others, not one at a time.
 */
export async function loadProbes(dir: string): Promise<{ probes: Array<{ probe: ProbeDefinition; file: string }>; settings: ScheduleSettings; settingsFile?: string }> {
  const root = resolve(dir);
  if (!existsSync(root)) throw new UsageError(`probe directory ${root} does not exist`, '--probes', 'create probes/*.ts with defineProbe({...}) or point --probes at the directory');
  const out: Array<{ probe: ProbeDefinition; file: string }> = [];
  const problems: string[] = [];
  let settings: ScheduleSettings = { kind: 'schedule' };
  let settingsFile: string | undefined;
  for (const f of files(root)) {
    const rel = relative(process.cwd(), f) || f;
    try {
      const mod = (await import(pathToFileURL(f).href)) as Record<string, unknown>;
      const found: unknown[] = [];
      let hasSettings = false;
      for (const v of Object.values(mod)) {
        if (isScheduleSettings(v)) {
          if (settingsFile && settingsFile !== rel) problems.push(`${rel}: schedule settings are already defined in ${settingsFile}; keep one defineSchedule()`);
          settings = v;
          settingsFile = rel;
          hasSettings = true;
          continue;
        }
        if (Array.isArray(v)) found.push(...v.filter(looksLikeProbe));
        else if (looksLikeProbe(v)) found.push(v);
      }
      if (!found.length && !hasSettings) problems.push(`${rel}: exports no probe; expected \`export default defineProbe({...})\` or an array of them`);
      for (const p of new Set(found)) out.push({ probe: p as ProbeDefinition, file: rel });
    } catch (err) {
      problems.push(`${rel}: cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (problems.length) throw new UsageError(`${problems.length} problem${problems.length > 1 ? 's' : ''} loading probes:\n  ${problems.join('\n  ')}`, root);
  if (!out.length) throw new UsageError(`no probes in ${root}`, '--probes', 'add probes/*.ts with defineProbe({...})');
  return { probes: out, settings, settingsFile };
}
