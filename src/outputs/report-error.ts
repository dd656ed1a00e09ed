import { redact } from '../core/redact.ts';

/**
 * Tells about a failing output once per output (later failures are only counted), redacted,
 * so a sink that fails on every point does not flood stderr.
 */
export class OutputErrorLog {
  private readonly seen = new Map<string, number>();
  private readonly summarized = new Map<string, number>();

  constructor(private readonly write: (line: string) => void = (line) => process.stderr.write(line + '\n')) {}

  report(output: string, action: string, err: unknown): void {
    const count = (this.seen.get(output) ?? 0) + 1;
    this.seen.set(output, count);
    if (count > 1) return;
    const message = err instanceof Error ? err.message : String(err);
    this.write(redact(`syncprobe: output '${output}' failed in ${action}: ${message} (the run goes on; further failures of '${output}' are counted)`));
  }

  /** Failures beyond the first, per output; told once at the end. */
  summarize(): void {
    for (const [output, count] of this.seen) {
      if (count > 1 && this.summarized.get(output) !== count) this.write(redact(`syncprobe: output '${output}' failed ${count} times in this run`));
      this.summarized.set(output, count);
    }
  }

  failures(output: string): number {
    return this.seen.get(output) ?? 0;
  }
}

/** Runs fn, turning a throw, a rejection or a hang past timeoutMs into a reported error. */
export async function guarded(log: OutputErrorLog, output: string, action: string, fn: () => unknown, timeoutMs?: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = Promise.resolve().then(fn);
    if (timeoutMs === undefined) await work;
    else {
      await Promise.race([
        work,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    }
    return true;
  } catch (err) {
    log.report(output, action, err);
    return false;
  } finally {
    clearTimeout(timer);
  }
}
