import { UsageError } from '../core/errors.ts';
import type { Reporter } from '../core/outputs.ts';
import type { ReporterOptions } from '../reporters/format.ts';
import { consoleReporter } from '../reporters/console.ts';
import { jsonReporter } from '../reporters/json.ts';
import { junitReporter } from '../reporters/junit.ts';
import { htmlReporter } from '../reporters/html.ts';

export type ReporterFactory = (options: ReporterOptions) => Reporter;

/** Reporters by the name --reporter takes. Teams add their own with registerReporter(). */
const registry = new Map<string, ReporterFactory>([
  ['console', consoleReporter],
  ['json', jsonReporter],
  ['junit', junitReporter],
  ['html', htmlReporter],
]);

export function registerReporter(name: string, factory: ReporterFactory): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`reporter name '${name}' must be lower-case letters, digits and dashes`, 'registerReporter');
  registry.set(name, factory);
}

export function reporterNames(): string[] {
  return [...registry.keys()];
}

/** One reporter per name, in order, duplicates once. An unknown name is a usage error listing the known ones. */
export function createReporters(names: string[], options: ReporterOptions = {}, where = '--reporter'): Reporter[] {
  const unknown = names.filter((n) => !registry.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown reporter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}`, where, `choose from: ${reporterNames().join(', ')}`);
  }
  return [...new Set(names)].map((n) => registry.get(n)!(options));
}
