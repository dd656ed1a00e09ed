import { UsageError } from '../core/errors.ts';
import { EXIT_CODE } from '../core/status.ts';
import { redact } from '../core/redact.ts';

/**
 * The outermost layer: maps a command line to a command module. Command modules live one per file
 * in ./commands and export `default (argv) => Promise<exitCode>`; they are imported lazily so a
 * TLS check does not load Playwright.
 */
type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  demo: () => import('./commands/demo.ts'),
  sandbox: () => import('./commands/sandbox.ts'),
  run: () => import('./commands/run.ts'),
  schedule: () => import('./commands/schedule.ts'),
  'verify-release': () => import('./commands/verify-release.ts'),
  'check tls': () => import('./commands/check-tls.ts'),
  'check oauth': () => import('./commands/check-oauth.ts'),
  'check cert-file': () => import('./commands/check-cert-file.ts'),
  'check contract': () => import('./commands/check-contract.ts'),
  kpi: () => import('./commands/kpi.ts'),
};

export const USAGE = `usage:
  syncprobe demo [--influx URL] [--port N] [--fault NAME[=VALUE]]... [--once]
  syncprobe sandbox [--port N] [--fault NAME[=VALUE]]... [--latency-ms N]
  syncprobe run [--config F] [--env E] [--scenario S]... [--tag T] [--reporter console|json|junit|html]... [--out DIR] [--influx URL]
  syncprobe schedule [--config F] [--env E] [--influx URL]
  syncprobe check tls <host:port|https-url> [--ca FILE] [--servername N] [--warn-days 30] [--crit-days 7] [--json]
  syncprobe check oauth (--issuer URL | --token-url URL) --client-id ID --client-secret-env VAR [--scope S] [--resource R] [--ca FILE] [--json]
  syncprobe check cert-file FILE [--warn-days 30] [--crit-days 7] [--json]
  syncprobe check contract --provider NAME --base-url URL [--pacts DIR] [--json]   (message pacts: no --base-url, the built-in sandbox's producers)
  syncprobe verify-release --baseline ENV --candidate ENV [--out DIR] [--json]
  syncprobe kpi [--influx URL] [--env E] [--since 24h] [--kpi NAME]... [--target SECTION.FIELD=VALUE]... [--json]

exit codes: 0 ok, 1 warning, 2 critical, 3 unknown (bad arguments, config or input file)`;

export async function main(argv: string[]): Promise<number> {
  const [first, second, ...rest] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    process.stderr.write(USAGE + '\n');
    return first ? 0 : EXIT_CODE.unknown;
  }
  let key = first;
  let args = argv.slice(1);
  if (first === 'check') {
    key = `check ${second ?? ''}`;
    args = rest;
  }
  const load = COMMANDS[key];
  if (!load) {
    process.stderr.write(`syncprobe: unknown command '${argv.slice(0, first === 'check' ? 2 : 1).join(' ')}'\n\n${USAGE}\n`);
    return EXIT_CODE.unknown;
  }
  try {
    const mod = await load();
    return await mod.default(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`syncprobe ${key}: ${redact(err.describe())}\n`);
      return EXIT_CODE.unknown;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`syncprobe ${key}: could not evaluate: ${redact(message)}\n`);
    if (process.env.SYNCPROBE_DEBUG && err instanceof Error && err.stack) process.stderr.write(redact(err.stack) + '\n');
    return EXIT_CODE.unknown;
  }
}
