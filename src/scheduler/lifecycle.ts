import type { Daemon, StopReport } from './daemon.ts';
import { startHealthServer } from './health.ts';
import { closeInboxes } from '../engine/inbox.ts';

export interface ServeOptions {
  /** Port of the /healthz endpoint on 127.0.0.1; 0 = any free port; undefined = none. */
  healthPort?: number;
  /** How long running probes get to finish their cleanup after SIGTERM/SIGINT. Default 30 s. */
  shutdownDeadlineMs?: number;
  log?: (line: string) => void;
  /** Called once the daemon is scheduling (with the health URL when there is one). */
  onReady?: (info: { healthUrl?: string }) => void;
}

/**
 * Starts the daemon and keeps it running until SIGTERM or SIGINT; then stops scheduling, lets
 * running probes clean up until the deadline, flushes the sinks and resolves with exit code 0.
 */
export async function serveUntilSignal(daemon: Daemon, opts: ServeOptions = {}): Promise<{ code: number; report: StopReport }> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  await daemon.start();
  const health = opts.healthPort !== undefined ? await startHealthServer(daemon, { port: opts.healthPort }) : undefined;
  opts.onReady?.({ healthUrl: health?.url });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(s);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
  log(`${signal}: stopping the schedule, letting running probes clean up`);
  const report = await daemon.stop(opts.shutdownDeadlineMs ?? 30_000);
  await closeInboxes();
  await health?.close();
  log(`stopped: ${report.interrupted} run(s) interrupted, ${report.abandoned} abandoned`);
  return { code: 0, report };
}
