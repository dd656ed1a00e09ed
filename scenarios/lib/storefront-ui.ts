import { createHash, X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import type { ScenarioContext } from '../../src/engine/index.ts';

export interface BrowserSettings {
  executablePath?: string;
  args?: string[];
  headless?: boolean;
}

/** Debian's Chromium with flags for headless servers; no browser download. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
export const DEFAULT_CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/**
 * SPKI pin of the certificate a server presents, taken only after Node has verified the chain against
 * the system's CA: Chromium is then told to accept exactly that key, so the browser never runs with
 * certificate checks switched off.
 */
export async function verifiedSpkiPin(url: string, caPem: string | undefined): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 443), ca: caPem, servername: /^[\d.]+$/.test(u.hostname) ? undefined : u.hostname, rejectUnauthorized: true }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      if (!cert?.raw) return reject(new Error(`${u.host} presented no certificate`));
      const spki = new X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' });
      resolve(createHash('sha256').update(spki).digest('base64'));
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error(`TLS handshake with ${u.host} timed out`)));
    socket.once('error', reject);
  });
}

/** Checkout through the storefront's web UI in real Chromium; marks 'channel.accepted' around the submit. */
export async function placeInStorefront(ctx: ScenarioContext, order: { sku: string; quantity: number; warehouse: string }): Promise<void> {
  const { chromium } = await import('playwright');
  const sf = ctx.system('storefront');
  const base = sf.system.baseUrl.replace(/\/$/, '');
  const settings = (ctx.settings.browser ?? {}) as BrowserSettings;
  const args = [...(settings.args ?? DEFAULT_CHROMIUM_ARGS)];
  if (base.startsWith('https:') && sf.system.caPem) args.push(`--ignore-certificate-errors-spki-list=${await verifiedSpkiPin(base, sf.system.caPem)}`);
  // Signals belong to the harness: it interrupts the run, cleans up and closes the browser below.
  // Playwright's own handlers would end the whole process (exit 130) in the middle of that cleanup.
  const browser = await chromium.launch({
    executablePath: settings.executablePath ?? process.env.SYNCPROBE_CHROMIUM ?? DEFAULT_CHROMIUM,
    args,
    headless: settings.headless ?? true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  try {
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-correlation-id': ctx.correlationId } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const home = await page.goto(`${base}/`);
    if (home && !home.ok()) throw new Error(`storefront answered HTTP ${home.status()} for its catalog page`);
    const product = page.getByTestId(`product-${order.sku}`);
    await product.locator('input[name="qty"]').fill(String(order.quantity));
    await Promise.all([page.waitForURL(/\/cart/), product.locator('button[type="submit"], input[type="submit"]').first().click()]);
    const checkout = await page.goto(`${base}/checkout`);
    if (checkout && !checkout.ok()) throw new Error(`storefront answered HTTP ${checkout.status()} for the checkout page`);
    await page.getByTestId('checkout-customer').fill(ctx.marker.customer);
    await page.getByTestId('checkout-po').fill(ctx.reference);
    await page.getByTestId('checkout-warehouse').selectOption(order.warehouse);
    const sentAt = Date.now();
    await Promise.all([page.waitForURL(/\/orders\//), page.getByTestId('checkout-submit').click()]);
    const receivedAt = Date.now();
    const orderId = (await page.getByTestId('order-id').textContent())?.trim();
    if (!orderId) throw new Error('the storefront order page shows no order id');
    ctx.vars.orderId = orderId;
    const shownCorrelation = (await page.getByTestId('order-correlation-id').textContent())?.trim();
    if (shownCorrelation && shownCorrelation !== ctx.correlationId) ctx.log(`storefront shows correlation id ${shownCorrelation}, expected ${ctx.correlationId}`);
    const [rec] = await ctx.lookup('storefront', 'order', { orderId });
    const raw = (rec?.raw ?? {}) as { acceptedAt?: string };
    const acceptedAt = raw.acceptedAt ? Date.parse(raw.acceptedAt) : NaN;
    ctx.mark('channel.accepted', { sentAt, receivedAt, systemAt: Number.isFinite(acceptedAt) ? acceptedAt : null });
  } finally {
    await browser.close();
  }
}
