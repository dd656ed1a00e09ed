/** Verdicts follow the monitoring-plugin convention so any scheduler can read the exit code. */
export type Status = 'ok' | 'warning' | 'critical' | 'unknown';

export const EXIT_CODE: Record<Status, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

const RANK: Record<Status, number> = { ok: 0, warning: 1, unknown: 2, critical: 3 };

/** The worse of several verdicts; critical outranks unknown because a finding beats "could not tell". */
export function worst(...statuses: Status[]): Status {
  return statuses.reduce<Status>((acc, s) => (RANK[s] > RANK[acc] ? s : acc), 'ok');
}

export interface Problem {
  code: string;
  message: string;
}

/** The minimum every check document carries (DESIGN.md, external interface). */
export interface CheckDocument {
  status: Status;
  problems: Problem[];
  [figure: string]: unknown;
}
