import { parseCommandArgs, numberFlag } from '../args.ts';
import { loadConfig } from '../../engine/index.ts';
import { runCommand } from './run.ts';
import { runLiveDemo, demoLog } from '../live-demo.ts';

/**
 * `syncprobe demo` (npm start): the embedded sandbox with every probe of probes/ on a short
 * schedule, the status page and alerts on the console, until Ctrl-C. `--once` runs every scenario
 * once and exits with the verdict. Needs no config: the config shipped with syncprobe describes
 * the sandbox environment.
 */
export default async function demo(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('demo', argv, {
    influx: { type: 'string' },
    fault: { type: 'string', multiple: true },
    port: { type: 'string' },
    interval: { type: 'string' },
    duration: { type: 'string' },
    once: { type: 'boolean' },
    reporter: { type: 'string', multiple: true },
    out: { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stderr.write('usage: syncprobe demo [--influx URL] [--port N] [--fault NAME[=VALUE]]... [--interval S] [--duration S] [--once [--reporter R]... [--out DIR]]\n');
    return 0;
  }
  if (values.once) {
    process.stderr.write('syncprobe demo: starting the embedded sandbox and running every scenario against it once\n');
    const { code } = await runCommand({
      config: values.config,
      env: 'sandbox',
      reporters: values.reporter?.length ? values.reporter : ['console'],
      out: values.out,
      influx: values.influx,
      faults: values.fault,
    });
    return code;
  }
  const port = numberFlag('port', values.port, 8080, { min: 0, integer: true });
  const intervalMs = numberFlag('interval', values.interval, 20, { min: 2 }) * 1000;
  const durationMs = values.duration !== undefined ? numberFlag('duration', values.duration, 0, { min: 1 }) * 1000 : undefined;
  const loaded = await loadConfig(values.config);
  demoLog('syncprobe demo: starting the embedded sandbox, every probe on a short schedule, and the status page');
  const { code } = await runLiveDemo({ loaded, environment: 'sandbox', influx: values.influx, faults: values.fault, port, intervalMs, durationMs, log: demoLog });
  return code;
}
