import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, describeRun, TEST_SLA, type Harness } from './support.ts';
import { chromiumPath, CHROMIUM_ARGS } from '../support/env.ts';

let h: Harness;
before(async () => {
  h = await harness();
});
after(async () => {
  await h.stop();
});

test('storefront checkout in real Chromium, followed to the shipped status on the storefront; TLS verified through an SPKI pin', async () => {
  const browser = { executablePath: chromiumPath(), args: CHROMIUM_ARGS };
  // A browser shares two cores with everything else here: SLAs with room, the timing is not what this test is about.
  const r = await h.run(['order-to-notification/storefront'], { settings: { browser }, sla: Object.fromEntries(Object.keys(TEST_SLA).map((k) => [k, 5000])) });
  const s = r.scenarios[0]!;
  assert.equal(s.status, 'ok', describeRun(r));
  assert.deepEqual(
    s.milestones.map((m) => m.name),
    ['channel.accepted', 'middleware.delivered', 'erp.created', 'erp.released', 'wms.allocated', 'wms.shipped', 'erp.shipmentConfirmed', 'notifications.shipped', 'storefront.statusUpdated'],
  );
  const accepted = h.sandbox.truth.events({ correlationId: s.correlationId, event: 'channel.accepted' });
  assert.equal(accepted.length, 1, 'the browser carried the correlation id into the storefront');
  assert.equal(accepted[0]!.system, 'storefront');
  assert.ok(s.milestones[0]!.systemLatencyMs === null || s.milestones[0]!.systemLatencyMs === undefined);
  assert.equal(s.cleanup?.status, 'done');
});

test('the storefront UI scenario names the step when the browser cannot complete the checkout', async () => {
  h.sandbox.faults.set('http.errors', 'storefront:1');
  try {
    const r = await h.run(['order-to-notification/storefront'], { settings: { browser: { executablePath: chromiumPath(), args: CHROMIUM_ARGS } } });
    const m = r.scenarios[0]!.milestones[0]!;
    assert.equal(m.status, 'error');
    assert.match(m.failure!.reason, /step 'checkout in the storefront \(browser\)' on storefront failed: storefront answered HTTP 500 for its catalog page/);
  } finally {
    h.sandbox.faults.clear('http.errors');
  }
});
