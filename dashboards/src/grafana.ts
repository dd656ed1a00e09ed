/**
 * A small typed subset of the Grafana dashboard JSON model (schemaVersion 39, Grafana 10/11)
 * and builders that assign panel ids and grid positions, so the dashboard files stay
 * consistent without hand-kept numbers.
 */

export const SCHEMA_VERSION = 39;

/** The data source every dashboard points at; dashboards/provisioning/datasources/influxdb.yaml provisions it. */
export const DATASOURCE = { type: 'influxdb', uid: 'syncprobe-influx' } as const;
export type DataSourceRef = { type: string; uid: string };

export interface InfluxTarget {
  refId: string;
  datasource: DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  alias?: string;
}

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Threshold {
  color: string;
  value: number | null;
}

export interface FieldConfig {
  defaults: {
    unit?: string;
    min?: number;
    max?: number;
    decimals?: number;
    color?: { mode: string };
    thresholds?: { mode: 'absolute' | 'percentage'; steps: Threshold[] };
    mappings?: unknown[];
    custom?: Record<string, unknown>;
    displayName?: string;
  };
  overrides: { matcher: { id: string; options: unknown }; properties: { id: string; value: unknown }[] }[];
}

export interface Panel {
  id: number;
  type: 'timeseries' | 'stat' | 'table' | 'bargauge' | 'barchart' | 'text';
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource: DataSourceRef;
  targets: InfluxTarget[];
  fieldConfig: FieldConfig;
  options: Record<string, unknown>;
  transformations?: { id: string; options: Record<string, unknown> }[];
  repeat?: string;
  repeatDirection?: 'h' | 'v';
  maxPerRow?: number;
}

export interface QueryVariable {
  type: 'query';
  name: string;
  label: string;
  datasource: DataSourceRef;
  query: string;
  definition: string;
  refresh: 1 | 2;
  includeAll: boolean;
  multi: boolean;
  allValue?: string;
  current: { selected: boolean; text: string[]; value: string[] };
  options: [];
  regex: string;
  sort: number;
  hide: 0 | 1 | 2;
}

export interface TextboxVariable {
  type: 'textbox';
  name: string;
  label: string;
  query: string;
  current: { selected: boolean; text: string; value: string };
  options: { selected: boolean; text: string; value: string }[];
  hide: 0 | 1 | 2;
  description?: string;
}

export type Variable = QueryVariable | TextboxVariable;

export interface Annotation {
  name: string;
  datasource: DataSourceRef | { type: 'grafana'; uid: '-- Grafana --' };
  enable: boolean;
  hide: boolean;
  iconColor: string;
  builtIn?: 1;
  type?: 'dashboard';
  target: Record<string, unknown>;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: 'browser' | 'utc';
  editable: boolean;
  graphTooltip: 0 | 1 | 2;
  schemaVersion: number;
  version: number;
  refresh: string;
  time: { from: string; to: string };
  fiscalYearStartMonth: 0;
  liveNow: false;
  links: Record<string, unknown>[];
  templating: { list: Variable[] };
  annotations: { list: Annotation[] };
  panels: Panel[];
}

// ---------------------------------------------------------------------------------------------
// Builders

export interface QuerySpec {
  query: string;
  /** Legend/series name pattern (Grafana InfluxDB alias: $tag_NAME, $col, $m). */
  alias?: string;
  format?: 'time_series' | 'table';
}

export interface PanelSpec {
  type: Panel['type'];
  title: string;
  description: string;
  w: number;
  h: number;
  queries: QuerySpec[];
  unit?: string;
  min?: number;
  max?: number;
  decimals?: number;
  /** [color, from-value] steps after the base step. */
  thresholds?: { base: string; steps?: [string, number][] };
  mappings?: unknown[];
  overrides?: FieldConfig['overrides'];
  custom?: Record<string, unknown>;
  options?: Record<string, unknown>;
  transformations?: Panel['transformations'];
  repeat?: { variable: string; direction: 'h' | 'v'; maxPerRow?: number };
}

const DEFAULT_OPTIONS: Record<Panel['type'], Record<string, unknown>> = {
  timeseries: { legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['mean', 'max', 'lastNotNull'] }, tooltip: { mode: 'multi', sort: 'desc' } },
  stat: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'area', justifyMode: 'auto', orientation: 'auto', textMode: 'auto' },
  table: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], countRows: false, fields: '' } },
  bargauge: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, displayMode: 'gradient', orientation: 'horizontal', showUnfilled: true, valueMode: 'color', namePlacement: 'auto', sizing: 'auto' },
  barchart: { orientation: 'auto', showValue: 'auto', stacking: 'normal', groupWidth: 0.7, barWidth: 0.97, legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] }, tooltip: { mode: 'multi', sort: 'none' }, xTickLabelRotation: 0 },
  text: { mode: 'markdown', content: '' },
};

const DEFAULT_CUSTOM: Partial<Record<Panel['type'], Record<string, unknown>>> = {
  timeseries: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'auto', pointSize: 4, spanNulls: false, axisPlacement: 'auto', stacking: { mode: 'none', group: 'A' } },
  table: { align: 'auto', cellOptions: { type: 'auto' }, inspect: false },
};

function refId(i: number): string {
  return String.fromCharCode(65 + i);
}

/** Lays panels out left to right on Grafana's 24-column grid, wrapping to a new row when full. */
export function layout(specs: PanelSpec[], firstId = 1): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((spec, i) => {
    if (spec.w > 24 || spec.w < 1) throw new Error(`panel '${spec.title}': width ${spec.w} is outside Grafana's 24-column grid`);
    if (x + spec.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w: spec.w, h: spec.h };
    x += spec.w;
    rowHeight = Math.max(rowHeight, spec.h);
    return panel(spec, firstId + i, gridPos);
  });
}

function panel(spec: PanelSpec, id: number, gridPos: GridPos): Panel {
  const defaults: FieldConfig['defaults'] = {};
  if (spec.unit) defaults.unit = spec.unit;
  if (spec.min !== undefined) defaults.min = spec.min;
  if (spec.max !== undefined) defaults.max = spec.max;
  if (spec.decimals !== undefined) defaults.decimals = spec.decimals;
  defaults.color = { mode: spec.thresholds && spec.type !== 'timeseries' ? 'thresholds' : 'palette-classic' };
  defaults.thresholds = {
    mode: 'absolute',
    steps: [{ color: spec.thresholds?.base ?? 'green', value: null }, ...(spec.thresholds?.steps ?? []).map(([color, value]) => ({ color, value }))],
  };
  if (spec.mappings) defaults.mappings = spec.mappings;
  const custom = { ...(DEFAULT_CUSTOM[spec.type] ?? {}), ...(spec.custom ?? {}) };
  if (Object.keys(custom).length > 0) defaults.custom = custom;
  const p: Panel = {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    gridPos,
    datasource: { ...DATASOURCE },
    targets: spec.queries.map((q, i) => {
      const t: InfluxTarget = { refId: refId(i), datasource: { ...DATASOURCE }, query: q.query, rawQuery: true, resultFormat: q.format ?? 'time_series' };
      if (q.alias) t.alias = q.alias;
      return t;
    }),
    fieldConfig: { defaults, overrides: spec.overrides ?? [] },
    options: { ...DEFAULT_OPTIONS[spec.type], ...(spec.options ?? {}) },
  };
  if (spec.transformations) p.transformations = spec.transformations;
  if (spec.repeat) {
    p.repeat = spec.repeat.variable;
    p.repeatDirection = spec.repeat.direction;
    if (spec.repeat.maxPerRow) p.maxPerRow = spec.repeat.maxPerRow;
  }
  return p;
}

/** An InfluxQL tag-values variable (multi-select with All); an empty measurement searches them all. */
export function tagVariable(name: string, label: string, measurement: string, key: string, opts: { where?: string; allValue?: string; hide?: 0 | 2 } = {}): QueryVariable {
  const from = measurement ? ` FROM "${measurement}"` : '';
  const query = `SHOW TAG VALUES${from} WITH KEY = "${key}"${opts.where ? ` WHERE ${opts.where}` : ''}`;
  const v: QueryVariable = {
    type: 'query',
    name,
    label,
    datasource: { ...DATASOURCE },
    query,
    definition: query,
    refresh: 2,
    includeAll: true,
    multi: true,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    regex: '',
    sort: 1,
    hide: opts.hide ?? 0,
  };
  if (opts.allValue !== undefined) v.allValue = opts.allValue;
  return v;
}

export function textboxVariable(name: string, label: string, value: string, description: string): TextboxVariable {
  return {
    type: 'textbox',
    name,
    label,
    query: value,
    current: { selected: false, text: value, value },
    options: [{ selected: true, text: value, value }],
    hide: 0,
    description,
  };
}

/** Grafana's own annotation list entry, kept so the dashboard still shows manual annotations. */
export const BUILTIN_ANNOTATION: Annotation = {
  builtIn: 1,
  name: 'Annotations & Alerts',
  datasource: { type: 'grafana', uid: '-- Grafana --' },
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  type: 'dashboard',
  target: { limit: 100, matchAny: false, tags: [], type: 'dashboard' },
};

export function influxAnnotation(name: string, iconColor: string, query: string, columns: { text: string; tags: string; title?: string }): Annotation {
  const target: Record<string, unknown> = {
    refId: 'Anno',
    rawQuery: true,
    fromAnnotations: true,
    query,
    textColumn: columns.text,
    tagsColumn: columns.tags,
  };
  if (columns.title) target.titleColumn = columns.title;
  return { name, datasource: { ...DATASOURCE }, enable: true, hide: false, iconColor, target };
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags?: string[];
  variables: Variable[];
  annotations: Annotation[];
  panels: PanelSpec[];
  time?: { from: string; to: string };
}

export function dashboard(spec: DashboardSpec): Dashboard {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['syncprobe', ...(spec.tags ?? [])],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '1m',
    time: spec.time ?? { from: 'now-6h', to: 'now' },
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [{ type: 'dashboards', title: 'syncprobe', tags: ['syncprobe'], asDropdown: true, includeVars: true, keepTime: true, targetBlank: false, icon: 'external link', tooltip: '', url: '' }],
    templating: { list: spec.variables },
    annotations: { list: [BUILTIN_ANNOTATION, ...spec.annotations] },
    panels: layout(spec.panels),
  };
}
