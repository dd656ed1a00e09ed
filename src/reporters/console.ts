import type { Reporter, RunInfo } from '../core/outputs.ts';
import type { MilestoneResult, RunResult, ScenarioResult } from '../core/result.ts';
import type { Status } from '../core/status.ts';
import { redact } from '../core/redact.ts';
import { duration, milestoneReason, scopeLine, type ReporterOptions } from './format.ts';

const MARK: Record<MilestoneResult['status'], string> = { met: '✔', late: '◷', missing: '✖', error: '!' };
const COLOUR: Record<MilestoneResult['status'] | Status, number> = { met: 32, ok: 32, late: 33, warning: 33, missing: 31, critical: 31, error: 35, unknown: 35 };

/**
 * Human output on stderr. On a terminal: live progress, a line per scenario start and per
 * milestone as it resolves. Otherwise (CI logs, pipes): only the summary at the end.
 */
export function consoleReporter(options: ReporterOptions = {}): Reporter {
  const stream = options.stream ?? process.stderr;
  const live = options.tty ?? Boolean(stream.isTTY);
  const colour = live && !process.env.NO_COLOR;
  const paint = (code: number, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  const write = (line: string) => stream.write(redact(line) + '\n');

  return {
    name: 'console',
    onRunStart(raw: RunInfo) {
      const info = clean(raw);
      if (live) write(`syncprobe run · env ${info.environment} · ${info.scenarios.length} scenario${info.scenarios.length === 1 ? '' : 's'}`);
    },
    onScenarioStart(raw) {
      const s = clean(raw);
      if (live) write(`▶ ${s.name}  ${paint(2, `${scopeLine(s.tags)} · ${s.correlationId}`)}`);
    },
    onMilestone(_s, raw) {
      const m = clean(raw);
      if (live) write(`  ${paint(COLOUR[m.status], `${MARK[m.status]} ${m.status.padEnd(7)}`)} ${milestoneLine(m)}`);
    },
    onScenarioEnd(raw: ScenarioResult) {
      const r = clean(raw);
      if (live) write(`${paint(COLOUR[r.status], `■ ${r.status.toUpperCase()}`)} ${r.name} in ${duration(r.durationMs)}`);
    },
    onRunEnd(result: RunResult) {
      for (const line of summary(clean(result))) write(line.colour === undefined ? line.text : paint(line.colour, line.text));
    },
  };
}

function milestoneLine(m: MilestoneResult): string {
  const bounds = m.latencyLowerMs !== null || m.latencyUpperMs !== null ? ` (${duration(m.latencyLowerMs)}–${duration(m.latencyUpperMs)})` : '';
  const latency = m.latencyMs !== null ? `${duration(m.latencyMs)}${bounds}` : 'not observed';
  const reason = m.status === 'met' ? '' : ` — ${milestoneReason(m)}`;
  return `${m.name} [${m.system}] ${latency}, SLA ${duration(m.slaMs)}${reason}`;
}

/** The plain summary: counts, then every scenario that is not ok with each failed milestone and its reason. */
export function summary(result: RunResult): Array<{ text: string; colour?: number }> {
  const counts = new Map<Status, number>();
  for (const s of result.scenarios) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const parts = (['ok', 'warning', 'critical', 'unknown'] as const).filter((s) => counts.get(s)).map((s) => `${counts.get(s)} ${s}`);
  const lines: Array<{ text: string; colour?: number }> = [
    {
      text: `syncprobe: ${result.scenarios.length} scenario${result.scenarios.length === 1 ? '' : 's'} in ${duration(result.durationMs)} on ${result.environment}: ${parts.join(', ') || 'none run'} — ${result.status.toUpperCase()}`,
      colour: COLOUR[result.status],
    },
  ];
  for (const s of result.scenarios) {
    const failed = s.milestones.filter((m) => m.status !== 'met');
    lines.push({ text: `  ${s.status.toUpperCase().padEnd(8)} ${s.name} (${scopeLine(s.tags)}; ${s.correlationId})`, colour: COLOUR[s.status] });
    for (const m of failed) lines.push({ text: `    ${m.name} ${m.status}: ${milestoneReason(m)}` });
    for (const p of s.problems ?? []) lines.push({ text: `    ${p.code}: ${p.message}` });
    if (s.cleanup?.status === 'failed') {
      const bad = s.cleanup.actions.filter((a) => !a.ok).map((a) => `${a.name}${a.message ? ` (${a.message})` : ''}`);
      lines.push({ text: `    cleanup failed: ${bad.join('; ')}` });
    }
  }
  return lines;
}

/** Control characters from the systems' answers must not drive the terminal; one line per item. */
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD') : v))) as T;
}
