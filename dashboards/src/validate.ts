import { referencedVariables } from './interpolate.ts';
import type { MeasurementSpec } from './measurements.ts';

/**
 * Checks a dashboard JSON document the way Grafana and the data behind it would fail it, and
 * reports every problem at once (never only the first) with where it is.
 */
export interface Diagnostic {
  /** dashboard uid or file, then the path inside it, e.g. `order-sync.json panels[3].targets[A]`. */
  where: string;
  message: string;
}

export interface ValidationContext {
  /** Data sources Grafana will have, from the provisioning files. */
  datasources: { uid: string; type: string }[];
  /** Measurements the queries may read; omit to skip the name check. */
  measurements?: readonly MeasurementSpec[];
}

export const MIN_SCHEMA_VERSION = 36;
const PANEL_TYPES = new Set(['timeseries', 'stat', 'table', 'bargauge', 'barchart', 'text', 'row', 'gauge', 'piechart', 'state-timeline', 'status-history', 'heatmap']);
const ALIAS_PATTERNS = /\$(?:tag_\w+|col|m|measurement)\b|\[\[(?:tag_\w+|col|m|measurement)\]\]/g;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateDashboard(doc: unknown, name: string, ctx: ValidationContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const add = (where: string, message: string) => out.push({ where: where ? `${name} ${where}` : name, message });
  if (!isObj(doc)) {
    add('', 'is not a JSON object');
    return out;
  }
  if (typeof doc.uid !== 'string' || doc.uid.length === 0 || doc.uid.length > 40 || !/^[A-Za-z0-9_-]+$/.test(doc.uid)) {
    add('uid', `must be 1-40 characters of letters, digits, '-' or '_' (got ${JSON.stringify(doc.uid)})`);
  }
  if (typeof doc.title !== 'string' || doc.title.trim() === '') add('title', 'is missing');
  if (typeof doc.schemaVersion !== 'number' || doc.schemaVersion < MIN_SCHEMA_VERSION) {
    add('schemaVersion', `must be a number >= ${MIN_SCHEMA_VERSION} (the current dashboard model), got ${JSON.stringify(doc.schemaVersion)}`);
  }
  if ('id' in doc && doc.id !== null) add('id', 'must be absent or null in a provisioned dashboard (Grafana assigns it)');

  const checkDatasource = (where: string, ds: unknown) => {
    if (!isObj(ds) || typeof ds.uid !== 'string') {
      add(where, 'has no datasource {type, uid}');
      return;
    }
    if (ds.type === 'grafana' || ds.uid === '-- Grafana --') return;
    const found = ctx.datasources.find((d) => d.uid === ds.uid);
    if (!found) add(where, `datasource uid '${ds.uid}' is not provisioned (known: ${ctx.datasources.map((d) => d.uid).join(', ') || 'none'})`);
    else if (found.type !== ds.type) add(where, `datasource '${ds.uid}' is provisioned as type '${found.type}', the dashboard says '${String(ds.type)}'`);
  };

  // Template variables.
  const templating = isObj(doc.templating) && Array.isArray(doc.templating.list) ? doc.templating.list : undefined;
  if (!templating) add('templating.list', 'is missing');
  const defined = new Map<string, Json>();
  (templating ?? []).forEach((v, i) => {
    const where = `templating.list[${i}]`;
    if (!isObj(v) || typeof v.name !== 'string' || !v.name) {
      add(where, 'has no name');
      return;
    }
    if (defined.has(v.name)) add(where, `variable '${v.name}' is defined twice`);
    defined.set(v.name, v);
    if (v.type === 'query') {
      checkDatasource(`${where} (${v.name})`, v.datasource);
      if (typeof v.query !== 'string' || !v.query.trim()) add(`${where} (${v.name})`, 'query variable without a query');
    }
  });
  const checkVariables = (where: string, text: string) => {
    for (const ref of referencedVariables(text.replace(ALIAS_PATTERNS, ''))) {
      if (!defined.has(ref)) add(where, `uses $${ref}, which is not a template variable of this dashboard`);
    }
  };
  (templating ?? []).forEach((v, i) => {
    if (isObj(v) && typeof v.query === 'string' && v.type === 'query') checkVariables(`templating.list[${i}] (${String(v.name)})`, v.query);
  });

  // Annotations.
  const annotations = isObj(doc.annotations) && Array.isArray(doc.annotations.list) ? doc.annotations.list : [];
  annotations.forEach((a, i) => {
    const where = `annotations.list[${i}]`;
    if (!isObj(a)) return add(where, 'is not an object');
    checkDatasource(where, a.datasource);
    const target = isObj(a.target) ? a.target : {};
    if (typeof target.query === 'string') {
      checkVariables(where, target.query);
      checkNames(where, target.query);
    }
  });

  // Panels.
  if (!Array.isArray(doc.panels)) {
    add('panels', 'is missing');
    return out;
  }
  const ids = new Map<number, number>();
  const boxes: { i: number; x: number; y: number; w: number; h: number }[] = [];
  doc.panels.forEach((p, i) => {
    const where = `panels[${i}]`;
    if (!isObj(p)) return add(where, 'is not an object');
    const label = `${where} '${String(p.title ?? '')}'`;
    if (!Number.isInteger(p.id) || (p.id as number) < 1) add(label, 'needs a positive integer id');
    else if (ids.has(p.id as number)) add(label, `id ${String(p.id)} is also used by panels[${ids.get(p.id as number)}]`);
    else ids.set(p.id as number, i);
    if (typeof p.type !== 'string' || !PANEL_TYPES.has(p.type)) add(label, `unknown panel type ${JSON.stringify(p.type)}`);
    const g = p.gridPos;
    if (!isObj(g) || ![g.x, g.y, g.w, g.h].every((n) => Number.isInteger(n) && (n as number) >= 0)) {
      add(label, 'needs gridPos {x, y, w, h} of whole numbers');
    } else {
      const [x, y, w, h] = [g.x, g.y, g.w, g.h] as number[];
      if (w! < 1 || h! < 1) add(label, 'gridPos width and height must be at least 1');
      if (x! + w! > 24) add(label, `gridPos x + w = ${x! + w!} exceeds the 24-column grid`);
      for (const b of boxes) {
        if (x! < b.x + b.w && b.x < x! + w! && y! < b.y + b.h && b.y < y! + h!) add(label, `overlaps panels[${b.i}]`);
      }
      boxes.push({ i, x: x!, y: y!, w: w!, h: h! });
    }
    if (typeof p.title === 'string') checkVariables(`${label} title`, p.title);
    if (typeof p.repeat === 'string' && p.repeat) {
      const v = defined.get(p.repeat);
      if (!v) add(label, `repeats by $${p.repeat}, which is not a template variable`);
      else if (!v.multi && !v.includeAll) add(label, `repeats by $${p.repeat}, which is neither multi-value nor has All`);
      // Grafana lays horizontal clones across the row; anything beside the panel ends up under them.
      if (p.repeatDirection !== 'v' && isObj(g) && g.w !== 24) add(label, `repeats horizontally by $${p.repeat} but is ${String(g.w)} wide: give it the full row (w 24) so its copies do not cover the panels beside it`);
    }
    if (p.type === 'row' || p.type === 'text') return;
    checkDatasource(label, p.datasource);
    const targets = Array.isArray(p.targets) ? p.targets : [];
    if (targets.length === 0) add(label, 'has no queries');
    const refIds = new Set<string>();
    targets.forEach((t, j) => {
      const tw = `${label} targets[${j}]`;
      if (!isObj(t)) return add(tw, 'is not an object');
      if (typeof t.refId !== 'string' || !t.refId) add(tw, 'has no refId');
      else if (refIds.has(t.refId)) add(tw, `refId ${t.refId} is used twice`);
      else refIds.add(t.refId);
      checkDatasource(tw, t.datasource ?? p.datasource);
      if (t.rawQuery !== true || typeof t.query !== 'string' || !t.query.trim()) return add(tw, 'must be a raw InfluxQL query (rawQuery: true, query)');
      checkVariables(tw, t.query);
      if (typeof t.alias === 'string') checkVariables(`${tw} alias`, t.alias);
      if (!/\$timeFilter\b/.test(t.query)) add(tw, 'does not restrict time with $timeFilter: it would scan all history and ignore the time picker');
      if (/GROUP BY[^;]*time\(/i.test(t.query) && !/time\(\$__interval\)/.test(t.query)) add(tw, 'groups by a fixed time bucket; use time($__interval) so it follows the time range');
      checkNames(tw, t.query);
    });
  });
  return out;

  function checkNames(where: string, query: string) {
    if (!ctx.measurements) return;
    for (const p of queryNameProblems(query, ctx.measurements)) add(where, p);
  }
}

/**
 * Measurements and columns a query names that no writer provides. Identifiers the query
 * defines itself (AS "alias", used by an outer query or a transformation) are allowed.
 */
export function queryNameProblems(query: string, measurements: readonly MeasurementSpec[]): string[] {
  const problems: string[] = [];
  const sources = [...query.matchAll(/\bFROM\s+"([^"]+)"/gi)].map((m) => m[1]!);
  if (sources.length === 0 && !/^\s*SHOW\s+TAG\s+VALUES\s+WITH/i.test(query) && !/FROM\s*\(/i.test(query)) problems.push('reads no measurement');
  const specs: MeasurementSpec[] = [];
  for (const s of sources) {
    const spec = measurements.find((m) => m.name === s);
    if (!spec) problems.push(`reads measurement '${s}', which nothing writes (not in dashboards/src/measurements.ts)`);
    else specs.push(spec);
  }
  const aliases = new Set([...query.matchAll(/\bAS\s+"([^"]+)"/gi)].map((m) => m[1]!));
  const known = new Set<string>(['time']);
  const pool = specs.length > 0 ? specs : measurements;
  for (const s of pool) {
    s.tags.forEach((t) => known.add(t));
    Object.keys(s.fields).forEach((f) => known.add(f));
  }
  const withoutAliases = query.replace(/\bAS\s+"[^"]+"/gi, '').replace(/\bFROM\s+"[^"]+"/gi, '');
  for (const m of withoutAliases.matchAll(/"([^"]+)"/g)) {
    const ident = m[1]!;
    if (!known.has(ident) && !aliases.has(ident)) problems.push(`names "${ident}", which ${specs.map((s) => s.name).join('/') || 'no measurement'} does not have`);
  }
  return [...new Set(problems)];
}
