import { defineProbe } from '../src/scheduler/index.ts';

/** Read-only checks: they keep running while the kill switch holds the write probes. */
export default [
  defineProbe({
    name: 'middleware-backlog',
    check: { type: 'backlog', options: { system: 'middleware', windowMs: 15 * 60_000 } },
    environment: 'sandbox',
    cron: '* * * * *',
    timeoutMs: 30_000,
    systems: ['middleware'],
    thresholds: { failureThreshold: 3, successThreshold: 2 },
    alerts: [{ channel: 'ops-chat', minSeverity: 'warning' }],
  }),
  defineProbe({
    name: 'order-reconciliation',
    check: { type: 'reconciliation', options: { system: 'middleware', thresholdPct: 0.5 } },
    environment: 'sandbox',
    cron: '*/10 * * * *',
    timeoutMs: 60_000,
    systems: ['middleware', 'erp'],
    thresholds: { failureThreshold: 1, successThreshold: 1 },
    alerts: [
      { channel: 'ops-chat', minSeverity: 'warning' },
      { channel: 'on-call', minSeverity: 'critical' },
    ],
  }),
  defineProbe({
    name: 'erp-oauth',
    check: { type: 'oauth', options: { system: 'erp' } },
    environment: 'sandbox',
    cron: '*/15 * * * *',
    timeoutMs: 30_000,
    systems: ['erp'],
    thresholds: { failureThreshold: 1, successThreshold: 1, reminderIntervalMs: 24 * 60 * 60_000 },
    alerts: [{ channel: 'ops-chat', minSeverity: 'warning' }],
  }),
  defineProbe({
    name: 'erp-tls',
    check: { type: 'tls', options: { system: 'erp' } },
    environment: 'sandbox',
    cron: '0 * * * *',
    timeoutMs: 30_000,
    systems: ['erp'],
    thresholds: { failureThreshold: 1, successThreshold: 1, reminderIntervalMs: 24 * 60 * 60_000 },
    alerts: [{ channel: 'ops-chat', minSeverity: 'warning' }],
  }),
];
