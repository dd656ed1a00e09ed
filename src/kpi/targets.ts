import { UsageError } from '../core/errors.ts';
import type { KpiTargets } from './types.ts';

/** DESIGN.md "Target KPIs", with a warning margin ahead of each target. */
export const DEFAULT_TARGETS: KpiTargets = {
  orderCreated: { milestone: 'erp.created', withinMs: 120_000, min: 95, warnBelow: 97 },
  releaseToAllocation: { milestone: 'wms.allocated', limit: 300_000, warnAt: 240_000 },
  shipmentToNotification: { milestone: 'notifications.shipped', limit: 600_000, warnAt: 480_000 },
  milestoneLatency: { warnFraction: 0.8 },
  completeness: { limit: 0.5, warnAt: 0.25 },
  validPayloads: { min: 99.5, warnBelow: 99.8 },
  replaySuccess: { min: 98, warnBelow: 99 },
};

type Section = keyof KpiTargets;

/** `--target` keys: `section.field`, e.g. `orderCreated.min=90` or `releaseToAllocation.limit=600000`. */
export function applyTargetOverrides(base: KpiTargets, overrides: string[], where = '--target'): KpiTargets {
  const out = structuredClone(base) as unknown as Record<string, Record<string, number | string>>;
  for (const raw of overrides) {
    const m = /^([A-Za-z]+)\.([A-Za-z]+)=(.+)$/.exec(raw);
    const hint = `known keys: ${Object.entries(base).flatMap(([s, f]) => Object.keys(f).map((k) => `${s}.${k}`)).join(', ')}`;
    if (!m) throw new UsageError(`'${raw}' is not SECTION.FIELD=VALUE`, where, hint);
    const [, section, field, value] = m as unknown as [string, string, string, string];
    const current = out[section]?.[field];
    if (current === undefined) throw new UsageError(`unknown KPI target '${section}.${field}'`, where, hint);
    if (typeof current === 'string') {
      out[section]![field] = value;
      continue;
    }
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`${section}.${field} must be a number >= 0, got '${value}'`, where);
    out[section]![field] = n;
  }
  const t = out as unknown as KpiTargets;
  validateTargets(t, where);
  return t;
}

/**
 * Targets from the config file (`kpi.targets`: `{ SECTION: { FIELD: VALUE } }`) over `base`, with the
 * same checks and messages as `--target`; `where` names the file and field.
 */
export function applyConfigTargets(base: KpiTargets, raw: unknown, where: string): KpiTargets {
  if (raw === undefined) return base;
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const hint = `known keys: ${Object.entries(base).flatMap(([s, f]) => Object.keys(f).map((k) => `${s}.${k}`)).join(', ')}`;
  if (!isObj(raw)) throw new UsageError('expected { SECTION: { FIELD: VALUE } }, e.g. { orderCreated: { min: 90 } }', where, hint);
  const overrides: string[] = [];
  for (const [section, fields] of Object.entries(raw)) {
    if (!isObj(fields)) throw new UsageError(`${section}: expected an object of fields, e.g. { min: 90 }`, where, hint);
    for (const [field, value] of Object.entries(fields)) {
      if (!/^[A-Za-z]+$/.test(section) || !/^[A-Za-z]+$/.test(field)) throw new UsageError(`unknown KPI target '${section}.${field}'`, where, hint);
      if (typeof value !== 'number' && typeof value !== 'string') throw new UsageError(`${section}.${field}: expected a number, got ${JSON.stringify(value)}`, where, hint);
      overrides.push(`${section}.${field}=${value}`);
    }
  }
  return applyTargetOverrides(base, overrides, where);
}

/** Every problem with the targets at once, so a person fixes them in one go. */
export function validateTargets(t: KpiTargets, where = 'targets'): void {
  const problems: string[] = [];
  for (const s of ['orderCreated', 'validPayloads', 'replaySuccess'] as const satisfies readonly Section[]) {
    const x = t[s];
    if (!(x.min >= 0 && x.min <= 100) || !(x.warnBelow >= x.min && x.warnBelow <= 100)) problems.push(`${s}: need 0 <= min (${x.min}) <= warnBelow (${x.warnBelow}) <= 100`);
  }
  for (const s of ['releaseToAllocation', 'shipmentToNotification', 'completeness'] as const satisfies readonly Section[]) {
    const x = t[s];
    if (!(x.warnAt >= 0 && x.warnAt <= x.limit)) problems.push(`${s}: need 0 <= warnAt (${x.warnAt}) <= limit (${x.limit})`);
  }
  if (!(t.milestoneLatency.warnFraction > 0 && t.milestoneLatency.warnFraction <= 1)) problems.push(`milestoneLatency.warnFraction must be in (0, 1], got ${t.milestoneLatency.warnFraction}`);
  if (!(t.orderCreated.withinMs > 0)) problems.push(`orderCreated.withinMs must be > 0, got ${t.orderCreated.withinMs}`);
  if (problems.length) throw new UsageError(problems.join('; '), where, 'a warning margin lies on the safe side of its target');
}
