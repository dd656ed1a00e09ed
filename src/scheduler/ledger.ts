import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Idempotency ledger: one line per run start and finish, appended to a file in the state dir. A slot
 * (probe × scheduled time) that started once is never started again, even after a restart; runs that
 * started but never finished (the process died mid-transaction) are handed to the orphan sweep.
 */
export interface LedgerEntry {
  key: string;
  probe: string;
  runId: string;
  startedAt: string;
  finishedAt?: string;
  writes: boolean;
}

const KEEP = 2000;

export class Ledger {
  private readonly entries = new Map<string, LedgerEntry>();

  constructor(private readonly file?: string) {
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const rec = JSON.parse(line) as Partial<LedgerEntry> & { key: string; phase?: 'start' | 'finish'; at?: string };
          if (rec.phase === 'finish') {
            const e = this.entries.get(rec.key);
            if (e) e.finishedAt = rec.at;
          } else if (rec.probe && rec.runId && rec.startedAt) {
            this.entries.set(rec.key, { key: rec.key, probe: rec.probe, runId: rec.runId, startedAt: rec.startedAt, writes: !!rec.writes });
          }
        } catch {
          // a torn last line after a crash: the rest of the ledger still counts
        }
      }
      this.compact();
    }
  }

  private compact(): void {
    if (!this.file) return;
    const all = [...this.entries.values()];
    const keep = all.slice(-KEEP);
    if (keep.length < all.length) for (const e of all.slice(0, all.length - KEEP)) this.entries.delete(e.key);
    const lines = keep.flatMap((e) => [JSON.stringify({ phase: 'start', ...e, finishedAt: undefined }), ...(e.finishedAt ? [JSON.stringify({ phase: 'finish', key: e.key, at: e.finishedAt })] : [])]);
    writeFileSync(this.file + '.tmp', lines.join('\n') + (lines.length ? '\n' : ''));
    renameSync(this.file + '.tmp', this.file);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  begin(e: Omit<LedgerEntry, 'finishedAt'>): void {
    this.entries.set(e.key, { ...e });
    if (this.file) appendFileSync(this.file, JSON.stringify({ phase: 'start', ...e }) + '\n');
  }

  finish(key: string, at = new Date().toISOString()): void {
    const e = this.entries.get(key);
    if (e) e.finishedAt = at;
    if (this.file) appendFileSync(this.file, JSON.stringify({ phase: 'finish', key, at }) + '\n');
  }

  /** Runs that started and never finished: candidates for the orphan sweep. */
  unfinished(): LedgerEntry[] {
    return [...this.entries.values()].filter((e) => !e.finishedAt);
  }
}

export function slotKey(probe: string, scheduledAt: Date): string {
  return `${probe}@${scheduledAt.toISOString()}`;
}
