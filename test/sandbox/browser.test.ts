import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { chromium, type Browser } from 'playwright';
import type { Sandbox } from '../../sandbox/index.ts';
import { CHROMIUM_ARGS, chromiumPath } from '../support/env.ts';
import { Api, events, fastSandbox, waitFor } from './support.ts';

let sb: Sandbox;
let api: Api;
let browser: Browser;

/**
 * The storefront certificate's SPKI hash, read over a connection that verified the chain against
 * the sandbox CA. Chromium is told to accept exactly that key (--ignore-certificate-errors-spki-list):
 * it still refuses every other certificate, which the last test shows with the admin server's key.
 */
function verifiedSpkiHash(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port), ca: sb.caPem, servername: 'localhost' }, () => {
      const der = new X509Certificate(s.getPeerCertificate().raw).publicKey.export({ type: 'spki', format: 'der' });
      s.end();
      resolve(createHash('sha256').update(der).digest('base64'));
    });
    s.on('error', reject);
  });
}

before(async () => {
  sb = await fastSandbox();
  api = new Api(sb);
  const spki = await verifiedSpkiHash(sb.services.storefront);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${spki}`] });
});
after(async () => {
  await browser?.close();
  await api?.close();
  await sb?.stop();
});

test('an order placed through the storefront UI reaches middleware, ERP, WMS, shipment and notification', async () => {
  const page = await browser.newPage();
  try {
    await page.goto(sb.services.storefront + '/');
    assert.equal(await page.getByTestId('availability-SKU-1001-WH-WEST').textContent(), '510');
    await page.getByTestId('qty-SKU-1001').fill('3');
    await page.getByTestId('add-SKU-1001').click();
    await page.waitForURL('**/cart');
    assert.equal(await page.getByTestId('cart-qty-SKU-1001').textContent(), '3');
    await page.getByTestId('cart-checkout').click();
    await page.getByTestId('checkout-customer').fill('SYNTHETIC-PROBE');
    await page.getByTestId('checkout-po').fill('SP-UI-0001');
    await page.getByTestId('checkout-warehouse').selectOption('WEST');
    await page.getByTestId('checkout-submit').click();
    await page.waitForURL('**/orders/SF-*');
    const orderId = (await page.getByTestId('order-id').textContent())!;
    const correlationId = (await page.getByTestId('order-correlation-id').textContent())!;
    assert.match(orderId, /^SF-\d+$/);
    assert.equal(await page.getByTestId('order-status').textContent(), 'accepted');

    await waitFor('the order page to show shipped', async () => {
      await page.reload();
      return (await page.getByTestId('order-status').textContent()) === 'shipped';
    });
    for (const e of ['channel.accepted', 'middleware.delivered', 'erp.created', 'erp.released', 'wms.allocated', 'wms.shipped', 'erp.shipmentConfirmed', 'notifications.shipped', 'storefront.statusUpdated']) {
      assert.ok(events(sb, correlationId).includes(e), `${e} for ${correlationId}`);
    }
    const msg = (await api.get(`${sb.services.middleware}/messages?correlationId=${correlationId}`)).body.messages[0];
    assert.equal(msg.channel, 'storefront');
    assert.equal(msg.status, 'delivered');
    const so = (await api.get(`${sb.services.erp}/api/sales-orders?externalReference=SP-UI-0001`)).body.items[0];
    assert.equal(so.correlationId, correlationId);
    assert.deepEqual(so.lines[0], { lineNo: 1, item: 'SKU-1001', quantity: 3, uom: 'EA', warehouse: 'WH-WEST' });
    assert.notEqual(so.shippedAt, null);
    const wms = (await api.get(`${sb.services.wms}/api/orders?erpOrderNumber=${so.orderNumber}`)).body.items[0];
    assert.equal(wms.warehouse, 'WH-WEST');
    assert.equal(wms.asn.acknowledged, true);
    const notes = (await api.get(`${sb.services.notifications}/api/notifications?orderRef=SP-UI-0001`)).body.items;
    assert.deepEqual(notes.map((n: { type: string }) => n.type).sort(), ['order_confirmed', 'order_shipped']);
  } finally {
    await page.close();
  }
});

test('a stock adjustment shows on the storefront catalog for that warehouse only', async () => {
  const page = await browser.newPage();
  try {
    await page.goto(sb.services.storefront + '/');
    const cell = (wh: string) => page.getByTestId(`availability-SKU-1003-${wh}`).textContent();
    const before = { east: await cell('WH-EAST'), central: await cell('WH-CENTRAL') };
    await api.post(`${sb.services.wms}/api/adjustments`, { warehouse: 'WH-EAST', item: 'SKU-1003', quantity: 11, reason: 'receipt', reference: 'SP-UI-ADJ' }, { headers: { 'x-correlation-id': 'ui-adj' } });
    await waitFor('availability update', () => events(sb, 'ui-adj').includes('storefront.availabilityUpdated'));
    await page.reload();
    assert.equal(Number(await cell('WH-EAST')), Number(before.east) + 11);
    assert.equal(await cell('WH-CENTRAL'), before.central);
  } finally {
    await page.close();
  }
});

test('the browser still refuses a sandbox certificate it was not told about', async () => {
  const page = await browser.newPage();
  try {
    await assert.rejects(page.goto(sb.admin + '/faults'), /ERR_CERT_AUTHORITY_INVALID|ERR_CERT/);
  } finally {
    await page.close();
  }
});

/** Days until the certificate the service presents on a fresh connection expires. */
function daysLeft(url: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port), ca: sb.caPem, servername: 'localhost' }, () => {
      const validTo = Date.parse(s.getPeerCertificate().valid_to);
      s.end();
      resolve((validTo - Date.now()) / 86_400_000);
    });
    s.on('error', reject);
  });
}

test('certificates reissued at run time (tls.expiresInDays set, then cleared) renew the pinned key: the browser keeps loading the storefront', async () => {
  const pin = await verifiedSpkiHash(sb.services.storefront);
  try {
    sb.faults.set('tls.expiresInDays', '30');
    await waitFor('the 30-day certificate', async () => (await daysLeft(sb.services.storefront)) < 31);
    assert.equal(await verifiedSpkiHash(sb.services.storefront), pin, 'the renewed certificate carries the same key');
    const context = await browser.newContext();
    try {
      const res = await (await context.newPage()).goto(sb.services.storefront + '/');
      assert.equal(res?.status(), 200);
    } finally {
      await context.close();
    }
  } finally {
    sb.faults.clear('tls.expiresInDays');
  }
  await waitFor('the long-lived certificate again', async () => (await daysLeft(sb.services.storefront)) > 300);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const res = await page.goto(sb.services.storefront + '/');
    assert.equal(res?.status(), 200);
    assert.ok(await page.getByTestId('product-SKU-1001').isVisible());
  } finally {
    await context.close();
  }
});

test('a fault set and cleared in quick succession leaves every service on a renewed long-lived certificate', async () => {
  const fingerprint = () =>
    new Promise<string>((resolve, reject) => {
      const u = new URL(sb.services.storefront);
      const s = connect({ host: u.hostname, port: Number(u.port), ca: sb.caPem, servername: 'localhost' }, () => {
        resolve(s.getPeerCertificate().fingerprint256);
        s.end();
      });
      s.on('error', reject);
    });
  const before = await fingerprint();
  sb.faults.set('tls.expiresInDays', '-1');
  sb.faults.clear('tls.expiresInDays');
  sb.faults.set('tls.expiresInDays', '-1');
  sb.faults.clear('tls.expiresInDays');
  await sb.certificatesSettled();
  assert.notEqual(await fingerprint(), before, 'the certificates were reissued');
  for (const name of ['storefront', 'middleware', 'erp', 'wms', 'notifications'] as const) assert.ok((await daysLeft(sb.services[name])) > 300, `${name} certificate`);
});
