import { defineConfig } from '@playwright/test';

/**
 * `npx playwright test` runs the scenarios as Playwright tests (one test per scenario, its milestones
 * as steps) against the embedded sandbox, with Debian's Chromium: no browser download.
 * SYNCPROBE_ENV picks another environment of syncprobe.config.ts.
 */
const chromium = process.env.SYNCPROBE_CHROMIUM ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export default defineConfig({
  testDir: './test/scenarios',
  testMatch: /.*\.spec\.ts$/,
  timeout: 5 * 60_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }], ['junit', { outputFile: 'test-results/playwright-junit.xml' }]],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromium, args },
  },
  metadata: { chromium, environment: process.env.SYNCPROBE_ENV ?? 'sandbox' },
});
