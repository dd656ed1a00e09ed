import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.ts';

/** parseArgs that turns every mistake into a UsageError (exit 3) naming the flag. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message, command, `run 'syncprobe --help' for the flags of '${command}'`);
  }
}

/** A numeric flag, validated: names the flag and the value on error. */
export function numberFlag(name: string, raw: string | undefined, fallback: number, opts: { min?: number; integer?: boolean } = {}): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new UsageError(`--${name} must be a ${opts.integer ? 'whole ' : ''}number${opts.min !== undefined ? ` >= ${opts.min}` : ''}, got '${raw}'`, `--${name}`);
  }
  return n;
}

/** Prints a JSON document alone on stdout (the --json contract): nothing else ever goes to stdout. */
export function printJson(doc: unknown): void {
  process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
}
