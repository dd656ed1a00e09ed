import type { FieldSpec, LookupSpec } from '../config/types.ts';

/** A record in the scenario's vocabulary: the lookup's field map applied to one payload object. */
export interface NormalizedRecord {
  [field: string]: unknown;
  lines?: NormalizedRecord[];
  /** The payload as the system sent it. */
  raw: unknown;
}

export function getPath(value: unknown, path: string): unknown {
  if (path === '' || path === '.') return value;
  return walk(value, path.split('.'));
}

function walk(value: unknown, segments: readonly string[] | null): unknown {
  if (segments === null) return value;
  let cur: unknown = value;
  for (const part of segments) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

interface CompiledField {
  name: string;
  /** null: the value itself. */
  segments: string[] | null;
  map?: Record<string, string>;
  type?: 'string' | 'number' | 'time';
}

// Every poll answer goes through the same few field maps: split their paths once, not per record.
const compiledFields = new WeakMap<Record<string, FieldSpec>, CompiledField[]>();

function compile(fields: Record<string, FieldSpec>): CompiledField[] {
  let out = compiledFields.get(fields);
  if (!out) {
    out = Object.entries(fields).map(([name, spec]) => {
      const s = typeof spec === 'string' ? { path: spec } : spec;
      return { name, segments: s.path === '' || s.path === '.' ? null : s.path.split('.'), map: s.map, type: s.type };
    });
    compiledFields.set(fields, out);
  }
  return out;
}

function readField(obj: unknown, f: CompiledField): unknown {
  let v = walk(obj, f.segments);
  if (v === undefined || v === null) return v;
  if (f.map && typeof v === 'string' && Object.prototype.hasOwnProperty.call(f.map, v)) v = f.map[v];
  if (f.type === 'number') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? n : v;
  }
  if (f.type === 'time') {
    const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isFinite(t) ? t : null;
  }
  return v;
}

function mapFields(obj: unknown, fields: CompiledField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.name] = readField(obj, f);
  return out;
}

/** Applies a lookup's field map to a response body: one record per item (or the body itself). */
export function normalize(body: unknown, lookup: Pick<LookupSpec, 'items' | 'fields' | 'lines'>): NormalizedRecord[] {
  let items: unknown[];
  if (lookup.items) {
    const v = getPath(body, lookup.items);
    items = Array.isArray(v) ? v : [];
  } else {
    items = body === undefined || body === null || body === '' ? [] : [body];
  }
  const fields = compile(lookup.fields);
  const lineFields = lookup.lines ? compile(lookup.lines.fields) : undefined;
  return items.map((item) => {
    const rec = mapFields(item, fields) as NormalizedRecord;
    rec.raw = item;
    if (lookup.lines) {
      const ls = getPath(item, lookup.lines.path);
      rec.lines = Array.isArray(ls)
        ? ls.map((l) => {
            const line = mapFields(l, lineFields!) as NormalizedRecord;
            line.raw = l;
            return line;
          })
        : [];
    }
    return rec;
  });
}

/** Fills {param} placeholders; a query entry whose placeholder has no value is dropped. */
export function expandLookup(
  lookup: Pick<LookupSpec, 'path' | 'query'>,
  params: Record<string, string | number | undefined>,
): { path: string; query: Record<string, string>; missing: string[] } {
  const missing: string[] = [];
  const path = lookup.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined || v === '') {
      missing.push(name);
      return '';
    }
    return encodeURIComponent(String(v));
  });
  const query: Record<string, string> = {};
  for (const [k, tmpl] of Object.entries(lookup.query ?? {})) {
    let skip = false;
    const v = tmpl.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const p = params[name];
      if (p === undefined || p === '') {
        skip = true;
        return '';
      }
      return String(p);
    });
    if (!skip) query[k] = v;
  }
  return { path, query, missing };
}
