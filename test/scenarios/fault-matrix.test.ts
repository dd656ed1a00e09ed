import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, firstFailure, describeRun, provenWrong, waitForTls, FAULT_SLA_MS, TEST_POLLING, TEST_SLA, type Harness } from './support.ts';

/**
 * Every sandbox fault in docs/sandbox.md: injected, the verdict names the milestone, the failure
 * class and the scope; cleared, the next run passes. One sandbox for the whole matrix.
 */
interface Case {
  fault: string;
  value?: string;
  scenario: string;
  milestone: string;
  /** The verdict, or alternatives when a race in the stack decides (a slow API: late or never seen in time). */
  status: string | string[];
  class: string;
  scope: Record<string, string>;
  reason: RegExp;
  /** Also run while the fault is active and must pass (a fault scoped elsewhere leaves it alone). */
  unaffected?: string;
  /**
   * SLA of the faulted milestone (default FAULT_SLA_MS). A late verdict needs the milestone observed:
   * those cases await it as long as it takes, and the system's own timestamps decide when a stalled
   * harness left the bounds straddling the SLA.
   */
  slaMs?: number;
  /** The system cleanup needs is the one failing: cleanup may fail and say so. */
  cleanupMayFail?: boolean;
  /** Observed by polling even where the environment receives the webhook: a slow API shows only to a poller. */
  polled?: boolean;
}

const DELAY_MS = 5000;
const MATRIX: Case[] = [
  { fault: 'channel.drop', value: 'b2b', scenario: 'order-to-notification/b2b', milestone: 'middleware.delivered', status: 'missing', class: 'business', scope: { channel: 'b2b', system: 'middleware' }, reason: /never forwarded it \(dropped\)/, unaffected: 'order-to-notification/marketplace' },
  // Five seconds: longer than a stall of the loaded machine, so the warehouse it is not scoped to shows by its own postings that it was not held.
  { fault: 'inventory.delay', value: `WH-EAST:${DELAY_MS}`, scenario: 'stock-adjustment/WH-EAST', milestone: 'erp.onHandUpdated', status: 'late', slaMs: 1000, class: 'business', scope: { warehouse: 'WH-EAST', system: 'erp' }, reason: /took \d+(\.\d)? s .*SLA 1\.0 s/, unaffected: 'stock-adjustment/WH-WEST' },
  { fault: 'erp.version', value: 'v2', scenario: 'order-to-notification/b2b', milestone: 'middleware.delivered', status: 'missing', class: 'data', scope: { channel: 'b2b', system: 'erp' }, reason: /API v2: required field\(s\) missing: customerReference, salesChannel/ },
  { fault: 'wms.tokenExpired', value: 'WH-WEST', scenario: 'stock-adjustment/WH-WEST', milestone: 'erp.onHandUpdated', status: 'missing', class: 'application', scope: { warehouse: 'WH-WEST', system: 'middleware' }, reason: /ERP refused the WH-WEST connector's token/, unaffected: 'stock-adjustment/WH-EAST' },
  { fault: 'middleware.badUom', scenario: 'order-to-notification/b2b', milestone: 'middleware.delivered', status: 'missing', class: 'data', scope: { channel: 'b2b', system: 'erp' }, reason: /DLQ holds it .*CS12X/ },
  { fault: 'erp.rejectDecimal', scenario: 'order-to-notification/marketplace', milestone: 'middleware.delivered', status: 'missing', class: 'data', scope: { channel: 'marketplace', system: 'erp' }, reason: /ERP never created the order for channel marketplace: middleware DLQ holds it .*decimal_quantity/, unaffected: 'order-to-notification/b2b' },
  { fault: 'middleware.wrongWarehouse', value: 'WH-WEST', scenario: 'order-to-notification/b2b', milestone: 'erp.created', status: 'error', class: 'data', scope: { channel: 'b2b', warehouse: 'WH-EAST', system: 'erp' }, reason: /SKU-1002 ships from WH-WEST instead of WH-EAST/ },
  { fault: 'erp.duplicateOrders', scenario: 'order-to-notification/b2b', milestone: 'erp.created', status: 'error', class: 'business', scope: { channel: 'b2b', system: 'erp' }, reason: /2 ERP sales orders for one channel order .*duplicate/ },
  { fault: 'wms.confirmationBacklog', scenario: 'order-to-notification/marketplace', milestone: 'erp.shipmentConfirmed', status: 'missing', class: 'business', scope: { channel: 'marketplace', system: 'wms' }, reason: /ASN unacknowledged/ },
  { fault: 'middleware.inventoryUom', scenario: 'stock-adjustment/WH-EAST', milestone: 'erp.onHandUpdated', status: 'error', class: 'data', scope: { warehouse: 'WH-EAST', system: 'erp' }, reason: /posted 60 SKU-1001 in WH-EAST for a WMS adjustment of 5: expected 5, actual 60/, unaffected: 'order-to-notification/b2b' },
  { fault: 'erp.negativeInventory', scenario: 'stock-adjustment/WH-CENTRAL', milestone: 'erp.onHandUpdated', status: 'error', class: 'data', scope: { warehouse: 'WH-CENTRAL', system: 'erp' }, reason: /on-hand of SKU-1001 in WH-CENTRAL is negative/ },
  { fault: 'http.errors', value: 'erp:1', scenario: 'order-to-notification/b2b', milestone: 'middleware.delivered', status: 'missing', class: 'application', scope: { channel: 'b2b', system: 'erp' }, reason: /ERP answered 500/, cleanupMayFail: true },
  { fault: 'http.rateLimit', value: 'wms', scenario: 'order-to-notification/b2b', milestone: 'wms.allocated', status: 'error', class: 'application', scope: { channel: 'b2b', system: 'wms' }, reason: /kept answering 429/ },
  { fault: 'http.slow', value: 'notifications:3000', scenario: 'order-to-notification/b2b', milestone: 'notifications.shipped', status: ['late', 'missing'], slaMs: 1000, class: 'transport', scope: { channel: 'b2b', system: 'notifications' }, reason: /notifications took at least ([3-9]\.\d|\d{2,}) s to answer every request/, polled: true },
  // The shipment notice is observed by its webhook (the sandbox environment has an inbox).
  { fault: 'notifications.webhooksStopped', scenario: 'order-to-notification/b2b', milestone: 'notifications.shipped', status: 'error', class: 'application', scope: { channel: 'b2b', system: 'notifications' }, reason: /notifications shows customer notified of the shipment at .*but its webhook 'notificationSent' never reached the inbox/, unaffected: 'stock-adjustment/WH-EAST' },
  { fault: 'notifications.webhookSecretRotated', scenario: 'order-to-notification/marketplace', milestone: 'notifications.shipped', status: 'error', class: 'application', scope: { channel: 'marketplace', system: 'notifications' }, reason: /refused: the HMAC-SHA256 signature does not match the shared secret/ },
  // The EDI gateway's faults, through the sandbox's own gateway in front of its middleware (channel edi).
  { fault: 'edi.ackRejected', scenario: 'edi-order/WH-EAST', milestone: 'edi.acknowledged', status: 'error', class: 'data', scope: { channel: 'edi', warehouse: 'WH-EAST', system: 'edi' }, reason: /rejected \(AK501 R\): segment PO1 at position \d+, element PO103 \(data element 355\)/, unaffected: 'order-to-notification/b2b' },
  { fault: 'edi.noAck', scenario: 'edi-order/WH-EAST', milestone: 'edi.acknowledged', status: 'missing', class: 'business', scope: { channel: 'edi', system: 'edi' }, reason: /no 997 functional acknowledgement for PO SP-.* never acknowledged it/ },
  { fault: 'edi.asnTotalsMismatch', scenario: 'edi-order/WH-EAST', milestone: 'edi.asnReceived', status: 'error', class: 'data', scope: { channel: 'edi', system: 'edi' }, reason: /CTT02 hash total \d+ differs from the sum of SN102 quantities/ },
  { fault: 'edi.envelopeRejected', scenario: 'edi-order/WH-EAST', milestone: 'edi.acknowledged', status: 'error', class: 'data', scope: { channel: 'edi', warehouse: 'WH-EAST', system: 'edi' }, reason: /rejected the interchange at the envelope \(TA1 R 006 \(invalid interchange sender ID \(ISA06\)\)/, unaffected: 'order-to-notification/b2b' },
  // 0.02 minutes: each outbound document 1.2 s late, past the 1 s SLA.
  { fault: 'edi.lateFile', value: '0.02', scenario: 'edi-order/WH-EAST', milestone: 'edi.acknowledged', status: 'late', slaMs: 1000, class: 'business', scope: { channel: 'edi', system: 'edi' }, reason: /took \d+(\.\d)? s .*SLA 1\.0 s/ },
  { fault: 'tls.expiresInDays', value: '-1', scenario: 'order-to-notification/b2b', milestone: 'channel.accepted', status: 'error', class: 'transport', scope: { channel: 'b2b', system: 'middleware' }, reason: /certificate has expired|CERT_HAS_EXPIRED/, cleanupMayFail: true },
];

/**
 * The ordinary test SLAs up to the faulted milestone, which keeps a healthy stretch met on a stalled
 * machine; the faulted milestone and those after it (missing in its wake, awaited side by side) get
 * the short fault SLA, so the run does not wait out the long ones.
 */
function faultSla(c: Case): Record<string, number> {
  const names = h.loaded.scenarios.find((x) => x.definition.name === c.scenario)!.definition.milestones.map((m) => m.name);
  const from = names.indexOf(c.milestone);
  assert.ok(from >= 0, `${c.scenario} has no milestone ${c.milestone}`);
  return { ...TEST_SLA, ...Object.fromEntries(names.slice(from).map((n) => [n, c.slaMs ?? FAULT_SLA_MS])) };
}

let h: Harness;
before(async () => {
  h = await harness();
});
after(async () => {
  await h.stop();
});

test('the matrix covers every fault the sandbox documents', async () => {
  const { FAULTS } = await import('../../sandbox/faults.ts');
  assert.deepEqual(MATRIX.map((c) => c.fault).sort(), Object.keys(FAULTS).sort());
});

for (const c of MATRIX) {
  test(`fault ${c.fault}${c.value ? `=${c.value}` : ''}: ${[c.status].flat().join('|')} ${c.milestone} (${c.class}) in ${c.scenario}; cleared, the next run passes`, async () => {
    h.sandbox.faults.set(c.fault, c.value);
    if (c.fault === 'tls.expiresInDays') await waitForTls(h.sandbox.services.middleware, h.sandbox.caPem, true);
    let cleared = false;
    const env = h.loaded.config.environments.sandbox!;
    const inbox = env.inbox;
    try {
      const late = c.status === 'late';
      if (c.polled) delete env.inbox;
      const r = await h.run([c.scenario], {
        sla: faultSla(c),
        // A late milestone is awaited until it comes (bounded only by a real failure).
        ...(late ? { polling: { ...TEST_POLLING, graceMs: 60_000 } } : {}),
      });
      env.inbox = inbox;
      const s = r.scenarios[0]!;
      const f = firstFailure({ ...r, scenarios: [s] });
      assert.ok(f, `a failure is reported:\n${describeRun(r)}`);
      assert.equal(f.milestone.name, c.milestone, describeRun(r));
      assert.ok([c.status].flat().includes(f.milestone.status), `${f.milestone.status} not in ${String(c.status)}: ${describeRun(r)}`);
      assert.equal(f.milestone.failure?.class, c.class, describeRun(r));
      for (const [k, v] of Object.entries(c.scope)) assert.equal((f.milestone.failure?.scope as Record<string, string>)[k], v, `scope.${k}: ${describeRun(r)}`);
      assert.match(f.milestone.failure!.reason, c.reason);
      assert.notEqual(s.status, 'ok');
      if (!c.cleanupMayFail) assert.notEqual(s.cleanup?.status, 'failed', `cleanup: ${JSON.stringify(s.cleanup)}`);
      else if (s.cleanup?.status === 'failed') assert.ok(s.problems?.some((p) => p.code === 'cleanup_failed'), 'a failed cleanup is reported');
      if (c.unaffected) {
        // Still under the fault, with the ordinary test SLAs.
        const other = await h.run([c.unaffected]);
        const u = other.scenarios[0]!;
        assert.equal(u.status, 'ok', `a fault scoped elsewhere leaves ${c.unaffected} alone:\n${describeRun(other)}`);
        if (c.fault === 'inventory.delay') {
          const at = (e: string) => h.sandbox.truth.firstAt(u.correlationId, e)!;
          assert.ok(at('erp.onHandUpdated') - at('wms.adjusted') < DELAY_MS, `${c.unaffected} posted ${at('erp.onHandUpdated') - at('wms.adjusted')} ms after its adjustment: held by a fault scoped to WH-EAST`);
        }
      }
      h.sandbox.faults.clear(c.fault);
      cleared = true;
      if (c.fault === 'tls.expiresInDays') {
        // Every service has its long-lived certificate back (the inbox subscribes with the notifications service first thing).
        await h.sandbox.certificatesSettled();
        for (const url of [h.sandbox.services.middleware, h.sandbox.services.notifications]) await waitForTls(url, h.sandbox.caPem, false);
      }
      const again = await h.run([c.scenario]);
      assert.deepEqual(provenWrong(again), [], `after clearing ${c.fault}:\n${describeRun(again)}`);
    } finally {
      env.inbox = inbox;
      if (!cleared) h.sandbox.faults.clear(c.fault);
    }
  });
}
