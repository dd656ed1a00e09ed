import { defineProbe } from '../src/scheduler/index.ts';

/**
 * Stock adjustments, one probe per warehouse: a warehouse whose connector stops publishing (an
 * expired token) is critical for that warehouse while the others stay green.
 */
export default ['WH-EAST', 'WH-WEST', 'WH-CENTRAL'].map((wh, i) =>
  defineProbe({
    name: `stock-${wh.toLowerCase()}`,
    scenario: `stock-adjustment/${wh}`,
    environment: 'sandbox',
    cron: `${2 + i}-59/5 * * * *`,
    jitterMs: 15_000,
    timeoutMs: 4 * 60_000,
    systems: ['wms', 'middleware', 'erp', 'storefront'],
    thresholds: { failureThreshold: 2, successThreshold: 2 },
    alerts: [
      { channel: 'ops-chat', minSeverity: 'warning' },
      { channel: 'on-call', minSeverity: 'critical' },
    ],
    impact: { constrainedLocations: ['WH-CENTRAL'] },
  }),
);
