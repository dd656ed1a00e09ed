import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.ts';
import type { Point } from '../core/outputs.ts';
import { EXIT_CODE, worst, type Status } from '../core/status.ts';
import { checkAckText, checkFileArrival, globToRegExp, type EdiCheckDocument, type EdiProblem, type FileArrivalExpectation } from './checks.ts';
import { describeTA1, readTA1 } from './documents.ts';

/**
 * EDI checks as probe types for the scheduler: options validation (every problem at once, naming
 * the field), the run, and InfluxDB points.
 *
 *   edi-file-arrival  { partner, folder, pattern, window: { from?, by }, graceMinutes? }
 *   edi-ack           { partner, folder, pattern?, ta1Pattern?, sinceMinutes? }  every 997 (and TA1)
 *                     that landed in the folder in the last sinceMinutes (default 60) must be accepted
 */
export const EDI_CHECK_TYPES = ['edi-file-arrival', 'edi-ack'] as const;
export type EdiCheckType = (typeof EDI_CHECK_TYPES)[number];

export interface AckFolderOptions {
  partner: string;
  folder: string;
  /** Default '997_*'. */
  pattern: string;
  /** TA1 interchange acknowledgements in the same folder; default 'TA1_*', '' for none. */
  ta1Pattern: string;
  sinceMinutes: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function field(o: Record<string, unknown>, name: string, problems: string[], where: string): string {
  const v = o[name];
  if (typeof v !== 'string' || v.trim() === '') {
    problems.push(`${where}.${name}: expected a non-empty string, got ${JSON.stringify(v)}`);
    return '';
  }
  return v;
}

function asObject(opts: unknown, where: string): Record<string, unknown> {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new UsageError(`expected an object of options, got ${JSON.stringify(opts)}`, where);
  return opts as Record<string, unknown>;
}

function timeSpec(v: unknown): boolean {
  return typeof v === 'string' && (HHMM.test(v) || !Number.isNaN(Date.parse(v)));
}

export function fileArrivalOptions(opts: unknown, where = 'check.options'): FileArrivalExpectation {
  const o = asObject(opts, where);
  const problems: string[] = [];
  const partner = field(o, 'partner', problems, where);
  const folder = field(o, 'folder', problems, where);
  const pattern = field(o, 'pattern', problems, where);
  const w = o.window as Record<string, unknown> | undefined;
  if (!w || typeof w !== 'object') problems.push(`${where}.window: expected { by: 'HH:MM' (UTC) or an ISO time, from?: same }`);
  else {
    if (!timeSpec(w.by)) problems.push(`${where}.window.by: expected 'HH:MM' (UTC) or an ISO timestamp, got ${JSON.stringify(w.by)}`);
    if (w.from !== undefined && !timeSpec(w.from)) problems.push(`${where}.window.from: expected 'HH:MM' (UTC) or an ISO timestamp, got ${JSON.stringify(w.from)}`);
    if (typeof w.by === 'string' && typeof w.from === 'string' && HHMM.test(w.by) !== HHMM.test(w.from)) problems.push(`${where}.window: from and by must both be HH:MM or both be ISO timestamps`);
  }
  const grace = o.graceMinutes;
  if (grace !== undefined && (typeof grace !== 'number' || !(grace >= 0))) problems.push(`${where}.graceMinutes: expected a number of minutes >= 0, got ${JSON.stringify(grace)}`);
  if (problems.length) throw new UsageError(problems.join('; '), where, 'see docs/edi.md for the edi-file-arrival options');
  return { partner, folder, pattern, window: { by: String(w!.by), ...(w!.from !== undefined ? { from: String(w!.from) } : {}) }, ...(grace !== undefined ? { graceMinutes: grace as number } : {}) };
}

export function ackFolderOptions(opts: unknown, where = 'check.options'): AckFolderOptions {
  const o = asObject(opts, where);
  const problems: string[] = [];
  const partner = field(o, 'partner', problems, where);
  const folder = field(o, 'folder', problems, where);
  const pattern = o.pattern === undefined ? '997_*' : field(o, 'pattern', problems, where);
  const ta1Pattern = o.ta1Pattern === undefined ? 'TA1_*' : typeof o.ta1Pattern === 'string' ? o.ta1Pattern : (problems.push(`${where}.ta1Pattern: expected a file pattern or '' for none, got ${JSON.stringify(o.ta1Pattern)}`), '');
  const since = o.sinceMinutes ?? 60;
  if (typeof since !== 'number' || !(since > 0)) problems.push(`${where}.sinceMinutes: expected a number of minutes > 0, got ${JSON.stringify(since)}`);
  if (problems.length) throw new UsageError(problems.join('; '), where, 'see docs/edi.md for the edi-ack options');
  return { partner, folder, pattern, ta1Pattern, sinceMinutes: since as number };
}

export interface AckFile {
  name: string;
  mtimeMs: number;
  text: string;
}

const patternOf = (p: string, partner: string) => globToRegExp(p.split('{partner}').join(partner));
const ta1ReOf = (opts: AckFolderOptions) => (opts.ta1Pattern ? patternOf(opts.ta1Pattern, opts.partner) : undefined);

/** A TA1 file as a check document: A ok, E a warning, R critical (class data), unreadable critical. */
export function checkTa1Text(text: string): EdiCheckDocument {
  const t = readTA1(text);
  if (!t.ack) return { status: 'critical', problems: [{ code: 'edi.ta1Malformed', failureClass: 'data', message: `unreadable TA1: ${t.problems.join('; ')}` }] };
  if (t.ack.status === 'A') return { status: 'ok', problems: [] };
  const rejected = t.ack.status === 'R';
  return {
    status: rejected ? 'critical' : 'warning',
    problems: [
      {
        code: rejected ? 'edi.interchangeRejected' : 'edi.interchangeWithErrors',
        failureClass: 'data',
        segment: 'TA1',
        element: 5,
        message: rejected ? `interchange rejected at the envelope: ${describeTA1(t.ack)}; nothing in it was read` : `interchange accepted with errors: ${describeTA1(t.ack)}`,
      },
    ],
  };
}

/** Pure: every 997 and TA1 in the list judged; the worst decides, each problem names its file. */
export function evaluateAckFiles(opts: AckFolderOptions, files: AckFile[], now: Date): EdiCheckDocument {
  const since = now.getTime() - opts.sinceMinutes * 60_000;
  const re = patternOf(opts.pattern, opts.partner);
  const ta1Re = ta1ReOf(opts);
  const recent = files.filter((f) => (re.test(f.name) || ta1Re?.test(f.name)) && f.mtimeMs >= since).sort((a, b) => a.mtimeMs - b.mtimeMs);
  const problems: EdiProblem[] = [];
  const statuses: Status[] = [];
  let accepted = 0;
  let rejected = 0;
  for (const f of recent) {
    const doc = ta1Re?.test(f.name) && !re.test(f.name) ? checkTa1Text(f.text) : checkAckText(f.text);
    statuses.push(doc.status);
    if (doc.status === 'ok') accepted++;
    if (doc.problems.some((p) => p.code === 'edi.ackRejected' || p.code === 'edi.interchangeRejected')) rejected++;
    for (const p of doc.problems) problems.push({ ...p, message: `${opts.partner}: ${f.name}: ${p.message}` });
  }
  const status = worst(...statuses);
  const first = problems[0];
  return {
    status,
    problems,
    partner: opts.partner,
    folder: opts.folder,
    since: new Date(since).toISOString(),
    acks: recent.length,
    accepted,
    rejected,
    ...(status !== 'ok' && first ? { failure: { class: first.failureClass ?? 'data', reason: problems.map((p) => p.message).join('; ') } } : {}),
  };
}

export async function checkAckFolder(opts: AckFolderOptions, now: Date = new Date()): Promise<EdiCheckDocument> {
  const folder = opts.folder.split('{partner}').join(opts.partner);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const message = `${opts.partner}: folder ${folder} cannot be read (${reason})`;
    return { status: 'critical', problems: [{ code: 'edi.folderUnreadable', failureClass: 'transport', message }], partner: opts.partner, folder, failure: { class: 'transport', reason: message } };
  }
  const since = now.getTime() - opts.sinceMinutes * 60_000;
  const re = patternOf(opts.pattern, opts.partner);
  const ta1Re = ta1ReOf(opts);
  const files: AckFile[] = [];
  for (const name of names) {
    if (!re.test(name) && !ta1Re?.test(name)) continue;
    try {
      const p = join(folder, name);
      const s = await stat(p);
      if (!s.isFile() || s.mtimeMs < since) continue;
      files.push({ name, mtimeMs: s.mtimeMs, text: await readFile(p, 'utf8') });
    } catch {
      // Picked up between listing and reading: not ours to judge any more.
    }
  }
  return evaluateAckFiles({ ...opts, folder }, files, now);
}

/** Validates the options and runs the check; bad options throw UsageError (exit 3). */
export async function runEdiCheck(type: string, options: unknown, now: Date = new Date()): Promise<EdiCheckDocument> {
  if (type === 'edi-file-arrival') return checkFileArrival(fileArrivalOptions(options), now);
  if (type === 'edi-ack') return checkAckFolder(ackFolderOptions(options), now);
  throw new UsageError(`unknown EDI check '${type}'`, 'check.type', `EDI checks: ${EDI_CHECK_TYPES.join(', ')}`);
}

/** One point per check run: measurement edi_check, tags check/partner/env, the verdict and the figures. */
export function ediPoints(type: EdiCheckType, doc: EdiCheckDocument, ctx: { environment: string; probe?: string; at?: number }): Point[] {
  const fields: Point['fields'] = { status: doc.status, status_code: EXIT_CODE[doc.status], problems: doc.problems.map((p) => p.code).join(',') };
  for (const k of ['marginMinutes', 'lateMinutes', 'acks', 'accepted', 'rejected'] as const) {
    const v = doc[k];
    if (typeof v === 'number') fields[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  }
  if (typeof doc.state === 'string') fields.state = doc.state;
  const tags: Record<string, string> = { check: type, env: ctx.environment };
  if (typeof doc.partner === 'string') tags.partner = doc.partner;
  if (ctx.probe) tags.probe = ctx.probe;
  return [{ measurement: 'edi_check', tags, fields, timestamp: ctx.at ?? Date.now() }];
}
