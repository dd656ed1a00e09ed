import type { Status } from '../core/status.ts';
import type { CheckProblem, Notice } from './verdict.ts';

/** The human summary of a check (stderr): one status line, then one line per problem and notice. */
export function humanSummary(doc: { status: Status; problems: CheckProblem[]; notices?: Notice[] }, title: string, figures: string): string {
  const lines = [`${title} ${doc.status.toUpperCase()}${figures ? ` - ${figures}` : ''}`];
  for (const p of doc.problems) lines.push(`  ${p.severity}: ${p.code}: ${p.message}`);
  for (const n of doc.notices ?? []) lines.push(`  note: ${n.code}: ${n.message}`);
  return lines.join('\n') + '\n';
}
