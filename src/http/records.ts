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
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function readField(obj: unknown, spec: FieldSpec): unknown {
  const s = typeof spec === 'string' ? { path: spec } : spec;
  let v = getPath(obj, s.path);
  if (v === undefined || v === null) return v;
  if (s.map && typeof v === 'string' && Object.prototype.hasOwnProperty.call(s.map, v)) v = s.map[v];
  if (s.type === 'number') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? n : v;
  }
  if (s.type === 'time') {
    const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isFinite(t) ? t : null;
  }
  return v;
}

function mapFields(obj: unknown, fields: Record<string, FieldSpec>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(fields)) out[name] = readField(obj, spec);
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
  return items.map((item) => {
    const rec: NormalizedRecord = { ...mapFields(item, lookup.fields), raw: item };
    if (lookup.lines) {
      const ls = getPath(item, lookup.lines.path);
      rec.lines = Array.isArray(ls) ? ls.map((l) => ({ ...mapFields(l, lookup.lines!.fields), raw: l })) : [];
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
