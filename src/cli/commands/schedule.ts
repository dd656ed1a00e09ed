import { redact } from '../../core/redact.ts';
import { parseCommandArgs, numberFlag } from '../args.ts';
import { loadConfig } from '../../engine/index.ts';
import { serveUntilSignal } from '../../scheduler/index.ts';
import { setUpDaemon } from '../daemon-setup.ts';

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
  const setup = await setUpDaemon({
    loaded,
    probesDir: values.probes,
    environment: values.env,
    stateDir: values.state,
    influx: values.influx ? { url: values.influx, where: '--influx' } : undefined,
    concurrency: values.concurrency ? numberFlag('concurrency', values.concurrency, 4, { min: 1, integer: true }) : undefined,
    log,
  });
  const { daemon, settings, stateDir, probes } = setup;
  try {
    const healthPort = numberFlag('health-port', values['health-port'], settings.healthPort ?? 9464, { min: 0, integer: true });
    const { code } = await serveUntilSignal(daemon, {
      healthPort,
      shutdownDeadlineMs: settings.shutdownDeadlineMs,
      log,
      onReady: ({ healthUrl }) => log(`scheduling ${probes.length} probe(s); health at ${healthUrl}/healthz; state in ${stateDir}`),
    });
    return code;
  } finally {
    await setup.close();
  }
}
