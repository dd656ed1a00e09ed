import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_IMPACT_RULES, impactFacts, severityOf } from '../../src/alerting/impact.ts';
import type { ImpactFacts, Observation, Severity } from '../../src/alerting/types.ts';

const rows: Array<[string, ImpactFacts, Observation, Severity]> = [
  ['a single malformed order', { scope: 'order' }, 'failed', 'warning'],
  ['a single late order', { scope: 'order' }, 'degraded', 'info'],
  ['a single order of a high-value customer', { scope: 'order', highValueCustomer: true }, 'failed', 'warning'],
  ['a high-value customer ordering a top SKU', { scope: 'order', highValueCustomer: true, topSku: true }, 'failed', 'critical'],
  ['channel-wide inventory publication failure', { scope: 'channel', flow: 'inventory' }, 'failed', 'critical'],
  ['channel-wide order sync late', { scope: 'channel' }, 'degraded', 'warning'],
  ['one warehouse stops updating stock', { scope: 'warehouse', flow: 'inventory' }, 'failed', 'critical'],
  ['one warehouse late', { scope: 'warehouse' }, 'degraded', 'warning'],
  ['a constrained warehouse late', { scope: 'warehouse', constrainedLocation: true }, 'degraded', 'critical'],
  ['a whole system down', { scope: 'system' }, 'failed', 'critical'],
  ['anything ok', { scope: 'system' }, 'ok', 'info'],
];

for (const [name, facts, obs, sev] of rows) {
  test(`impact: ${name} -> ${sev}`, () => {
    assert.equal(severityOf(facts, obs), sev);
  });
}

test('impact: weights are configurable', () => {
  const rules = { ...DEFAULT_IMPACT_RULES, inventoryFlow: 2 };
  assert.equal(severityOf({ scope: 'order', flow: 'inventory' }, 'failed', rules), 'critical');
  assert.equal(severityOf({ scope: 'order', flow: 'inventory' }, 'failed'), 'warning');
});

test('impact: facts come from the configured customer, SKU and location lists', () => {
  const f = impactFacts('order', { customer: 'ACME', skus: ['SKU-1002'], warehouse: 'WH-EAST' }, { highValueCustomers: ['ACME'], topSkus: ['SKU-1001'], constrainedLocations: ['WH-EAST'] });
  assert.deepEqual(f, { scope: 'order', flow: undefined, highValueCustomer: true, topSku: false, constrainedLocation: true });
});
