import type { Problem, Status } from '../core/status.ts';
import { redact } from '../core/redact.ts';

/**
 * Turns the Pact verifier's JSON result into a report a person can act on: per interaction, the
 * request, and for each mismatch where (status, header, body path), what was expected and what the
 * provider answered. Pure.
 */
export interface ContractMismatch {
  kind: 'status' | 'header' | 'body' | 'metadata' | 'other';
  /** JSON path in the body ($.items[0].quantity) or the header name. */
  path?: string;
  expected?: string;
  actual?: string;
  message: string;
}

export interface InteractionReport {
  description: string;
  states: string[];
  request: { method: string; path: string };
  result: 'passed' | 'failed' | 'pending-failed';
  mismatches: ContractMismatch[];
  /** The provider's error body when it refused the request (4xx/5xx). */
  providerSaid?: string;
  /** A provider state that could not be set up. */
  stateError?: string;
}

export interface VerifierJson {
  result?: boolean;
  errors?: { interaction?: string; mismatch?: { type?: string; message?: string; mismatches?: RawMismatch[] } }[];
  pendingErrors?: VerifierJson['errors'];
  interactionResults?: { description?: string; result?: string }[];
}

interface RawMismatch {
  type?: string;
  path?: string;
  key?: string;
  expected?: unknown;
  actual?: unknown;
  mismatch?: string;
}

export interface PlannedInteraction {
  description: string;
  states: string[];
  method: string;
  path: string;
  pending?: boolean;
}

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v));

function toMismatch(m: RawMismatch): ContractMismatch {
  const type = (m.type ?? '').toLowerCase();
  const kind: ContractMismatch['kind'] = type.includes('status')
    ? 'status'
    : type.includes('header')
      ? 'header'
      : type.includes('body')
        ? 'body'
        : type.includes('metadata')
          ? 'metadata'
          : 'other';
  const path = m.path ?? m.key;
  return {
    kind,
    ...(path ? { path } : {}),
    ...(str(m.expected) !== undefined ? { expected: str(m.expected)! } : {}),
    ...(str(m.actual) !== undefined ? { actual: str(m.actual)! } : {}),
    message: m.mismatch ?? `${kind} mismatch`,
  };
}

function findDescription(label: string | undefined, planned: PlannedInteraction[]): PlannedInteraction | undefined {
  if (!label) return undefined;
  // The verifier labels errors "Verifying a pact between C and P [Given S] - DESCRIPTION".
  return [...planned].sort((a, b) => b.description.length - a.description.length).find((p) => label === p.description || label.endsWith(` - ${p.description}`));
}

export function interpretVerification(
  json: VerifierJson,
  planned: PlannedInteraction[],
  extra: { providerErrors?: Map<string, string>; stateErrors?: Map<string, string> } = {},
): { interactions: InteractionReport[]; status: Status; problems: Problem[] } {
  const failures = new Map<string, ContractMismatch[]>();
  const pendingFailures = new Set<string>();
  const collect = (errors: VerifierJson['errors'], pending: boolean) => {
    for (const e of errors ?? []) {
      const p = findDescription(e.interaction, planned);
      const key = p?.description ?? e.interaction ?? 'unknown interaction';
      const list = failures.get(key) ?? [];
      if (e.mismatch?.mismatches?.length) list.push(...e.mismatch.mismatches.map(toMismatch));
      else list.push({ kind: 'other', message: e.mismatch?.message ?? 'verification failed' });
      failures.set(key, list);
      if (pending) pendingFailures.add(key);
    }
  };
  collect(json.errors, false);
  collect(json.pendingErrors, true);
  for (const r of json.interactionResults ?? []) {
    if (r.result && r.result !== 'OK' && r.description && !failures.has(r.description)) failures.set(r.description, [{ kind: 'other', message: `verifier result: ${r.result}` }]);
  }

  const interactions: InteractionReport[] = planned.map((p) => {
    const mismatches = failures.get(p.description) ?? [];
    const failed = mismatches.length > 0;
    const providerSaid = extra.providerErrors?.get(`${p.method} ${p.path}`);
    const stateError = p.states.map((s) => extra.stateErrors?.get(s)).find(Boolean);
    return {
      description: p.description,
      states: p.states,
      request: { method: p.method, path: p.path },
      result: failed ? (pendingFailures.has(p.description) || p.pending ? 'pending-failed' : 'failed') : 'passed',
      mismatches,
      ...(failed && providerSaid ? { providerSaid } : {}),
      ...(failed && stateError ? { stateError } : {}),
    };
  });
  for (const [key, mismatches] of failures) {
    if (!planned.some((p) => p.description === key)) {
      interactions.push({ description: key, states: [], request: { method: '?', path: '?' }, result: 'failed', mismatches });
    }
  }

  const problems: Problem[] = [];
  for (const i of interactions) {
    if (i.result === 'passed') continue;
    problems.push({ code: i.result === 'failed' ? 'contract.mismatch' : 'contract.pending-mismatch', message: redact(describeInteraction(i)) });
  }
  const failed = interactions.some((i) => i.result === 'failed');
  const pending = interactions.some((i) => i.result === 'pending-failed');
  const status: Status = failed || (json.result === false && !pending) ? 'critical' : pending ? 'warning' : 'ok';
  return { interactions, status, problems };
}

/** One line per mismatch: "interaction (METHOD path): body $.x: expected A, actual B (verifier message)". */
export function describeInteraction(i: InteractionReport): string {
  const head = `${i.description} (${i.request.method} ${i.request.path}${i.states.length ? `, given ${i.states.join(' and ')}` : ''})`;
  const lines = i.mismatches.map((m) => {
    const where = m.kind === 'status' ? 'status' : `${m.kind}${m.path ? ` ${m.path}` : ''}`;
    const ev = m.expected !== undefined || m.actual !== undefined ? `: expected ${clip(m.expected ?? '?')}, actual ${clip(m.actual ?? '?')}` : '';
    return `${where}${ev} (${m.message})`;
  });
  if (i.providerSaid) lines.push(`provider said: ${clip(i.providerSaid, 300)}`);
  if (i.stateError) lines.push(`provider state could not be set up: ${clip(i.stateError, 300)}`);
  return `${head}: ${lines.join('; ')}`;
}

function clip(s: string, n = 160): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}

/** The native verifier's JSON answer; anything else it printed becomes one error naming what it said. */
export function parseVerifierOutput(out: unknown): VerifierJson {
  if (out && typeof out === 'object') return out as VerifierJson;
  const text = String(out ?? '');
  try {
    return JSON.parse(text) as VerifierJson;
  } catch {
    return { result: false, errors: [{ interaction: 'verification', mismatch: { type: 'error', message: redact(text.slice(0, 500)) || 'the Pact verifier did not run' } }] };
  }
}
