import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Reads Grafana provisioning files the way Grafana does: YAML, then $VAR / ${VAR} expanded
 * from the environment in values (Go's os.ExpandEnv: an unset variable becomes empty,
 * `$$` is a literal dollar).
 */
export const PROVISIONING_DIR = new URL('../provisioning/', import.meta.url).pathname;

export function expandEnv(value: string, env: Record<string, string | undefined>): string {
  return value
    .split('$$')
    .map((part) => part.replace(/\$\{([^}]*)\}|\$([A-Za-z0-9_]+)/g, (_m, braced?: string, bare?: string) => env[(braced ?? bare)!] ?? ''))
    .join('$');
}

function expandDeep(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') return expandEnv(value, env);
  if (Array.isArray(value)) return value.map((v) => expandDeep(v, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandDeep(v, env)]));
  return value;
}

/** KEY=VALUE lines (the defaults file), comments and blanks ignored. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not a KEY=VALUE line: ${line}`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

export function defaultEnv(dir = PROVISIONING_DIR): Record<string, string> {
  return parseEnvFile(readFileSync(join(dir, 'grafana.env'), 'utf8'));
}

export interface ProvisionedDatasource {
  file: string;
  name: string;
  uid: string;
  type: string;
  url: string;
  database: string;
  httpMode: string;
}

export interface DashboardProvider {
  file: string;
  name: string;
  type: string;
  path: string;
  folder?: string;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

function parseFile(file: string, env: Record<string, string | undefined>): Record<string, unknown> {
  const doc = parse(readFileSync(file, 'utf8')) as unknown;
  if (!doc || typeof doc !== 'object') throw new Error(`${file}: not a YAML mapping`);
  return expandDeep(doc, env) as Record<string, unknown>;
}

export function loadDatasources(env: Record<string, string | undefined>, dir = join(PROVISIONING_DIR, 'datasources')): ProvisionedDatasource[] {
  const out: ProvisionedDatasource[] = [];
  for (const file of yamlFiles(dir)) {
    const doc = parseFile(file, env);
    for (const ds of (doc.datasources as Record<string, unknown>[] | undefined) ?? []) {
      const json = (ds.jsonData as Record<string, unknown> | undefined) ?? {};
      out.push({
        file,
        name: String(ds.name ?? ''),
        uid: String(ds.uid ?? ''),
        type: String(ds.type ?? ''),
        url: String(ds.url ?? ''),
        // jsonData.dbName is where current Grafana keeps it; top-level `database` is the older place.
        database: String(json.dbName ?? ds.database ?? ''),
        httpMode: String(json.httpMode ?? 'GET'),
      });
    }
  }
  return out;
}

export function loadDashboardProviders(env: Record<string, string | undefined>, dir = join(PROVISIONING_DIR, 'dashboards')): DashboardProvider[] {
  const out: DashboardProvider[] = [];
  for (const file of yamlFiles(dir)) {
    const doc = parseFile(file, env);
    for (const p of (doc.providers as Record<string, unknown>[] | undefined) ?? []) {
      const options = (p.options as Record<string, unknown> | undefined) ?? {};
      const provider: DashboardProvider = { file, name: String(p.name ?? ''), type: String(p.type ?? 'file'), path: String(options.path ?? '') };
      if (p.folder !== undefined) provider.folder = String(p.folder);
      out.push(provider);
    }
  }
  return out;
}
