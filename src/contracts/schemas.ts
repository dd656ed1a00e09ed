import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { UsageError } from '../core/errors.ts';
import { CLOSED_ENUM_KEYWORD, classifyDrift, type DriftFinding } from './drift.ts';

/**
 * The schema registry: every JSON Schema in contracts/schemas compiled once at load, and the routes
 * that say which schema validates the success response of which operation. Validation is then a
 * function call per payload (see bench/contracts.ts for what that costs).
 */
export const DEFAULT_CONTRACTS_DIR = fileURLToPath(new URL('../../contracts/', import.meta.url));
export const DEFAULT_SCHEMA_DIR = join(DEFAULT_CONTRACTS_DIR, 'schemas');

export interface SchemaRoute {
  system: string;
  method: string;
  /** OpenAPI path template, e.g. /api/sales-orders/{orderNumber}. */
  path: string;
  schema: string;
}

export interface ResponseValidation {
  schemaId: string;
  findings: DriftFinding[];
}

// ajv-formats is CommonJS with a default export; under NodeNext the callable is on `.default` at type level only.
const addFormats = formatsPlugin as unknown as (typeof formatsPlugin)['default'];

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read: ${(err as Error).message}`, file, 'check the contracts directory');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`not valid JSON: ${(err as Error).message}`, file, 'fix the file');
  }
}

function templateToRegExp(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`);
}

export class SchemaRegistry {
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly schemaDocs = new Map<string, Record<string, unknown>>();
  private readonly routeTable: (SchemaRoute & { re: RegExp })[] = [];
  private readonly aliasTable = new Map<string, string>();

  private constructor(readonly dir: string) {}

  /** Loads and compiles every schema in `dir` (and its routes.json). A bad file is a UsageError naming it. */
  static load(dir: string = DEFAULT_SCHEMA_DIR): SchemaRegistry {
    const reg = new SchemaRegistry(dir);
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json') && n !== 'routes.json');
    } catch (err) {
      throw new UsageError(`cannot read the schema directory: ${(err as Error).message}`, dir);
    }
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true });
    addFormats(ajv);
    ajv.addKeyword({ keyword: CLOSED_ENUM_KEYWORD, schemaType: 'boolean' });
    for (const name of names.sort()) {
      const file = join(dir, name);
      const schema = readJson(file) as Record<string, unknown>;
      const id = name.slice(0, -'.json'.length);
      if (schema.$id !== id) throw new UsageError(`$id must be '${id}' (the file name), got ${JSON.stringify(schema.$id)}`, file);
      try {
        ajv.addSchema(schema);
      } catch (err) {
        throw new UsageError(`invalid schema: ${(err as Error).message}`, file);
      }
      reg.schemaDocs.set(id, schema);
    }
    for (const id of reg.schemaDocs.keys()) {
      try {
        reg.validators.set(id, ajv.getSchema(id) as ValidateFunction);
      } catch (err) {
        throw new UsageError(`cannot compile: ${(err as Error).message}`, join(dir, `${id}.json`));
      }
    }
    const routesFile = join(dir, 'routes.json');
    const routesDoc = readJson(routesFile) as { routes?: SchemaRoute[]; aliases?: Record<string, string> };
    const routes = routesDoc.routes;
    if (!Array.isArray(routes)) throw new UsageError('expected {"routes": [...]}', routesFile);
    for (const [alias, id] of Object.entries(routesDoc.aliases ?? {})) {
      if (!reg.validators.has(id)) throw new UsageError(`aliases.${alias} names '${id}', which is not a schema in ${dir}`, routesFile);
      reg.aliasTable.set(alias, id);
    }
    routes.forEach((r, i) => {
      if (!reg.validators.has(r.schema)) throw new UsageError(`routes[${i}].schema '${r.schema}' is not a schema in ${dir}`, routesFile);
      reg.routeTable.push({ ...r, method: r.method.toUpperCase(), re: templateToRegExp(r.path) });
    });
    return reg;
  }

  ids(): string[] {
    return [...this.validators.keys()];
  }

  /** The schema id behind a name: an id, or an alias the config's lookups use (erp-v1/sales-order). */
  resolve(name: string): string | undefined {
    return this.validators.has(name) ? name : this.aliasTable.get(name);
  }

  routes(): SchemaRoute[] {
    return this.routeTable.map(({ re: _re, ...r }) => r);
  }

  schema(id: string): Record<string, unknown> | undefined {
    return this.schemaDocs.get(id);
  }

  /** Validates one payload against one schema; [] means it matches. */
  validate(schemaId: string, body: unknown): DriftFinding[] {
    const v = this.validators.get(this.resolve(schemaId) ?? schemaId);
    if (!v) throw new UsageError(`unknown schema '${schemaId}'`, this.dir, `known: ${[...this.ids(), ...this.aliasTable.keys()].join(', ')}`);
    return v(body) ? [] : classifyDrift(v.errors);
  }

  /** The schema of an operation's success response, by system, method and request path (query ignored). */
  schemaFor(system: string, method: string, path: string): string | undefined {
    const bare = path.split('?')[0]!;
    const m = method.toUpperCase();
    return this.routeTable.find((r) => r.system === system && r.method === m && r.re.test(bare))?.schema;
  }

  /** Validates a response when a schema covers that operation; undefined when none does. */
  validateResponse(system: string, method: string, path: string, body: unknown): ResponseValidation | undefined {
    const schemaId = this.schemaFor(system, method, path);
    return schemaId ? { schemaId, findings: this.validate(schemaId, body) } : undefined;
  }
}

let shared: SchemaRegistry | undefined;

/** The registry of the project's own contracts/schemas, loaded and compiled on first use. */
export function defaultRegistry(): SchemaRegistry {
  shared ??= SchemaRegistry.load();
  return shared;
}

export function validateResponse(schemaId: string, body: unknown): DriftFinding[] {
  return defaultRegistry().validate(schemaId, body);
}
