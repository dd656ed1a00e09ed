import type { Point } from '../core/outputs.ts';
import { redact } from '../core/redact.ts';
import { InfluxSink } from '../sinks/influx.ts';

/**
 * Writes a check's points to InfluxDB for the one-shot CLI checks. The sink is created before the
 * check runs (a bad URL is a usage error, exit 3) and its failures never change the check's verdict:
 * unreachable InfluxDB means the points wait in the spool for the next run.
 */
export interface PointEmitter {
  emit(points: Point[]): Promise<void>;
}

export function influxEmitter(url: string, log: (message: string) => void = (m) => process.stderr.write(`syncprobe: ${m}\n`)): PointEmitter {
  const sink = new InfluxSink({ url, where: '--influx', createDatabase: true, writeTimeoutMs: 5000, retryMaxMs: 5000, log });
  return {
    async emit(points) {
      try {
        await sink.start();
        sink.add(points);
        await sink.stop();
        const s = sink.stats();
        if (s.spooled > 0 || s.pending > 0) log(`InfluxDB: ${s.spooled + s.pending} point(s) kept in the spool for a later run`);
      } catch (err) {
        log(redact(`InfluxDB: could not write the check result (${(err as Error).message}); the verdict stands`));
      }
    },
  };
}
