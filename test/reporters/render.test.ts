import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext } from 'playwright';
import { chromiumPath, CHROMIUM_ARGS } from '../support/env.ts';
import { renderJunit } from '../../src/reporters/junit.ts';
import { renderHtml } from '../../src/reporters/html.ts';
import { HOSTILE, sampleRun } from './fixtures.ts';

let browser: Browser;
let context: BrowserContext;
before(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  context = await browser.newContext();
  // tsx compiles the functions passed to page.evaluate with a __name helper that pages lack.
  await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
});
after(() => browser?.close());

interface ParsedJunit {
  parseError: string | null;
  root: Record<string, string | null>;
  suites: Array<{ name: string | null; tests: string | null; failures: string | null; errors: string | null; props: Record<string, string | null>; cases: Array<{ name: string | null; classname: string | null; kind: string | null; message: string | null; type: string | null }> }>;
}

/** Parses the XML with the browser's strict XML parser, which reports any well-formedness error. */
async function parseJunit(xml: string): Promise<ParsedJunit> {
  const page = await context.newPage();
  try {
    return await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const err = doc.querySelector('parsererror');
      const root = doc.documentElement;
      const attrs = (el: Element, names: string[]) => Object.fromEntries(names.map((n) => [n, el.getAttribute(n)]));
      return {
        parseError: err ? err.textContent : null,
        root: { tag: root.tagName, ...attrs(root, ['tests', 'failures', 'errors']) },
        suites: [...root.querySelectorAll(':scope > testsuite')].map((s) => ({
          name: s.getAttribute('name'),
          tests: s.getAttribute('tests'),
          failures: s.getAttribute('failures'),
          errors: s.getAttribute('errors'),
          props: Object.fromEntries([...s.querySelectorAll('properties > property')].map((p) => [p.getAttribute('name')!, p.getAttribute('value')])),
          cases: [...s.querySelectorAll(':scope > testcase')].map((c) => {
            const f = c.querySelector('failure, error');
            return { name: c.getAttribute('name'), classname: c.getAttribute('classname'), kind: f?.tagName ?? null, message: f?.getAttribute('message') ?? null, type: f?.getAttribute('type') ?? null };
          }),
        })),
      };
    }, xml);
  } finally {
    await page.close();
  }
}

test('JUnit XML parses back: a suite per scenario, a case per milestone, the reason as the failure message', async () => {
  const run = sampleRun();
  const parsed = await parseJunit(renderJunit(run));
  assert.equal(parsed.parseError, null);
  assert.deepEqual(parsed.root, { tag: 'testsuites', tests: '8', failures: '3', errors: '2' });
  assert.deepEqual(
    parsed.suites.map((s) => [s.name, s.tests, s.failures, s.errors]),
    [
      ['order-to-notification-b2b', '2', '0', '0'],
      ['order-to-notification-marketplace', '3', '2', '0'],
      [`stock-adjustment ${HOSTILE}`, '2', '1', '1'],
      ['order-to-notification-storefront', '1', '0', '1'],
    ],
  );
  const cases = parsed.suites.flatMap((s) => s.cases.map((c) => [c.classname, c.name, c.kind, c.type, c.message]));
  assert.deepEqual(cases, [
    ['order-to-notification-b2b', 'erp-order-created', null, null, null],
    ['order-to-notification-b2b', 'wms-allocated', null, null, null],
    ['order-to-notification-marketplace', 'middleware-delivered', null, null, null],
    ['order-to-notification-marketplace', 'erp-order-created', 'failure', 'data', "ERP never created the order for channel marketplace: middleware DLQ holds it with 'unknown UoM CS12'"],
    ['order-to-notification-marketplace', 'cleanup', 'failure', 'cleanup', 'cleanup failed: cancel-order'],
    [`stock-adjustment ${HOSTILE}`, 'erp-on-hand', 'failure', 'business', `on-hand updated late; note: ${HOSTILE}`],
    [`stock-adjustment ${HOSTILE}`, 'storefront-availability', 'error', 'transport', 'storefront refused the connection (ECONNREFUSED 127.0.0.1:9443)'],
    ['order-to-notification-storefront', 'scenario', 'error', 'unknown', 'SCENARIO_SETUP: Chromium could not start'],
  ]);
  assert.deepEqual(parsed.suites[1]!.props, { status: 'critical', correlationId: 'SP-mkt-0002', channel: 'marketplace', warehouse: 'WH-WEST', environment: 'sandbox' });
});

test('JUnit XML stays well-formed with control characters, newlines and CDATA terminators in reasons', async () => {
  const run = sampleRun();
  run.scenarios[1]!.milestones[1]!.failure!.reason = 'line one\nline two\u0000\u001b[31m ]]> <![CDATA[ &amp;';
  const parsed = await parseJunit(renderJunit(run));
  assert.equal(parsed.parseError, null);
  assert.equal(parsed.suites[1]!.cases[1]!.message, 'line one\nline two\uFFFD\uFFFD[31m ]]> <![CDATA[ &amp;');
});

test('HTML report: one timeline per scenario, hostile strings escaped in the source', () => {
  const html = renderHtml(sampleRun());
  assert.equal(html.match(/data-testid="timeline"/g)?.length, 4);
  assert.equal(html.match(/data-testid="milestone"/g)?.length, 6);
  assert.ok(!html.includes('<script'), 'no script element at all');
  assert.ok(!html.includes('<img'), 'hostile markup never reaches the page as markup');
  assert.ok(html.includes('&lt;script&gt;window.__pwned=1&lt;/script&gt;'));
  assert.ok(!/(src|href)=["']?(https?:)?\/\//i.test(html) && !/@import|url\(/i.test(html), 'no external assets');
});

test('HTML report in Chromium: what a person sees', async () => {
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  try {
    await page.setContent(renderHtml(sampleRun()), { waitUntil: 'load' });
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, 'hostile markup did not run');
    assert.deepEqual(requests, [], 'the page loads nothing from anywhere');

    const scenarios = page.getByTestId('scenario');
    assert.equal(await scenarios.count(), 4);
    const headings = await scenarios.locator('h2').allInnerTexts();
    assert.deepEqual(headings, [
      'OK order-to-notification-b2b',
      'CRITICAL order-to-notification-marketplace',
      `WARNING stock-adjustment ${HOSTILE}`,
      'UNKNOWN order-to-notification-storefront',
    ]);
    for (let i = 0; i < 4; i++) assert.equal(await scenarios.nth(i).getByTestId('timeline').count(), 1);

    const market = scenarios.nth(1);
    const missing = market.locator('[data-testid="milestone"][data-status="missing"]');
    assert.ok(await missing.isVisible());
    assert.match(await missing.innerText(), /erp-order-created[\s\S]*missing[\s\S]*not seen/);
    assert.ok(await market.getByText("ERP never created the order for channel marketplace: middleware DLQ holds it with 'unknown UoM CS12'", { exact: false }).isVisible());
    assert.ok(await market.getByText('cleanup cancel-order failed: ERP returned 409 order locked').isVisible());
    // The open-ended window of a milestone never seen is drawn, not collapsed.
    const bar = await missing.locator('.bounds').boundingBox();
    assert.ok(bar && bar.width > 10, `missing milestone window drawn: ${JSON.stringify(bar)}`);

    const stock = scenarios.nth(2);
    assert.ok(await stock.getByText(`business: on-hand updated late; note: ${HOSTILE}`).isVisible());
    assert.ok(await stock.getByText('transport: storefront refused the connection (ECONNREFUSED 127.0.0.1:9443)').isVisible());
    assert.deepEqual(await stock.locator('[data-testid="milestone"] .badge').allInnerTexts(), ['late', 'error']);
    assert.ok(await scenarios.nth(3).getByText('SCENARIO_SETUP: Chromium could not start').isVisible());

    // A met milestone's colour differs from a missing one's.
    const colours = await page.evaluate(() => {
      const of = (sel: string) => getComputedStyle(document.querySelector(sel)!).backgroundColor;
      return { met: of('[data-status="met"] .bounds'), missing: of('[data-status="missing"] .bounds'), late: of('[data-status="late"] .bounds') };
    });
    assert.equal(new Set(Object.values(colours)).size, 3, JSON.stringify(colours));
  } finally {
    await page.close();
  }
});
