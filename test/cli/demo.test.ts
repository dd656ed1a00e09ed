import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { chromiumPath, CHROMIUM_ARGS } from '../support/env.ts';

const bin = fileURLToPath(new URL('../../bin/syncprobe.js', import.meta.url));

/**
 * npm start as a person uses it: the demo starts with a warehouse connector's token expired; the
 * status page shows that warehouse failing with a critical alert scoped to it while the other
 * warehouses stay green; clearing the fault from the page resolves the alert; Ctrl-C exits 0.
 */
test('demo: a faulted warehouse is found, shown, alerted and resolved from the status page', { timeout: 240_000 }, async (t) => {
  const child = spawn(process.execPath, [bin, 'demo', '--port', '0', '--interval', '4', '--fault', 'wms.tokenExpired=WH-WEST'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no status page address within 90 s:\n${stderr}`)), 90_000);
    child.stderr.on('data', () => {
      const m = /status page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', () => reject(new Error(`demo exited early:\n${stderr}`)));
  });

  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(url);

  const alert = page.locator('[data-testid="alert"][data-severity="critical"]', { hasText: 'warehouse=WH-WEST' }).first();
  await alert.waitFor({ timeout: 120_000 });
  assert.match(await alert.innerText(), /stock-wh-west/);
  assert.match(await alert.innerText(), /token/i, 'the alert says why: the connector token was refused');
  assert.equal(await page.locator('[data-probe="stock-wh-west"]').getAttribute('data-status'), 'critical');
  await page.locator('[data-probe="stock-wh-east"][data-status="ok"]').waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('[data-testid="alert"]', { hasText: 'warehouse=WH-EAST' }).count(), 0, 'the other warehouses raise nothing');
  assert.match(await page.getByTestId('active-faults').innerText(), /wms\.tokenExpired=WH-WEST/);

  await page.getByTestId('clear-faults').click();
  await page.getByTestId('active-faults').filter({ hasText: 'no fault active' }).waitFor({ timeout: 10_000 });
  await page.locator('[data-probe="stock-wh-west"][data-status="ok"]').waitFor({ timeout: 120_000 });
  await page.waitForFunction(
    () => ![...document.querySelectorAll('[data-testid="alert"]')].some((e) => (e.textContent ?? '').includes('warehouse=WH-WEST')),
    undefined,
    { timeout: 60_000 },
  );

  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.equal(stdout, '', 'the demo writes nothing to stdout');
  assert.match(stderr, /TRIGGER critical stock-wh-west/);
  assert.match(stderr, /RESOLVE\w* \w+ stock-wh-west/i);
  assert.match(stderr, /stopping: running probes clean up/);
});
