import { test, expect } from '@playwright/test';
import { loadConfig, runScenarios } from '../../src/engine/index.ts';
import { prepareEnvironment, type PreparedEnvironment } from '../../src/cli/environments.ts';

/**
 * The scenarios as Playwright tests: each scenario is a test, each milestone a step with its verdict,
 * so teams get Playwright's reports (HTML, JUnit, traces of their own) next to syncprobe's.
 */
const loaded = await loadConfig();
const environment = process.env.SYNCPROBE_ENV ?? loaded.defaultEnvironment;
const chromium = process.env.SYNCPROBE_CHROMIUM ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let prepared: PreparedEnvironment;
test.beforeAll(async () => {
  prepared = await prepareEnvironment(loaded, environment);
});
test.afterAll(async () => {
  await prepared?.stop();
});

for (const { definition } of loaded.scenarios) {
  test(definition.name, { tag: (definition.labels ?? []).map((l) => `@${l}`) }, async () => {
    const run = await runScenarios({
      config: loaded,
      environment,
      scenarios: [definition.name],
      systemsOverride: prepared.systemsOverride,
      settings: { browser: { executablePath: chromium, args } },
    });
    const result = run.scenarios[0]!;
    test.info().annotations.push({ type: 'correlationId', description: result.correlationId });
    for (const m of result.milestones) {
      const bounds = m.latencyMs === null ? '' : ` ${m.latencyMs} ms [${m.latencyLowerMs}, ${m.latencyUpperMs}] / SLA ${m.slaMs} ms`;
      await test.step(`${m.name} (${m.system}): ${m.status}${bounds}`, async () => {
        expect.soft(m.status, m.failure ? `${m.failure.class}: ${m.failure.reason}` : undefined).toBe('met');
      });
    }
    await test.step(`cleanup: ${result.cleanup?.status ?? 'none'}`, async () => {
      expect.soft(result.cleanup?.status, JSON.stringify(result.cleanup?.actions)).not.toBe('failed');
    });
  });
}
