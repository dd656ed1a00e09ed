import type { ImpactFacts, ImpactScope, Observation, Severity } from './types.ts';

/**
 * Severity from business impact, pure. A score adds up how far the failure reaches (scope weight)
 * and what it touches (high-value customer, top SKU, constrained location, inventory flow); a
 * degraded observation counts one step less than a failed one. The score maps to a severity.
 *
 * With the defaults (docs/alerting.md has the full table):
 *   one malformed order, failed                      1 -> warning
 *   one order of a high-value customer with a top SKU 3 -> critical
 *   channel-wide failure (orders or inventory)        3 -> critical
 *   one warehouse's stock publication stopped          3 -> critical
 *   a whole system down                                4 -> critical
 *   a channel degraded (late, not missing)             2 -> warning
 *   one order degraded                                 0 -> info
 */
export interface ImpactRules {
  scopeWeight: Record<ImpactScope, number>;
  highValueCustomer: number;
  topSku: number;
  constrainedLocation: number;
  inventoryFlow: number;
  degradedPenalty: number;
  criticalAt: number;
  warningAt: number;
}

export const DEFAULT_IMPACT_RULES: ImpactRules = {
  scopeWeight: { order: 1, channel: 3, warehouse: 3, system: 4 },
  highValueCustomer: 1,
  topSku: 1,
  constrainedLocation: 1,
  inventoryFlow: 0,
  degradedPenalty: 1,
  criticalAt: 3,
  warningAt: 1,
};

export function impactScore(facts: ImpactFacts, observation: Observation, rules: ImpactRules = DEFAULT_IMPACT_RULES): number {
  let score = rules.scopeWeight[facts.scope];
  if (facts.highValueCustomer) score += rules.highValueCustomer;
  if (facts.topSku) score += rules.topSku;
  if (facts.constrainedLocation) score += rules.constrainedLocation;
  if (facts.flow === 'inventory') score += rules.inventoryFlow;
  if (observation === 'degraded') score -= rules.degradedPenalty;
  return score;
}

export function severityOf(facts: ImpactFacts, observation: Observation, rules: ImpactRules = DEFAULT_IMPACT_RULES): Severity {
  if (observation === 'ok') return 'info';
  const score = impactScore(facts, observation, rules);
  if (score >= rules.criticalAt) return 'critical';
  if (score >= rules.warningAt) return 'warning';
  return 'info';
}

/** Business context a probe can attach: which customers, SKUs and warehouses weigh more. */
export interface ImpactWeights {
  highValueCustomers?: string[];
  topSkus?: string[];
  constrainedLocations?: string[];
}

/** Turns what a transaction touched into impact facts using the configured lists. */
export function impactFacts(
  scope: ImpactScope,
  touched: { customer?: string; skus?: string[]; warehouse?: string; flow?: 'order' | 'inventory' },
  weights: ImpactWeights = {},
): ImpactFacts {
  return {
    scope,
    flow: touched.flow,
    highValueCustomer: !!touched.customer && (weights.highValueCustomers ?? []).includes(touched.customer),
    topSku: (touched.skus ?? []).some((s) => (weights.topSkus ?? []).includes(s)),
    constrainedLocation: !!touched.warehouse && (weights.constrainedLocations ?? []).includes(touched.warehouse),
  };
}

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
