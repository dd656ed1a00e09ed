import type { RunResult } from '../../src/core/result.ts';

export const HOSTILE = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> & "quotes" 'apos' ]]>`;

/** A run with each kind of outcome: ok, late (warning), missing with a reason (critical), could not run (unknown). */
export function sampleRun(): RunResult {
  return {
    status: 'critical',
    environment: 'sandbox',
    startedAt: '2026-03-02T09:00:00.000Z',
    durationMs: 41_000,
    scenarios: [
      {
        name: 'order-to-notification-b2b',
        status: 'ok',
        correlationId: 'SP-b2b-0001',
        tags: { channel: 'b2b', warehouse: 'WH-EAST', environment: 'sandbox' },
        startedAt: '2026-03-02T09:00:00.000Z',
        durationMs: 12_000,
        milestones: [
          { name: 'erp-order-created', system: 'erp', status: 'met', latencyMs: 1500, latencyLowerMs: 1200, latencyUpperMs: 1800, slaMs: 120_000, from: 'channel-accepted', requests: 3 },
          { name: 'wms-allocated', system: 'wms', status: 'met', latencyMs: 2500, latencyLowerMs: 2000, latencyUpperMs: 3000, slaMs: 300_000, from: 'erp-released', requests: 4 },
        ],
      },
      {
        name: 'order-to-notification-marketplace',
        status: 'critical',
        correlationId: 'SP-mkt-0002',
        tags: { channel: 'marketplace', warehouse: 'WH-WEST', environment: 'sandbox' },
        startedAt: '2026-03-02T09:00:12.000Z',
        durationMs: 20_000,
        milestones: [
          { name: 'middleware-delivered', system: 'middleware', status: 'met', latencyMs: 400, latencyLowerMs: 300, latencyUpperMs: 500, slaMs: 60_000, requests: 2 },
          {
            name: 'erp-order-created',
            system: 'erp',
            status: 'missing',
            latencyMs: null,
            latencyLowerMs: 20_000,
            latencyUpperMs: null,
            slaMs: 20_000,
            requests: 11,
            failure: { class: 'data', reason: "ERP never created the order for channel marketplace: middleware DLQ holds it with 'unknown UoM CS12'", scope: { channel: 'marketplace', system: 'erp' } },
          },
        ],
        cleanup: { status: 'failed', actions: [{ name: 'cancel-order', ok: false, message: 'ERP returned 409 order locked' }] },
      },
      {
        name: `stock-adjustment ${HOSTILE}`,
        status: 'warning',
        correlationId: 'SP-stk-0003',
        tags: { warehouse: 'WH-CENTRAL', environment: 'sandbox' },
        startedAt: '2026-03-02T09:00:32.000Z',
        durationMs: 8_000,
        milestones: [
          { name: 'erp-on-hand', system: 'erp', status: 'late', latencyMs: 7000, latencyLowerMs: 6500, latencyUpperMs: 7500, slaMs: 5000, requests: 6, failure: { class: 'business', reason: `on-hand updated late; note: ${HOSTILE}` } },
          { name: 'storefront-availability', system: 'storefront', status: 'error', latencyMs: null, latencyLowerMs: null, latencyUpperMs: null, slaMs: 5000, requests: 1, failure: { class: 'transport', reason: 'storefront refused the connection (ECONNREFUSED 127.0.0.1:9443)' } },
        ],
      },
      {
        name: 'order-to-notification-storefront',
        status: 'unknown',
        correlationId: 'SP-web-0004',
        tags: { channel: 'storefront', environment: 'sandbox' },
        startedAt: '2026-03-02T09:00:40.000Z',
        durationMs: 5,
        milestones: [],
        problems: [{ code: 'SCENARIO_SETUP', message: 'Chromium could not start' }],
      },
    ],
  };
}
