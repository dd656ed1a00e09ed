import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MilestoneResult, ScenarioResult } from '../core/result.ts';

/** Small shared helpers for the reporters: how durations and verdicts read, and safe file output. */

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 60_000) return `${trim(ms / 1000)} s`;
  if (Math.abs(ms) < 3_600_000) return `${trim(ms / 60_000)} min`;
  return `${trim(ms / 3_600_000)} h`;
}

function trim(n: number): string {
  return n.toFixed(1).replace(/\.0$/, '');
}

export function milestoneFailed(m: MilestoneResult): boolean {
  return m.status !== 'met';
}

/** "channel b2b · warehouse WH-EAST · env sandbox" */
export function scopeLine(tags: ScenarioResult['tags']): string {
  return [tags.channel && `channel ${tags.channel}`, tags.warehouse && `warehouse ${tags.warehouse}`, tags.environment && `env ${tags.environment}`].filter(Boolean).join(' · ');
}

/** What went wrong with a milestone, for one line of text. */
export function milestoneReason(m: MilestoneResult): string {
  if (m.failure) return `${m.failure.class}: ${m.failure.reason}`;
  if (m.status === 'late') return `observed after ${duration(m.latencyMs)}, SLA ${duration(m.slaMs)}`;
  if (m.status === 'missing') return `not observed within ${duration(m.latencyLowerMs ?? m.slaMs)}`;
  if (m.status === 'error') return 'could not be observed';
  return '';
}

/** Writes through a temporary file so a reader never sees half a report. */
export async function writeReportFile(dir: string, name: string, content: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
  return path;
}

export interface ReporterOptions {
  /** Directory for report files (--out); defaults to ./out. */
  outDir?: string;
  /** json: print the result document on stdout instead of writing results.json. */
  stdout?: boolean;
  /** console: where progress goes (stderr by default) and whether it is a terminal. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  tty?: boolean;
  /** Where "wrote FILE" notes go; stderr by default. */
  log?: (message: string) => void;
}

export const DEFAULT_OUT_DIR = 'out';

export function note(options: ReporterOptions, message: string): void {
  (options.log ?? ((m: string) => process.stderr.write(m + '\n')))(message);
}
