import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import type { Sink } from '../core/outputs.ts';
import type { LoadedConfig } from '../engine/index.ts';
import { Alerter, Outbox, resolveChannels, DEFAULT_IMPACT_RULES, type ChannelConfig } from '../alerting/index.ts';
import {
  BUILTIN_CHECKS, CronTicks, Daemon, assertValidProbes, jobFactory, loadProbes, sweepOrphans, validateProbes,
  type JobDeps, type ScheduleSettings, type TickSource, type ProbeDefinition,
} from '../scheduler/index.ts';
import { prepareEnvironment, type PrepareOptions, type PreparedEnvironment } from './environments.ts';

/**
 * Everything `schedule` and `demo` share: load and validate the probes (every problem at once, exit 3),
 * start the environments they need, and wire the daemon to its sinks, alerter and outbox.
 */
export interface DaemonSetupOptions {
  loaded: LoadedConfig;
  probesDir?: string;
  environment?: string;
  stateDir?: string;
  influx?: { url: string; where: string };
  ticks?: TickSource;
  concurrency?: number;
  /** Replaces the alert channels of probes/ (the demo routes alerts to its own receiver). */
  channels?: ChannelConfig[] | ((configured: ChannelConfig[]) => ChannelConfig[]);
  /** Per-probe changes applied after loading (the demo's short timeouts). */
  adjustProbe?: (p: ProbeDefinition) => ProbeDefinition;
  prepare?: PrepareOptions;
  runOverrides?: JobDeps['runOverrides'];
  log: (line: string) => void;
}

export interface DaemonSetup {
  daemon: Daemon;
  settings: ScheduleSettings;
  stateDir: string;
  probes: ProbeDefinition[];
  prepared: PreparedEnvironment[];
  sinks: Sink[];
  /** Stops the environments this setup started (after the daemon has stopped). */
  close(): Promise<void>;
}

export async function setUpDaemon(o: DaemonSetupOptions): Promise<DaemonSetup> {
  const { loaded, log } = o;
  const { probes: all, settings } = await loadProbes(o.probesDir ?? join(loaded.dir, 'probes'));
  const selected = all.filter(({ probe }) => !o.environment || probe.environment === o.environment);
  if (!selected.length) {
    throw new UsageError(`no probe runs in environment '${o.environment}'`, '--env', `environments of the probes: ${[...new Set(all.map((p) => p.probe.environment))].join(', ')}`);
  }
  const probes = selected.map(({ probe }) => (o.adjustProbe ? o.adjustProbe(probe) : probe));

  const configured = settings.channels ?? [];
  const channelConfigs = typeof o.channels === 'function' ? o.channels(configured) : (o.channels ?? configured);
  const { channels, diagnostics } = resolveChannels(channelConfigs, 'probes: defineSchedule().channels');
  const problems = validateProbes(selected.map((p, i) => ({ ...p, probe: probes[i] })), {
    scenarios: loaded.scenarios.map((s) => s.definition.name),
    checks: BUILTIN_CHECKS,
    channels: channels.keys(),
    environments: Object.keys(loaded.config.environments),
  });
  for (const d of diagnostics.filter((x) => x.severity === 'error')) problems.push({ where: d.where, message: d.message });
  for (const d of diagnostics.filter((x) => x.severity === 'warning')) log(`warning: ${d.where}: ${d.message}`);
  assertValidProbes(problems);

  // A scenario that declares whether it writes decides, unless the probe says otherwise.
  for (const probe of probes) {
    const def = probe.scenario ? loaded.scenarios.find((s) => s.definition.name === probe.scenario)?.definition : undefined;
    if (probe.writes === undefined && def?.writes !== undefined) probe.writes = def.writes;
  }

  const stateDir = resolve(o.stateDir ?? settings.stateDir ?? '.syncprobe/state');
  const sinks: Sink[] = [];
  const influxUrl = o.influx?.url ?? loaded.config.sinks?.influx;
  if (influxUrl) {
    const { InfluxSink } = await import('../sinks/influx.ts');
    sinks.push(new InfluxSink({ url: influxUrl, where: o.influx?.where ?? 'sinks.influx', spoolDir: join(stateDir, 'spool'), log }));
  }
  const outbox = new Outbox({
    dir: join(stateDir, 'outbox'),
    channels,
    retry: settings.outboxRetry,
    onEvent: (e) => e.type !== 'delivered' && log(`alert ${e.type} on ${e.channel}: ${'error' in e ? e.error : ''}`),
  });
  const alerter = new Alerter({
    stateFile: join(stateDir, 'alerts.json'),
    outbox,
    defaults: settings.alertDefaults,
    impactRules: { ...DEFAULT_IMPACT_RULES, ...(settings.impactRules ?? {}) },
  });

  const prepared: PreparedEnvironment[] = [];
  const close = async () => {
    for (const p of prepared) await p.stop().catch(() => {});
  };
  try {
    const overrides: Record<string, PreparedEnvironment['systemsOverride']> = {};
    for (const env of new Set(probes.map((p) => p.environment))) {
      const p = await prepareEnvironment(loaded, env, o.prepare);
      prepared.push(p);
      overrides[env] = p.systemsOverride;
      if (p.sandbox) log(`environment ${env}: embedded sandbox started`);
    }
    const daemon = new Daemon({
      probes,
      jobFor: jobFactory({ config: loaded, overrides, log, runOverrides: o.runOverrides }),
      ticks: o.ticks ?? new CronTicks(),
      concurrency: o.concurrency ?? settings.concurrency,
      killSwitch: settings.killSwitch ?? { file: join(stateDir, '..', 'KILL'), env: 'SYNCPROBE_KILL_SWITCH' },
      maintenance: settings.maintenance,
      sinks,
      alerter,
      outbox,
      stateDir,
      healthIntervalMs: settings.healthIntervalMs,
      log,
      sweep: async ({ unfinished, signal }) => {
        const writes = unfinished.filter((e) => e.writes);
        if (unfinished.length) log(`runs interrupted last time: ${unfinished.map((e) => e.key).join(', ')}; what they placed and the ERP already holds is undone now, the rest once it is older than orphanSweep.olderThanMs`);
        return sweepOrphans({ config: loaded, overrides, log }, probes, signal, writes.map((e) => e.key));
      },
    });
    return { daemon, settings, stateDir, probes, prepared, sinks, close };
  } catch (err) {
    await close();
    throw err;
  }
}
