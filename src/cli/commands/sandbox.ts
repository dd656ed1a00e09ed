import { parseCommandArgs, numberFlag } from '../args.ts';
import { UsageError } from '../../core/errors.ts';
import { parseFaultSpec, startSandbox } from '../../../sandbox/index.ts';

/**
 * `syncprobe sandbox`: starts the reference distribution stack, prints one JSON line with the
 * service URLs, the admin URL and the CA file, and serves until SIGINT/SIGTERM.
 */
export default async function sandbox(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('sandbox', argv, {
    port: { type: 'string' },
    fault: { type: 'string', multiple: true },
    'latency-ms': { type: 'string' },
    'marker-customer': { type: 'string' },
    'marker-prefix': { type: 'string' },
  });
  const port = numberFlag('port', values.port, 0, { min: 0, integer: true });
  if (port > 65535 - 7) throw new UsageError(`--port must leave room for 8 ports (admin + 7 services), got ${port}`, '--port', 'use 0 for free ports');
  const latencyMs = numberFlag('latency-ms', values['latency-ms'], 1000, { min: 0 });
  // Every fault is validated before anything starts: a typo ends with exit 3 and the list.
  const faults = (values.fault ?? []).map((f) => parseFaultSpec(f));
  const marker = {
    ...(values['marker-customer'] ? { customer: values['marker-customer'] } : {}),
    ...(values['marker-prefix'] ? { prefix: values['marker-prefix'] } : {}),
  };

  const sb = await startSandbox({ port, faults, latency: { defaultMs: latencyMs }, marker });
  process.stdout.write(JSON.stringify({ services: sb.services, admin: sb.admin, ca: sb.ca }) + '\n');
  const active = sb.faults.list().map((f) => (f.value ? `${f.name}=${f.value}` : f.name));
  process.stderr.write(`syncprobe sandbox: serving (hop latency ${latencyMs} ms${active.length ? `, faults: ${active.join(', ')}` : ''}); admin ${sb.admin}; SIGINT/SIGTERM stops it\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.stderr.write(`syncprobe sandbox: ${signal}, stopping\n`);
      resolve();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  await sb.stop();
  return 0;
}
