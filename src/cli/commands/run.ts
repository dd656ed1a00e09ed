import { parseCommandArgs } from '../args.ts';
import { UsageError } from '../../core/errors.ts';
import { EXIT_CODE } from '../../core/status.ts';
import { redact } from '../../core/redact.ts';
import type { Reporter, Sink } from '../../core/outputs.ts';
import { loadConfig, runScenarios, type EngineRunResult, type LoadedConfig } from '../../engine/index.ts';
import { createReporters, ReporterMultiplexer, SinkMultiplexer } from '../../outputs/index.ts';
import { prepareEnvironment } from '../environments.ts';

export interface RunCommandOptions {
  config?: string;
  env?: string;
  scenarios?: string[];
  tags?: string[];
  reporters?: string[];
  out?: string;
  influx?: string;
  faults?: string[];
  json?: boolean;
  validate?: boolean;
}

/** Influx sink from --influx or the config, behind the multiplexer so a failing InfluxDB never fails the run. */
export async function sinksFor(url: string | undefined, where: string): Promise<Sink[]> {
  if (!url) return [];
  const { InfluxSink } = await import('../../sinks/influx.ts');
  return [new InfluxSink({ url, where })];
}

export async function validatorsFor(enabled: boolean) {
  if (!enabled) return [];
  try {
    const { createSchemaValidator } = await import('../../contracts/validator.ts');
    return [createSchemaValidator()];
  } catch (err) {
    process.stderr.write(redact(`syncprobe: response schemas not loaded, live drift checks off: ${(err as Error).message}\n`));
    return [];
  }
}

/** The whole of `syncprobe run`, reusable by `demo`: load, prepare the environment, run, report, exit code. */
export async function runCommand(o: RunCommandOptions, loaded?: LoadedConfig): Promise<{ code: number; result?: EngineRunResult }> {
  const config = loaded ?? (await loadConfig(o.config));
  const environment = o.env ?? config.defaultEnvironment;
  if (!config.config.environments[environment]) {
    throw new UsageError(`no environment '${environment}'`, '--env', `environments in ${config.file}: ${Object.keys(config.config.environments).join(', ')}`);
  }
  const names = o.reporters?.length ? o.reporters : o.json ? [] : ['console'];
  const reporters: Reporter[] = createReporters(names, { outDir: o.out });
  if (o.json) reporters.push(...createReporters(['json'], { stdout: true }));
  const influxUrl = o.influx ?? config.config.sinks?.influx;
  const sinks = await sinksFor(influxUrl, o.influx ? '--influx' : 'sinks.influx');
  const sink = new SinkMultiplexer(sinks);
  const reporter = new ReporterMultiplexer(reporters);

  const prepared = await prepareEnvironment(config, environment, { faults: o.faults });
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`syncprobe: ${sig}: stopping, cleanup of running scenarios continues\n`);
    abort.abort(new Error(`interrupted by ${sig}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await sink.start();
    const result = await runScenarios({
      config,
      environment,
      scenarios: o.scenarios,
      tags: o.tags,
      reporters: [reporter],
      sinks: [sink],
      signal: abort.signal,
      systemsOverride: prepared.systemsOverride,
      validators: await validatorsFor(o.validate !== false),
      log: process.env.SYNCPROBE_DEBUG ? (m) => process.stderr.write(m + '\n') : undefined,
    });
    if (result.scenarios.length === 0) {
      process.stderr.write(`syncprobe run: no scenario matches${o.tags?.length ? ` --tag ${o.tags.join(', ')}` : ''}\n`);
      return { code: EXIT_CODE.unknown, result };
    }
    return { code: EXIT_CODE[result.status], result };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sink.stop().catch(() => undefined);
    await prepared.stop();
  }
}

export default async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('run', argv, {
    config: { type: 'string' },
    env: { type: 'string' },
    scenario: { type: 'string', multiple: true },
    tag: { type: 'string', multiple: true },
    reporter: { type: 'string', multiple: true },
    out: { type: 'string' },
    influx: { type: 'string' },
    fault: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    'no-validate': { type: 'boolean' },
  });
  const { code } = await runCommand({
    config: values.config,
    env: values.env,
    scenarios: values.scenario,
    tags: values.tag,
    reporters: values.reporter?.flatMap((r) => r.split(',')).filter(Boolean),
    out: values.out,
    influx: values.influx,
    faults: values.fault,
    json: values.json,
    validate: !values['no-validate'],
  });
  return code;
}
