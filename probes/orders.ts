import { defineProbe } from '../src/scheduler/index.ts';

/**
 * Synthetic orders, one probe per channel. Each places a marked order and follows it to the
 * customer notification; a channel-wide failure pages, a single late order does not.
 */
const routes = [
  { channel: 'ops-chat', minSeverity: 'warning' as const },
  { channel: 'on-call', minSeverity: 'critical' as const },
];

export default [
  defineProbe({
    name: 'orders-b2b',
    scenario: 'order-to-notification/b2b',
    environment: 'sandbox',
    cron: '*/5 * * * *',
    jitterMs: 20_000,
    timeoutMs: 4 * 60_000,
    systems: ['middleware', 'erp', 'wms', 'notifications'],
    thresholds: { failureThreshold: 2, successThreshold: 2, reminderIntervalMs: 60 * 60_000 },
    alerts: routes,
    impact: { highValueCustomers: ['ACME-DISTRIBUTION'], topSkus: ['SKU-1002'] },
  }),
  defineProbe({
    name: 'orders-marketplace',
    scenario: 'order-to-notification/marketplace',
    environment: 'sandbox',
    cron: '1-59/5 * * * *',
    jitterMs: 20_000,
    timeoutMs: 4 * 60_000,
    systems: ['middleware', 'erp', 'wms', 'notifications'],
    thresholds: { failureThreshold: 2, successThreshold: 2 },
    alerts: routes,
  }),
  defineProbe({
    name: 'orders-storefront',
    scenario: 'order-to-notification/storefront',
    environment: 'sandbox',
    cron: '*/15 * * * *',
    jitterMs: 30_000,
    timeoutMs: 5 * 60_000,
    systems: ['storefront', 'middleware', 'erp', 'wms', 'notifications'],
    thresholds: { failureThreshold: 2, successThreshold: 2 },
    alerts: routes,
  }),
];
