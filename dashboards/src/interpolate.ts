/**
 * What Grafana's InfluxDB data source does to a raw InfluxQL query before sending it: time
 * range macros, the interval, and template variables formatted for regex matching. Used to
 * run the dashboards' queries outside Grafana (tests, `--check` runs against a live InfluxDB).
 */

export type Selection = { all: true } | { values: string[] };

export interface VariableContext {
  /** How the variable is defined (from the dashboard JSON). */
  definition: { name: string; type: string; multi?: boolean; includeAll?: boolean; allValue?: string; query?: string };
  /** What the user picked; for a textbox, values[0] is the text. */
  selection: Selection;
  /** Every value the variable offers (what "All" stands for when there is no allValue). */
  options: string[];
}

export interface InterpolationContext {
  from: number;
  to: number;
  intervalMs: number;
  variables: Record<string, VariableContext>;
}

/** Grafana's interval rendering (kbn.secondsToHms-like): the largest whole unit. */
export function formatInterval(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`interval must be a positive number of milliseconds, got ${ms}`);
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  for (const [unit, size] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.round(ms)}ms`;
}

/** Escapes a value for use inside an InfluxQL /regex/ literal. */
export function regexEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
}

/** Escapes a value for use inside an InfluxQL 'string' literal. */
export function stringEscape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

export function formatVariable(v: VariableContext): string {
  const { definition: d, selection } = v;
  if (!d.multi && !d.includeAll) {
    const value = 'values' in selection ? (selection.values[0] ?? '') : '';
    return stringEscape(value);
  }
  if ('all' in selection) {
    // Grafana passes a custom all value through unformatted.
    if (d.allValue !== undefined && d.allValue !== '') return d.allValue;
    return joinRegex(v.options);
  }
  return joinRegex(selection.values);
}

function joinRegex(values: string[]): string {
  const escaped = values.map(regexEscape);
  if (escaped.length === 1) return escaped[0]!;
  return `(${escaped.join('|')})`;
}

const BUILTIN = new Set(['timeFilter', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms', '__from', '__to']);

/** Variable names a text refers to as $name, ${name}, ${name:format} or [[name]], without Grafana's built-ins. */
export function referencedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)/g)) {
    const name = m[1] ?? m[2] ?? m[3]!;
    if (!BUILTIN.has(name)) names.add(name);
  }
  return [...names];
}

export function interpolate(query: string, ctx: InterpolationContext): string {
  const range = `time >= ${Math.floor(ctx.from)}ms and time <= ${Math.floor(ctx.to)}ms`;
  const builtins: Record<string, string> = {
    timeFilter: range,
    __interval: formatInterval(ctx.intervalMs),
    __interval_ms: String(ctx.intervalMs),
    __range: formatInterval(Math.max(1, ctx.to - ctx.from)),
    __range_s: String(Math.floor((ctx.to - ctx.from) / 1000)),
    __range_ms: String(ctx.to - ctx.from),
    __from: String(ctx.from),
    __to: String(ctx.to),
  };
  return query.replace(/\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)/g, (whole, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    if (name in builtins) return builtins[name]!;
    const v = ctx.variables[name];
    if (!v) throw new Error(`query refers to $${name}, which the dashboard does not define: ${query}`);
    return formatVariable(v);
  });
}
