import type { Reporter } from '../core/outputs.ts';
import type { RunResult } from '../core/result.ts';
import { redactDeep } from '../core/redact.ts';
import { DEFAULT_OUT_DIR, note, writeReportFile, type ReporterOptions } from './format.ts';

/** The result document (RunResult) as JSON: OUT/results.json, or alone on stdout (--json contract). */
export function jsonReporter(options: ReporterOptions = {}): Reporter {
  return {
    name: 'json',
    async onRunEnd(result: RunResult) {
      const doc = redactDeep(result);
      const text = JSON.stringify(doc, null, 2) + '\n';
      if (options.stdout) {
        process.stdout.write(text);
        return;
      }
      const path = await writeReportFile(options.outDir ?? DEFAULT_OUT_DIR, 'results.json', text);
      note(options, `syncprobe: wrote ${path}`);
    },
  };
}
