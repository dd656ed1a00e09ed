import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { loadConfig, runScenarios, type EngineRunResult, type LoadedConfig, type RunOptions } from '../../src/engine/index.ts';
import { prepareEnvironment } from '../../src/cli/environments.ts';
import { createSchemaValidator } from '../../src/contracts/validator.ts';

/**
 * Test SLAs. The sandbox hops take a few ms, but it runs in the test's own process: on a loaded
 * machine an event-loop stall of a few seconds lands inside a milestone's true latency. Ten seconds
 * keeps a healthy transaction met through that; a test that expects a milestone to be missing or
 * late gives that milestone a short SLA of its own (FAULT_SLA_MS) so the wait stays cheap.
 */
export const TEST_SLA_MS = 10_000;
/**
 * For the milestone a fault is expected to fail: a missing one is called after twice this. Long
 * enough that the stack has done its part (dead-lettered, dropped, refused) by then even when the
 * process was stalled for a few seconds, so the diagnosis finds it.
 */
export const FAULT_SLA_MS = 2500;
const MILESTONES = [
  'middleware.delivered',
  'erp.created',
  'erp.released',
  'wms.allocated',
  'wms.shipped',
  'erp.shipmentConfirmed',
  'notifications.shipped',
  'storefront.statusUpdated',
  'erp.onHandUpdated',
  'storefront.availabilityUpdated',
  'erp.onHandReversed',
  'storefront.availabilityReversed',
  'edi.acknowledged',
  'edi.poAcknowledged',
  'edi.asnReceived',
];
export const TEST_SLA = Object.fromEntries(MILESTONES.map((m) => [m, TEST_SLA_MS]));
export const TEST_POLLING = { initialMs: 5, factor: 1.5, maxMs: 50, graceFactor: 2 };

export interface Harness {
  sandbox: Sandbox;
  loaded: LoadedConfig;
  run(scenarios: string[], extra?: Partial<RunOptions>): Promise<EngineRunResult>;
  stop(): Promise<void>;
}

/** One in-process sandbox with ms hop latencies, reused by every run of a test file. */
export async function harness(opts: { latencyMs?: number; environment?: string } = {}): Promise<Harness> {
  const sandbox = await startSandbox({ port: 0, latency: { defaultMs: opts.latencyMs ?? 5 }, retry: { maxAttempts: 3, baseMs: 50 } });
  const loaded = await loadConfig();
  const environment = opts.environment ?? 'sandbox';
  const prepared = await prepareEnvironment(loaded, environment, { reuse: sandbox });
  const validators = [createSchemaValidator()];
  const run = (scenarios: string[], extra: Partial<RunOptions> = {}) =>
      runScenarios({
        config: loaded,
        environment,
        scenarios,
        systemsOverride: prepared.systemsOverride,
        sla: TEST_SLA,
        polling: TEST_POLLING,
        validators,
        sweep: false,
        ...extra,
      });
  // The stack's first transaction pays for its connectors' first tokens and key fetches: not a finding.
  await run(['order-to-notification/b2b', 'order-to-notification/marketplace', 'stock-adjustment/WH-EAST']);
  return { sandbox, loaded, run, stop: () => sandbox.stop() };
}

/** Waits until a fresh TLS handshake with the service gives the expected outcome (certificates are reissued asynchronously). */
export async function waitForTls(url: string, caPem: string, expectFailure: boolean): Promise<void> {
  const { connect } = await import('node:tls');
  const u = new URL(url);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const failed = await new Promise<boolean>((resolve) => {
      const s = connect({ host: u.hostname, port: Number(u.port), ca: caPem }, () => {
        s.end();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });
    if (failed === expectFailure) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`TLS handshake with ${url} never ${expectFailure ? 'failed' : 'succeeded'}`);
}

export function firstFailure(r: EngineRunResult) {
  for (const s of r.scenarios) for (const m of s.milestones) if (m.status !== 'met') return { scenario: s.name, milestone: m };
  return undefined;
}

/**
 * What a run shows to be wrong: failed or missing milestones, problems, a failed cleanup, and late
 * milestones whose lower bound is past the SLA. A milestone reported late because its bounds straddle
 * the SLA (the harness polled late on a starved machine) is not proof of a fault, so it is left out.
 */
export function provenWrong(r: EngineRunResult): string[] {
  const out: string[] = [];
  for (const s of r.scenarios) {
    for (const m of s.milestones) {
      if (m.status === 'met') continue;
      if (m.status === 'late' && m.latencyLowerMs !== null && m.latencyLowerMs <= m.slaMs) continue;
      out.push(`${s.name} ${m.name}=${m.status}`);
    }
    for (const p of s.problems ?? []) out.push(`${s.name} problem ${p.code}`);
    if (s.cleanup?.status === 'failed') out.push(`${s.name} cleanup failed`);
    if (!s.milestones.length) out.push(`${s.name} has no milestones`);
  }
  return out;
}

export function describeRun(r: EngineRunResult): string {
  return r.scenarios
    .map((s) => `${s.name} ${s.status}: ${s.milestones.map((m) => `${m.name}=${m.status}${m.failure ? ` (${m.failure.class}: ${m.failure.reason})` : ''}`).join(', ')}${s.problems?.length ? ` problems: ${JSON.stringify(s.problems)}` : ''}`)
    .join('\n');
}
