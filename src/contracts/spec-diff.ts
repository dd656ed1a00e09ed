import { similarity } from './drift.ts';

/**
 * Breaking-change diff of two OpenAPI 3.x documents of one vendor API, judged against what the
 * integration actually uses (ApiUsage, from the pacts and the schema routes). Pure: parsed documents
 * in, classified changes out. A change that would break a consumer of an operation or field the
 * integration does not use is reported as informational, not breaking.
 */

export type ChangeSeverity = 'breaking' | 'compatible' | 'informational';

export type SpecChangeCategory =
  | 'endpoint-removed'
  | 'endpoint-added'
  | 'success-status-removed'
  | 'success-status-added'
  | 'new-required-parameter'
  | 'parameter-became-required'
  | 'parameter-removed'
  | 'new-optional-parameter'
  | 'new-required-request-property'
  | 'request-property-became-required'
  | 'request-property-removed'
  | 'request-property-type-changed'
  | 'request-enum-value-removed'
  | 'new-optional-request-property'
  | 'request-type-widened'
  | 'response-property-removed'
  | 'response-property-type-changed'
  | 'response-property-format-changed'
  | 'response-property-no-longer-required'
  | 'response-enum-value-removed'
  | 'response-enum-value-added'
  | 'response-property-added';

export interface SpecChange {
  category: SpecChangeCategory;
  severity: ChangeSeverity;
  /** "GET /api/sales-orders/{orderNumber}" */
  operation: string;
  /** Where in the operation: "response 200 /lines/*\/quantity", "query parameter customerReference". */
  location: string;
  message: string;
  before?: unknown;
  after?: unknown;
}

export interface SpecDiff {
  base: { title: string; version: string };
  candidate: { title: string; version: string };
  breaking: SpecChange[];
  compatible: SpecChange[];
  informational: SpecChange[];
}

export interface OperationUsage {
  /** Query, header and path parameter names the integration sends. */
  parameters: string[];
  /** Request body pointers the integration sends, array items as '*': /lines/*\/quantity. */
  requestFields: string[];
  /** Response body pointers the integration reads. */
  responseFields: string[];
}

/** What the integration uses of one API: operations keyed "METHOD /path/{param}". */
export interface ApiUsage {
  operations: Record<string, OperationUsage>;
}

type Json = Record<string, any>;

export interface FieldShape {
  types: string[];
  format?: string;
  enum?: string[];
  required: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Path templates compare by shape: /orders/{id} and /orders/{orderId} are the same endpoint. */
export function normalizeTemplate(path: string): string {
  return path.replace(/\{[^}]+\}/g, '{}').replace(/\/+$/, '') || '/';
}

export function operationKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

function normalizeKey(key: string): string {
  const [m, p] = key.split(' ');
  return `${m} ${normalizeTemplate(p ?? '')}`;
}

/** Resolves a local $ref (#/components/...) or, through `external`, a named schema. */
export type RefResolver = (ref: string) => Json | undefined;

export function localResolver(doc: Json, external?: (ref: string) => Json | undefined): RefResolver {
  return (ref) => {
    if (ref.startsWith('#/')) {
      let node: any = doc;
      for (const raw of ref.slice(2).split('/')) node = node?.[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
      return node;
    }
    return external?.(ref);
  };
}

function deref(schema: Json | undefined, resolve: RefResolver, depth = 0): Json | undefined {
  let s = schema;
  while (s && typeof s.$ref === 'string' && depth++ < 32) {
    const target = resolve(s.$ref);
    const { $ref: _r, ...rest } = s;
    s = target ? { ...target, ...rest } : undefined;
  }
  return s;
}

function typesOf(s: Json): string[] {
  if (Array.isArray(s.type)) return [...s.type].sort();
  if (typeof s.type === 'string') return [s.type];
  if (s.nullable === true) return ['null'];
  return [];
}

/**
 * Flattens a schema to field pointers with their shape. oneOf/anyOf/allOf merge their branches
 * (types and enums united), which is what a reader of the field has to be ready for.
 */
export function flattenSchema(schema: Json | undefined, resolve: RefResolver): Map<string, FieldShape> {
  const out = new Map<string, FieldShape>();
  const walk = (raw: Json | undefined, pointer: string, required: boolean, depth: number) => {
    const s = deref(raw, resolve);
    if (!s || depth > 24) return;
    const branches = [...(s.oneOf ?? []), ...(s.anyOf ?? []), ...(s.allOf ?? [])] as Json[];
    const shape: FieldShape = out.get(pointer) ?? { types: [], required };
    const add = (node: Json) => {
      const types = typesOf(node);
      if (node.nullable === true && !types.includes('null')) types.push('null');
      if (node.properties && !types.includes('object')) types.push('object');
      if (node.items && !types.includes('array')) types.push('array');
      shape.types = [...new Set([...shape.types, ...types])].sort();
      if (node.format) shape.format = node.format;
      if (Array.isArray(node.enum)) shape.enum = [...new Set([...(shape.enum ?? []), ...node.enum.map(String)])].sort();
    };
    add(s);
    for (const b of branches) {
      const d = deref(b, resolve);
      if (d) add(d);
    }
    out.set(pointer, shape);
    for (const node of [s, ...branches.map((b) => deref(b, resolve)).filter(Boolean) as Json[]]) {
      const req = new Set<string>(Array.isArray(node.required) ? node.required : []);
      for (const [name, sub] of Object.entries((node.properties ?? {}) as Json)) {
        walk(sub as Json, `${pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, req.has(name), depth + 1);
      }
      if (node.items) walk(node.items as Json, `${pointer}/*`, true, depth + 1);
    }
  };
  walk(schema, '', true, 0);
  return out;
}

/** Pointers present in an example JSON value (pact bodies), arrays as '*'. */
export function flattenValue(value: unknown, pointer = '', out: Set<string> = new Set()): Set<string> {
  out.add(pointer);
  if (Array.isArray(value)) for (const v of value) flattenValue(v, `${pointer}/*`, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flattenValue(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
  }
  return out;
}

interface Operation {
  key: string;
  path: string;
  method: string;
  params: Map<string, { in: string; required: boolean }>;
  request?: Map<string, FieldShape>;
  responses: Map<string, Map<string, FieldShape>>;
}

function operationsOf(doc: Json): Map<string, Operation> {
  const resolve = localResolver(doc);
  const ops = new Map<string, Operation>();
  for (const [path, rawItem] of Object.entries((doc.paths ?? {}) as Json)) {
    const item = deref(rawItem as Json, resolve) ?? {};
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const params = new Map<string, { in: string; required: boolean }>();
      for (const raw of [...(item.parameters ?? []), ...(op.parameters ?? [])] as Json[]) {
        const p = deref(raw, resolve);
        if (p?.name) params.set(`${p.in} ${p.name}`, { in: p.in, required: p.required === true || p.in === 'path' });
      }
      const body = deref(op.requestBody, resolve);
      const reqSchema = body?.content?.['application/json']?.schema as Json | undefined;
      const responses = new Map<string, Map<string, FieldShape>>();
      for (const [status, rawResp] of Object.entries((op.responses ?? {}) as Json)) {
        if (!/^2\d\d$|^2XX$/i.test(status)) continue;
        const resp = deref(rawResp as Json, resolve);
        const schema = resp?.content?.['application/json']?.schema as Json | undefined;
        responses.set(status, schema ? flattenSchema(schema, resolve) : new Map());
      }
      const key = operationKey(method, path);
      ops.set(normalizeKey(key), {
        key,
        path,
        method: method.toUpperCase(),
        params,
        ...(reqSchema ? { request: flattenSchema(reqSchema, resolve) } : {}),
        responses,
      });
    }
  }
  return ops;
}

function pointerUsed(pointer: string, used: readonly string[]): boolean {
  return used.includes(pointer) || used.some((u) => u.startsWith(pointer + '/'));
}

function sameTypes(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** integer -> number is a widening for a reader of numbers only when the reader accepts decimals, so it counts as a change. */
function widened(before: string[], after: string[]): boolean {
  return before.every((t) => after.includes(t) || (t === 'integer' && after.includes('number')));
}

export function diffSpecs(baseDoc: Json, candidateDoc: Json, usage?: ApiUsage): SpecDiff {
  const base = operationsOf(baseDoc);
  const cand = operationsOf(candidateDoc);
  const usageByKey = new Map<string, OperationUsage>();
  for (const [k, u] of Object.entries(usage?.operations ?? {})) usageByKey.set(normalizeKey(k), u);
  const everything = !usage;
  const changes: SpecChange[] = [];

  const push = (c: Omit<SpecChange, 'severity'>, wouldBreak: boolean, used: boolean) => {
    changes.push({ ...c, severity: wouldBreak ? (used ? 'breaking' : 'informational') : 'compatible' });
  };

  for (const [nk, b] of base) {
    const u = usageByKey.get(nk);
    const opUsed = everything || !!u;
    const c = cand.get(nk);
    if (!c) {
      push({ category: 'endpoint-removed', operation: b.key, location: 'endpoint', message: `${b.key} is gone` }, true, opUsed);
      continue;
    }
    for (const status of b.responses.keys()) {
      if (!c.responses.has(status)) {
        push({ category: 'success-status-removed', operation: b.key, location: `response ${status}`, message: `success status ${status} no longer returned (now ${[...c.responses.keys()].join(', ') || 'none'})` }, true, opUsed);
      }
    }
    for (const status of c.responses.keys()) {
      if (!b.responses.has(status)) push({ category: 'success-status-added', operation: b.key, location: `response ${status}`, message: `new success status ${status}` }, false, opUsed);
    }
    // Parameters.
    const paramUsed = (name: string) => everything || !!u?.parameters.includes(name);
    for (const [id, cp] of c.params) {
      const name = id.slice(id.indexOf(' ') + 1);
      const bp = b.params.get(id);
      if (!bp && cp.required) push({ category: 'new-required-parameter', operation: b.key, location: `${cp.in} parameter ${name}`, message: `new required ${cp.in} parameter '${name}'` }, true, opUsed);
      else if (!bp) push({ category: 'new-optional-parameter', operation: b.key, location: `${cp.in} parameter ${name}`, message: `new optional ${cp.in} parameter '${name}'` }, false, opUsed);
      else if (cp.required && !bp.required) push({ category: 'parameter-became-required', operation: b.key, location: `${cp.in} parameter ${name}`, message: `${cp.in} parameter '${name}' is now required` }, true, opUsed);
    }
    for (const [id, bp] of b.params) {
      if (c.params.has(id) || bp.in === 'path') continue;
      const name = id.slice(id.indexOf(' ') + 1);
      push({ category: 'parameter-removed', operation: b.key, location: `${bp.in} parameter ${name}`, message: `${bp.in} parameter '${name}' removed: a request that sends it is no longer filtered or read by it` }, true, opUsed && paramUsed(name));
    }
    // Request body.
    if (c.request) {
      const bReq = b.request ?? new Map<string, FieldShape>();
      const sent = (p: string) => everything || !!u?.requestFields.some((f) => f === p);
      for (const [p, cf] of c.request) {
        if (p === '') continue;
        const bf = bReq.get(p);
        const parentExists = p.split('/').length <= 2 || bReq.has(p.slice(0, p.lastIndexOf('/'))) || c.request.get(p.slice(0, p.lastIndexOf('/')))?.required;
        if (!bf) {
          if (cf.required && parentExists) push({ category: 'new-required-request-property', operation: b.key, location: `request ${p}`, message: `new required request property ${p}` }, true, opUsed);
          else push({ category: 'new-optional-request-property', operation: b.key, location: `request ${p}`, message: `new optional request property ${p}` }, false, opUsed);
          continue;
        }
        if (cf.required && !bf.required) push({ category: 'request-property-became-required', operation: b.key, location: `request ${p}`, message: `request property ${p} is now required` }, true, opUsed);
        if (!sameTypes(bf.types, cf.types) && bf.types.length && cf.types.length) {
          if (widened(bf.types, cf.types)) push({ category: 'request-type-widened', operation: b.key, location: `request ${p}`, message: `request property ${p} now accepts ${cf.types.join('|')} (was ${bf.types.join('|')})`, before: bf.types, after: cf.types }, false, opUsed);
          else push({ category: 'request-property-type-changed', operation: b.key, location: `request ${p}`, message: `request property ${p} type ${bf.types.join('|')} -> ${cf.types.join('|')}`, before: bf.types, after: cf.types }, true, opUsed && sent(p));
        }
        if (bf.enum && cf.enum) {
          const gone = bf.enum.filter((v) => !cf.enum!.includes(v));
          if (gone.length) push({ category: 'request-enum-value-removed', operation: b.key, location: `request ${p}`, message: `request property ${p} no longer accepts ${gone.join(', ')}`, before: bf.enum, after: cf.enum }, true, opUsed && sent(p));
        }
      }
      for (const [p] of bReq) {
        if (p === '' || c.request.has(p)) continue;
        push({ category: 'request-property-removed', operation: b.key, location: `request ${p}`, message: `request property ${p} removed: the provider no longer reads what is sent there` }, true, opUsed && sent(p));
      }
    }
    // Responses the integration reads.
    for (const [status, bFields] of b.responses) {
      const cFields = c.responses.get(status);
      if (!cFields) continue;
      const read = (p: string) => everything || (!!u && pointerUsed(p, u.responseFields));
      const loc = (p: string) => `response ${status} ${p || '/'}`;
      for (const [p, bf] of bFields) {
        const cf = cFields.get(p);
        if (!cf) {
          const parent = p.slice(0, p.lastIndexOf('/'));
          if (p !== '' && !bFields.has(parent)) continue;
          if (p !== '' && !cFields.has(parent) && parent !== '') continue; // reported at the parent
          push({ category: 'response-property-removed', operation: b.key, location: loc(p), message: `response property ${p} removed` }, true, read(p));
          continue;
        }
        if (!sameTypes(bf.types, cf.types) && bf.types.length && cf.types.length) {
          push({ category: 'response-property-type-changed', operation: b.key, location: loc(p), message: `response property ${p || '/'} type ${bf.types.join('|')} -> ${cf.types.join('|')}`, before: bf.types, after: cf.types }, true, read(p));
        } else if ((bf.format ?? '') !== (cf.format ?? '')) {
          push({ category: 'response-property-format-changed', operation: b.key, location: loc(p), message: `response property ${p} format ${bf.format ?? 'none'} -> ${cf.format ?? 'none'}`, before: bf.format, after: cf.format }, true, read(p));
        }
        if (bf.required && !cf.required) push({ category: 'response-property-no-longer-required', operation: b.key, location: loc(p), message: `response property ${p} may now be absent` }, true, read(p));
        if (bf.enum && cf.enum) {
          const gone = bf.enum.filter((v) => !cf.enum!.includes(v));
          const added = cf.enum.filter((v) => !bf.enum!.includes(v));
          if (gone.length) push({ category: 'response-enum-value-removed', operation: b.key, location: loc(p), message: `response property ${p} no longer returns ${gone.join(', ')}${added.length ? ` (new: ${added.join(', ')})` : ''}`, before: bf.enum, after: cf.enum }, true, read(p));
          if (added.length) push({ category: 'response-enum-value-added', operation: b.key, location: loc(p), message: `response property ${p} may now return ${added.join(', ')}`, before: bf.enum, after: cf.enum }, false, read(p));
        }
      }
      for (const [p] of cFields) {
        if (bFields.has(p)) continue;
        const parent = p.slice(0, p.lastIndexOf('/'));
        if (!bFields.has(parent)) continue; // inside a new property: reported at its root
        push({ category: 'response-property-added', operation: b.key, location: loc(p), message: `new response property ${p}` }, false, read(p));
      }
    }
  }
  // A removed property next to a new sibling with a similar name reads as a rename: say so.
  for (const removed of changes.filter((c) => c.category === 'response-property-removed' || c.category === 'request-property-removed')) {
    const [where, pointer] = removed.category === 'response-property-removed' ? [removed.location.slice(0, removed.location.lastIndexOf(' ')), removed.location.slice(removed.location.lastIndexOf(' ') + 1)] : ['request', removed.location.slice('request '.length)];
    const parent = pointer.slice(0, pointer.lastIndexOf('/'));
    const name = pointer.slice(pointer.lastIndexOf('/') + 1);
    const addedCategories = removed.category === 'response-property-removed' ? ['response-property-added'] : ['new-required-request-property', 'new-optional-request-property'];
    const sibling = changes.find((c) => c.operation === removed.operation && addedCategories.includes(c.category) && c.location.startsWith(`${where} ${parent}/`) && c.location.slice(`${where} ${parent}/`.length).indexOf('/') === -1 && similarity(name, c.location.slice(`${where} ${parent}/`.length)) > 0);
    if (sibling) removed.message += ` (looks renamed to ${sibling.location.slice(`${where} ${parent}/`.length)})`;
  }
  for (const [nk, c] of cand) {
    if (!base.has(nk)) push({ category: 'endpoint-added', operation: c.key, location: 'endpoint', message: `new endpoint ${c.key}` }, false, true);
  }

  const info = (d: Json) => ({ title: String(d.info?.title ?? 'untitled'), version: String(d.info?.version ?? '?') });
  return {
    base: info(baseDoc),
    candidate: info(candidateDoc),
    breaking: changes.filter((c) => c.severity === 'breaking'),
    compatible: changes.filter((c) => c.severity === 'compatible'),
    informational: changes.filter((c) => c.severity === 'informational'),
  };
}

/** Templates of a document's paths, to map concrete request paths (from pacts) to operations. */
export function pathTemplates(doc: Json): string[] {
  return Object.keys((doc.paths ?? {}) as Json);
}

export function matchTemplate(templates: readonly string[], path: string): string | undefined {
  const bare = path.split('?')[0]!.replace(/\/+$/, '') || '/';
  // Literal segments win over parameters: /api/items/{sku} must not swallow a literal sibling.
  const scored = templates
    .map((t) => {
      const ts = t.split('/');
      const ps = bare.split('/');
      if (ts.length !== ps.length) return undefined;
      let literal = 0;
      for (let i = 0; i < ts.length; i++) {
        if (/^\{[^}]+\}$/.test(ts[i]!)) continue;
        if (ts[i] !== ps[i]) return undefined;
        literal++;
      }
      return { t, literal };
    })
    .filter((x): x is { t: string; literal: number } => !!x)
    .sort((a, b) => b.literal - a.literal);
  return scored[0]?.t;
}
