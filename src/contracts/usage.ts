import type { SchemaRegistry } from './schemas.ts';
import { bodyContent, isHttpInteraction, type PactFile } from './pacts.ts';
import { flattenSchema, flattenValue, matchTemplate, operationKey, type ApiUsage, type OperationUsage } from './spec-diff.ts';

/**
 * What the integration uses of one system's API, from the contracts themselves: the operations and
 * fields its pacts exercise, and the operations and fields its response schemas cover. The spec diff
 * calls a change breaking only when it touches something in here.
 */
export function usageFromContracts(opts: { system: string; registry?: SchemaRegistry; pacts?: PactFile[]; templates: string[] }): ApiUsage {
  const operations: Record<string, OperationUsage> = {};
  const entry = (key: string): OperationUsage => (operations[key] ??= { parameters: [], requestFields: [], responseFields: [] });
  const addAll = (list: string[], values: Iterable<string>) => {
    for (const v of values) if (!list.includes(v)) list.push(v);
  };

  if (opts.registry) {
    const registry = opts.registry;
    for (const route of registry.routes().filter((r) => r.system === opts.system)) {
      const template = matchTemplate(opts.templates, route.path) ?? route.path;
      const fields = flattenSchema(registry.schema(route.schema), (ref) => registry.schema(registry.resolve(ref) ?? ref));
      addAll(entry(operationKey(route.method, template)).responseFields, [...fields.keys()].filter((p) => p !== ''));
    }
  }
  for (const pact of (opts.pacts ?? []).filter((p) => p.provider === opts.system)) {
    for (const i of pact.interactions.filter(isHttpInteraction)) {
      const req = i.request!;
      const path = req.path.split('?')[0]!;
      const template = matchTemplate(opts.templates, path) ?? path;
      const u = entry(operationKey(req.method, template));
      addAll(u.parameters, typeof req.query === 'string' ? new URLSearchParams(req.query).keys() : Object.keys(req.query ?? {}));
      const reqBody = bodyContent(req.body);
      if (reqBody !== undefined) addAll(u.requestFields, [...flattenValue(reqBody)].filter((p) => p !== ''));
      const resBody = bodyContent(i.response?.body);
      if (resBody !== undefined) addAll(u.responseFields, [...flattenValue(resBody)].filter((p) => p !== ''));
    }
  }
  for (const u of Object.values(operations)) {
    u.parameters.sort();
    u.requestFields.sort();
    u.responseFields.sort();
  }
  return { operations };
}
