import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Point } from '../../src/core/outputs.ts';
import { loadConfig, runScenarios, type LoadedConfig } from '../../src/engine/index.ts';
import { prepareEnvironment, type PreparedEnvironment } from '../../src/cli/environments.ts';
import { InfluxSink } from '../../src/sinks/influx.ts';
import { Alerter, type Notification } from '../../src/alerting/index.ts';
import { Daemon, outcomeFromCheck, outcomeFromRunResult, type ProbeDefinition, type ProbeJob, type TickSource } from '../../src/scheduler/index.ts';
import { jobFactory } from '../../src/scheduler/jobs.ts';
import { checkOAuth, toPoints as oauthPoints } from '../../src/checks/oauth/index.ts';
import { ControlNumbers, build997, ediPoints, runEdiCheck, type FunctionalAck } from '../../src/edi/index.ts';
import { assumedPoints } from './fixtures.ts';

/**
 * A probe history recorded the way production records it: the scheduler daemon runs probes
 * (scenarios through the engine against the sandbox, and checks), alerting turns their results
 * into notifications, and the InfluxDB sink writes everything. Three
 * phases: healthy; WH-WEST's inventory publication delayed (its stock milestones late); then
 * the WH-WEST connector's token expired and the marketplace channel (which ships from WH-WEST)
 * dropping orders (milestones missing). Checks run before and after the faults: middleware
 * backlog, order reconciliation per channel, TLS of three services, two OAuth clients, the 997
 * acknowledgements of two EDI partners (one starts rejecting with the faults). Only the
 * contract verification and drift points, which nothing writes yet, come from fixtures.ts.
 */
export const ENVIRONMENT = 'sandbox';
export const FAULTED_WAREHOUSE = 'WH-WEST';
export const SCENARIO_PROBES: Record<string, string> = {
  'orders-b2b': 'order-to-notification/b2b',
  'orders-marketplace': 'order-to-notification/marketplace',
  'stock-WH-EAST': 'stock-adjustment/WH-EAST',
  'stock-WH-WEST': 'stock-adjustment/WH-WEST',
  'stock-WH-CENTRAL': 'stock-adjustment/WH-CENTRAL',
};
export const TLS_PROBES = ['erp', 'wms', 'middleware'] as const;
/** The probe's own client and the sandbox client whose secret has expired. */
export const OAUTH_CLIENTS = ['syncprobe-probe', 'syncprobe-expired'] as const;
/** Trading partners whose 997s land in a folder; REJECTING starts refusing the 850s with the faults. */
export const EDI_PARTNERS = ['ACME', 'GLOBEX'] as const;
export const EDI_REJECTING = 'GLOBEX';
export const CHECK_PROBES = [
  'middleware-backlog',
  'order-reconciliation',
  ...TLS_PROBES.map((s) => `tls-${s}`),
  ...OAUTH_CLIENTS.map((c) => `oauth-${c}`),
  ...EDI_PARTNERS.map((p) => `edi-ack-${p}`),
];

const ACCEPTED_997: FunctionalAck = { functionalId: 'PO', groupControlNumber: '1', status: 'A', included: 1, received: 1, accepted: 1, codes: [], transactions: [{ type: '850', controlNumber: '0001', status: 'A', codes: [], errors: [] }] };
const REJECTED_997: FunctionalAck = {
  ...ACCEPTED_997,
  groupControlNumber: '2',
  status: 'R',
  accepted: 0,
  transactions: [
    {
      type: '850',
      controlNumber: '0002',
      status: 'R',
      codes: ['5'],
      errors: [{ segment: 'PO1', position: 6, loopId: 'PO1', segmentCode: '8', element: 3, elementRef: '355', elementCode: '7', badValue: 'CS12X', message: '' }],
    },
  ],
};

function land997(dir: string, partner: string, name: string, ack: FunctionalAck): void {
  const text = build997(ack, { sender: { id: partner }, receiver: { id: 'SYNCPROBE' }, controlNumbers: new ControlNumbers() }).text;
  writeFileSync(join(dir, partner, name), text);
}

/** Every milestone's SLA in these runs: far above the sandbox's healthy latency, below the injected delay. */
export const SLA_MS = 2000;
const DELAY_MS = 2600;

export interface Recording {
  from: number;
  to: number;
  /** When the first fault was injected. */
  faultStart: number;
  /** When the milestones started going missing. */
  brokenStart: number;
  notifications: Notification[];
  /** Every point handed to the sink. */
  points: Point[];
  /** Points InfluxDB refused, from the sink's dead-letter file. */
  deadLetters: { reason: string; line: string }[];
}

const manualTicks: TickSource = { start() {}, stop() {} };

export async function recordProbeHistory(influxUrl: string): Promise<Recording> {
  const root = new URL('../../', import.meta.url).pathname;
  const loaded: LoadedConfig = await loadConfig(join(root, 'syncprobe.config.ts'));
  const env: PreparedEnvironment = await prepareEnvironment(loaded, ENVIRONMENT, { sandbox: { latency: { defaultMs: 20 } } });
  const sb = env.sandbox!;
  const spoolDir = mkdtempSync(join(tmpdir(), 'syncprobe-dashboards-spool-'));
  const ediDir = mkdtempSync(join(tmpdir(), 'syncprobe-dashboards-edi-'));
  const sla = Object.fromEntries(Object.keys(loaded.config.sla ?? {}).map((m) => [m, SLA_MS]));
  const polling = { graceFactor: 2.5 };
  const notifications: Notification[] = [];
  const points: Point[] = [];
  try {
    // First runs pay for connections and token fetches; keep them out of the history.
    await runScenarios({ config: loaded, environment: ENVIRONMENT, systemsOverride: env.systemsOverride, scenarios: Object.values(SCENARIO_PROBES), sla, polling });

    const sink = new InfluxSink({ url: influxUrl, spoolDir, flushIntervalMs: 50, log: () => {} });
    const add = sink.add.bind(sink);
    sink.add = (p: Point[]) => {
      points.push(...p);
      add(p);
    };
    const alerter = new Alerter({ defaults: { failureThreshold: 1, successThreshold: 1 } });
    const observe = alerter.observe.bind(alerter);
    alerter.observe = (o) => {
      const n = observe(o);
      notifications.push(...n);
      return n;
    };

    const probes: ProbeDefinition[] = [
      ...Object.entries(SCENARIO_PROBES).map(([name, scenario]) => ({ name, scenario, environment: ENVIRONMENT, cron: '0 0 1 1 *', timeoutMs: 60_000 })),
      { name: 'middleware-backlog', check: { type: 'backlog' }, environment: ENVIRONMENT, cron: '0 0 1 1 *' },
      { name: 'order-reconciliation', check: { type: 'reconciliation' }, environment: ENVIRONMENT, cron: '0 0 1 1 *' },
      ...TLS_PROBES.map((system) => ({ name: `tls-${system}`, check: { type: 'tls', options: { system } }, environment: ENVIRONMENT, cron: '0 0 1 1 *' })),
      ...OAUTH_CLIENTS.map((clientId) => ({ name: `oauth-${clientId}`, check: { type: 'oauth', options: { clientId } }, environment: ENVIRONMENT, cron: '0 0 1 1 *' })),
      ...EDI_PARTNERS.map((partner) => ({ name: `edi-ack-${partner}`, check: { type: 'edi-ack', options: { partner, folder: join(ediDir, '{partner}') } }, environment: ENVIRONMENT, cron: '0 0 1 1 *' })),
    ];
    for (const partner of EDI_PARTNERS) {
      mkdirSync(join(ediDir, partner));
      land997(ediDir, partner, `997_${partner}_1.x12`, ACCEPTED_997);
    }
    // The scheduler's own jobs for its built-in checks; scenarios and the OAuth check are wired
    // here so the runs can use test SLAs and the sandbox's client secrets.
    const builtin = jobFactory({ config: loaded, overrides: { [ENVIRONMENT]: env.systemsOverride } });
    const jobFor = (p: ProbeDefinition): ProbeJob => {
      if (p.scenario) {
        return async (ctx) => {
          const run = await runScenarios({ config: loaded, environment: ENVIRONMENT, systemsOverride: env.systemsOverride, scenarios: [p.scenario!], sinks: ctx.sinks, signal: ctx.signal, sla, polling });
          return outcomeFromRunResult(run, p);
        };
      }
      if (p.check?.type === 'oauth') {
        const clientId = String(p.check.options?.clientId);
        const client = sb.clients.find((c) => c.clientId === clientId)!;
        return async () => {
          const doc = await checkOAuth({ issuer: sb.oauth.issuer, clientId, clientSecret: client.clientSecret, resource: sb.oauth.resource, scope: 'erp:read', caPem: sb.caPem, stateDir: null, timeoutMs: 5000 });
          return { ...outcomeFromCheck(doc, p), points: oauthPoints(doc, { target: clientId, environment: ENVIRONMENT }) };
        };
      }
      if (p.check?.type === 'edi-ack') {
        const options = p.check.options;
        return async () => {
          const doc = await runEdiCheck('edi-ack', options);
          return { ...outcomeFromCheck(doc, p), points: ediPoints('edi-ack', doc, { environment: ENVIRONMENT, probe: p.name }) };
        };
      }
      return builtin(p);
    };
    const daemon = new Daemon({ probes, jobFor, ticks: manualTicks, sinks: [sink], alerter, concurrency: 8, healthIntervalMs: 1000, log: () => {} });
    await daemon.start();
    const runAll = () => Promise.all(Object.keys(SCENARIO_PROBES).map((p) => daemon.trigger(p)));
    const checks = () => Promise.all(CHECK_PROBES.map((p) => daemon.trigger(p)));
    let from = 0;
    let faultStart = 0;
    let brokenStart = 0;
    try {
      from = Date.now();
      await checks();
      await runAll();

      faultStart = Date.now();
      sb.faults.set('inventory.delay', `${FAULTED_WAREHOUSE}:${DELAY_MS}`);
      await runAll();

      brokenStart = Date.now();
      sb.faults.clear('inventory.delay');
      sb.faults.set('wms.tokenExpired', FAULTED_WAREHOUSE);
      sb.faults.set('channel.drop', 'marketplace');
      land997(ediDir, EDI_REJECTING, `997_${EDI_REJECTING}_2.x12`, REJECTED_997);
      // A second tick while the first run of the probe is still going: skipped as an overlap.
      await Promise.all([runAll(), daemon.trigger(`stock-${FAULTED_WAREHOUSE}`)]);
      await checks();

      sink.add(assumedPoints(from, faultStart, Date.now()));
    } finally {
      // Also on failure: stops the health timer and flushes and closes the sink, so nothing keeps the test process alive.
      await daemon.stop(30_000);
    }
    const deadLetters = existsSync(sink.deadLetterFile)
      ? readFileSync(sink.deadLetterFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { reason: string; line: string })
      : [];
    return { from: from - 60_000, to: Date.now() + 60_000, faultStart, brokenStart, notifications, points, deadLetters };
  } finally {
    await env.stop();
    rmSync(spoolDir, { recursive: true, force: true });
    rmSync(ediDir, { recursive: true, force: true });
  }
}
