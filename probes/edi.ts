import { defineProbe } from '../src/scheduler/index.ts';

/**
 * EDI: the synthetic partner's purchase order through the gateway end to end, and the 997s the
 * gateway sent that partner, every one of which must accept. The acknowledgement folder is the
 * gateway's outbox (SFTP mount or file share), given in SYNCPROBE_EDI_OUTBOX; the probe is off
 * until it is set.
 */
const outbox = process.env.SYNCPROBE_EDI_OUTBOX;

export default [
  defineProbe({
    name: 'edi-order-east',
    scenario: 'edi-order/WH-EAST',
    environment: 'sandbox',
    cron: '*/5 * * * *',
    timeoutMs: 120_000,
    systems: ['edi', 'middleware', 'erp', 'wms'],
    thresholds: { failureThreshold: 2, successThreshold: 2 },
    alerts: [{ channel: 'ops-chat', minSeverity: 'warning' }],
  }),
  defineProbe({
    name: 'edi-997-synthprobe',
    check: { type: 'edi-ack', options: { partner: 'SYNTHPROBE', folder: `${outbox ?? '.'}/{partner}`, pattern: '997_{partner}_*.x12', sinceMinutes: 15 } },
    environment: 'sandbox',
    cron: '*/15 * * * *',
    timeoutMs: 30_000,
    systems: ['edi'],
    enabled: outbox !== undefined && outbox !== '',
    thresholds: { failureThreshold: 1, successThreshold: 1 },
    alerts: [
      { channel: 'ops-chat', minSeverity: 'warning' },
      { channel: 'on-call', minSeverity: 'critical' },
    ],
  }),
];
