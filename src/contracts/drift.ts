import type { ErrorObject } from 'ajv';
import type { Problem, Status } from '../core/status.ts';

/**
 * Drift rules: what a schema violation in a live payload means for the integration. Pure: takes the
 * validator's errors (ajv, allErrors + verbose) and the payload, returns classified findings.
 *
 * Breaking: a required field removed or renamed, a type changed, a value outside a closed code list
 * (the integration maps every value, so a value it does not know means one it knows was removed or
 * replaced), a format or pattern changed, a constraint violated. Compatible: a new field the schema
 * does not know, a new value in an open enum. Compatible drift is a warning, never a failure.
 */
export type DriftKind =
  | 'required-removed'
  | 'renamed'
  | 'type-changed'
  | 'format-changed'
  | 'enum-value-removed'
  | 'constraint-violated'
  | 'new-field'
  | 'new-enum-value';

export type DriftClassification = 'breaking' | 'compatible';

export interface DriftFinding {
  /** JSON pointer (RFC 6901) into the payload. */
  pointer: string;
  kind: DriftKind;
  classification: DriftClassification;
  message: string;
  expected?: unknown;
  actual?: unknown;
  /** For a rename: the field that seems to have taken the old one's place. */
  renamedTo?: string;
}

export const BREAKING_KINDS: ReadonlySet<DriftKind> = new Set([
  'required-removed',
  'renamed',
  'type-changed',
  'format-changed',
  'enum-value-removed',
  'constraint-violated',
]);

/** Schema annotation marking an enum the integration maps value by value (warehouse codes, units, ERP order status). */
export const CLOSED_ENUM_KEYWORD = 'x-closed-enum';

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function child(pointer: string, key: string): string {
  return `${pointer}/${escapePointerToken(key)}`;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function show(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function tokens(name: string): Set<string> {
  return new Set(
    name
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .split(/[\s_\-.]+/)
      .map((t) => t.toLowerCase())
      .filter((t) => t.length > 1),
  );
}

/** Name parts two field names share (externalReference / customerReference: 1). */
export function similarity(a: string, b: string): number {
  const tb = tokens(b);
  let n = 0;
  for (const t of tokens(a)) if (tb.has(t)) n++;
  return n;
}

/**
 * Pairs a missing required field with a new unknown field of the same object when they look like
 * the same thing under another name: a shared name part (externalReference / customerReference), or
 * the only missing and the only new field of that object.
 */
function pairRenames(missing: string[], added: string[]): Map<string, string> {
  const pairs = new Map<string, string>();
  const free = new Set(added);
  for (const m of missing) {
    let best: string | undefined;
    let bestScore = 0;
    for (const a of free) {
      const s = similarity(m, a);
      if (s > bestScore) [best, bestScore] = [a, s];
    }
    if (best) {
      pairs.set(m, best);
      free.delete(best);
    }
  }
  const unpairedMissing = missing.filter((m) => !pairs.has(m));
  if (unpairedMissing.length === 1 && free.size === 1) pairs.set(unpairedMissing[0]!, [...free][0]!);
  return pairs;
}

export function classifyDrift(errors: readonly ErrorObject[] | null | undefined): DriftFinding[] {
  if (!errors || errors.length === 0) return [];
  const findings: DriftFinding[] = [];
  const missingByObject = new Map<string, string[]>();
  const addedByObject = new Map<string, { name: string; value: unknown }[]>();
  const seen = new Set<string>();

  for (const e of errors) {
    const at = e.instancePath;
    const key = `${e.keyword}|${at}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    switch (e.keyword) {
      case 'required': {
        const list = missingByObject.get(at) ?? [];
        list.push((e.params as { missingProperty: string }).missingProperty);
        missingByObject.set(at, list);
        break;
      }
      case 'additionalProperties': {
        const name = (e.params as { additionalProperty: string }).additionalProperty;
        const data = e.data as Record<string, unknown> | undefined;
        const list = addedByObject.get(at) ?? [];
        list.push({ name, value: data?.[name] });
        addedByObject.set(at, list);
        break;
      }
      case 'type': {
        const expected = (e.params as { type: string | string[] }).type;
        const want = Array.isArray(expected) ? expected.join(' or ') : expected;
        findings.push({
          pointer: at,
          kind: 'type-changed',
          classification: 'breaking',
          message: `type changed: expected ${want}, got ${jsonType(e.data)} ${show(e.data)}`,
          expected: want,
          actual: e.data,
        });
        break;
      }
      case 'format':
      case 'pattern': {
        const want = e.keyword === 'format' ? (e.params as { format: string }).format : `pattern ${(e.params as { pattern: string }).pattern}`;
        findings.push({
          pointer: at,
          kind: 'format-changed',
          classification: 'breaking',
          message: `format changed: expected ${want}, got ${show(e.data)}`,
          expected: want,
          actual: e.data,
        });
        break;
      }
      case 'enum':
      case 'const': {
        const allowed = e.keyword === 'enum' ? (e.params as { allowedValues: unknown[] }).allowedValues : [(e.params as { allowedValue: unknown }).allowedValue];
        const closed = e.keyword === 'const' || (e.parentSchema as Record<string, unknown> | undefined)?.[CLOSED_ENUM_KEYWORD] === true;
        findings.push(
          closed
            ? {
                pointer: at,
                kind: 'enum-value-removed',
                classification: 'breaking',
                message: `value ${show(e.data)} is not one the integration maps (${allowed.map(show).join(', ')}): a value it relies on was removed or replaced`,
                expected: allowed,
                actual: e.data,
              }
            : {
                pointer: at,
                kind: 'new-enum-value',
                classification: 'compatible',
                message: `new enum value ${show(e.data)} (known: ${allowed.map(show).join(', ')})`,
                expected: allowed,
                actual: e.data,
              },
        );
        break;
      }
      default:
        findings.push({
          pointer: at,
          kind: 'constraint-violated',
          classification: 'breaking',
          message: `${e.keyword}: ${e.message ?? 'constraint violated'}, got ${show(e.data)}`,
          expected: e.params,
          actual: e.data,
        });
    }
  }

  for (const [at, missing] of missingByObject) {
    const added = addedByObject.get(at) ?? [];
    const pairs = pairRenames(
      missing,
      added.map((a) => a.name),
    );
    for (const m of missing) {
      const to = pairs.get(m);
      findings.push(
        to
          ? {
              pointer: child(at, m),
              kind: 'renamed',
              classification: 'breaking',
              message: `required field '${m}' is missing; it looks renamed to '${to}'`,
              expected: m,
              actual: to,
              renamedTo: to,
            }
          : {
              pointer: child(at, m),
              kind: 'required-removed',
              classification: 'breaking',
              message: `required field '${m}' is missing`,
              expected: m,
            },
      );
    }
    if (pairs.size > 0) addedByObject.set(at, added.filter((a) => ![...pairs.values()].includes(a.name)));
  }
  for (const [at, added] of addedByObject) {
    for (const a of added) {
      findings.push({
        pointer: child(at, a.name),
        kind: 'new-field',
        classification: 'compatible',
        message: `new field '${a.name}' (${jsonType(a.value)}) the contract does not know`,
        actual: a.value,
      });
    }
  }
  return findings.sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}

export type DriftVerdict = 'none' | 'compatible' | 'breaking';

export function driftVerdict(findings: readonly DriftFinding[]): DriftVerdict {
  if (findings.some((f) => f.classification === 'breaking')) return 'breaking';
  return findings.length > 0 ? 'compatible' : 'none';
}

/** Breaking drift is critical (a data failure), compatible drift a warning. */
export function driftStatus(findings: readonly DriftFinding[]): Status {
  const v = driftVerdict(findings);
  return v === 'breaking' ? 'critical' : v === 'compatible' ? 'warning' : 'ok';
}

export const DRIFT_PROBLEM_CODE = { breaking: 'drift.breaking', compatible: 'drift.compatible' } as const;

/**
 * One problem per finding, array indices collapsed so a list of 50 orders with the same new field
 * yields one problem, not 50. `where` names the payload (schema id, endpoint).
 */
export function driftProblems(findings: readonly DriftFinding[], where: string): Problem[] {
  const byShape = new Map<string, { f: DriftFinding; n: number }>();
  for (const f of findings) {
    const shape = `${f.classification}|${f.kind}|${f.pointer.replace(/\/\d+(?=\/|$)/g, '/*')}`;
    const hit = byShape.get(shape);
    if (hit) hit.n++;
    else byShape.set(shape, { f, n: 1 });
  }
  return [...byShape.values()].map(({ f, n }) => ({
    code: DRIFT_PROBLEM_CODE[f.classification],
    message: `${where} ${f.pointer || '/'}: ${f.message}${n > 1 ? ` (and ${n - 1} more like it)` : ''}`,
  }));
}
