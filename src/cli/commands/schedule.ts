import { join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { redact } from '../../core/redact.ts';
import type { Sink } from '../../core/outputs.ts';
import { parseCommandArgs, numberFlag } from '../args.ts';
import { loadConfig } from '../../engine/index.ts';
import { Alerter, Outbox, resolveChannels, DEFAULT_IMPACT_RULES } from '../../alerting/index.ts';
import { BUILTIN_CHECKS, CronTicks, Daemon, assertValidProbes, jobFactory, loadProbes, serveUntilSignal, sweepOrphans, validateProbes } from '../../scheduler/index.ts';
import { prepareEnvironment, type PreparedEnvironment } from '../environments.ts';

/**
 * syncprobe schedule: the long-running daemon. Every problem in the probes and alert channels is
 * reported at once before anything is scheduled (exit 3); SIGTERM/SIGINT stop it cleanly (exit 0).
 */
export default async function schedule(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('schedule', argv, {
    config: { type: 'string' },
    env: { type: 'string' },
    influx: { type: 'string' },
    probes: { type: 'string' },
    state: { type: 'string' },
    'health-port': { type: 'string' },
    concurrency: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stderr.write('usage: syncprobe schedule [--config F] [--env E] [--influx URL] [--probes DIR] [--state DIR] [--health-port N] [--concurrency N]\n');
    return 0;
  }
  const log = (line: string) => process.stderr.write(redact(line) + '\n');
  const loaded = await loadConfig(values.config);
  const { probes: all, settings } = await loadProbes(values.probes ?? join(loaded.dir, 'probes'));
  const probes = all.filter(({ probe }) => !values.env || probe.environment === values.env);
  if (!probes.length) throw new UsageError(`no probe runs in environment '${values.env}'`, '--env', `environments of the probes: ${[...new Set(all.map((p) => p.probe.environment))].join(', ')}`);

  const { channels, diagnostics } = resolveChannels(settings.channels ?? [], 'probes: defineSchedule().channels');
  const problems = validateProbes(probes, {
    scenarios: loaded.scenarios.map((s) => s.definition.name),
    checks: BUILTIN_CHECKS,
    channels: channels.keys(),
    environments: Object.keys(loaded.config.environments),
  });
  for (const d of diagnostics.filter((x) => x.severity === 'error')) problems.push({ where: d.where, message: d.message });
  for (const d of diagnostics.filter((x) => x.severity === 'warning')) log(`warning: ${d.where}: ${d.message}`);
  assertValidProbes(problems);

  // A scenario that declares whether it writes decides, unless the probe says otherwise.
  for (const { probe } of probes) {
    const def = probe.scenario ? loaded.scenarios.find((s) => s.definition.name === probe.scenario)?.definition : undefined;
    if (probe.writes === undefined && def?.writes !== undefined) probe.writes = def.writes;
  }

  const stateDir = resolve(values.state ?? settings.stateDir ?? '.syncprobe/state');
  const sinks: Sink[] = [];
  const influxUrl = values.influx ?? loaded.config.sinks?.influx;
  if (influxUrl) {
    const { InfluxSink } = await import('../../sinks/influx.ts');
    sinks.push(new InfluxSink({ url: influxUrl, where: values.influx ? '--influx' : 'sinks.influx', spoolDir: join(stateDir, 'spool'), log }));
  }
  const outbox = new Outbox({ dir: join(stateDir, 'outbox'), channels, retry: settings.outboxRetry, onEvent: (e) => e.type !== 'delivered' && log(`alert ${e.type} on ${e.channel}: ${'error' in e ? e.error : ''}`) });
  const alerter = new Alerter({ stateFile: join(stateDir, 'alerts.json'), outbox, defaults: settings.alertDefaults, impactRules: { ...DEFAULT_IMPACT_RULES, ...(settings.impactRules ?? {}) } });

  const prepared: PreparedEnvironment[] = [];
  const overrides: Record<string, PreparedEnvironment['systemsOverride']> = {};
  try {
    for (const env of new Set(probes.map((p) => p.probe.environment))) {
      const p = await prepareEnvironment(loaded, env);
      prepared.push(p);
      overrides[env] = p.systemsOverride;
      if (p.sandbox) log(`environment ${env}: embedded sandbox started`);
    }
    const daemon = new Daemon({
      probes: probes.map((p) => p.probe),
      jobFor: jobFactory({ config: loaded, overrides, log }),
      ticks: new CronTicks(),
      concurrency: values.concurrency ? numberFlag('concurrency', values.concurrency, 4, { min: 1, integer: true }) : settings.concurrency,
      killSwitch: settings.killSwitch ?? { file: join(stateDir, '..', 'KILL'), env: 'SYNCPROBE_KILL_SWITCH' },
      maintenance: settings.maintenance,
      sinks,
      alerter,
      outbox,
      stateDir,
      healthIntervalMs: settings.healthIntervalMs,
      log,
      sweep: async ({ unfinished, signal }) => {
        if (unfinished.length) log(`runs interrupted last time: ${unfinished.map((e) => e.key).join(', ')}; what they placed is swept once it is older than orphanSweep.olderThanMs`);
        return sweepOrphans({ config: loaded, overrides, log }, probes.map((p) => p.probe), signal);
      },
    });
    const healthPort = numberFlag('health-port', values['health-port'], settings.healthPort ?? 9464, { min: 0, integer: true });
    const { code } = await serveUntilSignal(daemon, {
      healthPort,
      shutdownDeadlineMs: settings.shutdownDeadlineMs,
      log,
      onReady: ({ healthUrl }) => log(`scheduling ${probes.length} probe(s); health at ${healthUrl}/healthz; state in ${stateDir}`),
    });
    return code;
  } finally {
    for (const p of prepared) await p.stop().catch(() => {});
  }
}
