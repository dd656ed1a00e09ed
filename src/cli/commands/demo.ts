import { parseCommandArgs } from '../args.ts';
import { runCommand } from './run.ts';

/**
 * `syncprobe demo` (npm start): the embedded sandbox and every scenario against it, results on the
 * console. Needs no config: the config shipped with syncprobe describes the sandbox environment.
 */
export default async function demo(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('demo', argv, {
    influx: { type: 'string' },
    fault: { type: 'string', multiple: true },
    reporter: { type: 'string', multiple: true },
    out: { type: 'string' },
    config: { type: 'string' },
  });
  process.stderr.write('syncprobe demo: starting the embedded sandbox and running every scenario against it\n');
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
