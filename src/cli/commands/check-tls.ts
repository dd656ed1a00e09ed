import { readFile } from 'node:fs/promises';
import { UsageError } from '../../core/errors.ts';
import { EXIT_CODE } from '../../core/status.ts';
import { redactDeep, redact } from '../../core/redact.ts';
import { numberFlag, parseCommandArgs, printJson } from '../args.ts';
import { checkTls, toPoints } from '../../checks/tls/index.ts';
import { influxEmitter } from '../../checks/emit.ts';
import { humanSummary } from '../../checks/human.ts';
import type { ExpiryThresholds } from '../../checks/verdict.ts';

export function thresholdFlags(values: { 'warn-days'?: string | undefined; 'crit-days'?: string | undefined }): ExpiryThresholds {
  const warnDays = numberFlag('warn-days', values['warn-days'], 30, { min: 0 });
  const critDays = numberFlag('crit-days', values['crit-days'], 7, { min: 0 });
  if (critDays > warnDays) throw new UsageError(`--crit-days (${critDays}) is larger than --warn-days (${warnDays})`, '--crit-days', 'critical must come no earlier than warning: e.g. --warn-days 30 --crit-days 7');
  return { warnDays, critDays };
}

export async function readCaFlag(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the CA file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, `--ca ${path}`, 'give a readable PEM file with the trusted root(s)');
  }
}

export default async function checkTlsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'check tls',
    argv,
    {
      ca: { type: 'string' },
      servername: { type: 'string' },
      'warn-days': { type: 'string' },
      'crit-days': { type: 'string' },
      timeout: { type: 'string' },
      influx: { type: 'string' },
      'point-target': { type: 'string' },
      env: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length ? `expected one target, got ${positionals.length}` : 'missing the target', 'check tls', 'usage: syncprobe check tls <host:port|https-url> [--ca FILE] [--servername N] [--warn-days 30] [--crit-days 7] [--timeout SECONDS] [--influx URL [--point-target NAME] [--env E]] [--json]');
  }
  const emitter = values.influx ? influxEmitter(values.influx) : undefined;
  const thresholds = thresholdFlags(values);
  const timeoutMs = numberFlag('timeout', values.timeout, 10, { min: 0.001 }) * 1000;
  const caPem = await readCaFlag(values.ca);
  const doc = redactDeep(
    await checkTls(positionals[0]!, {
      thresholds,
      timeoutMs,
      ...(caPem !== undefined ? { caPem } : {}),
      ...(values.servername ? { servername: values.servername } : {}),
    }),
  );
  if (values.json) printJson(doc);
  await emitter?.emit(toPoints(doc, { target: values['point-target'] ?? doc.target, environment: values.env ?? 'default' }));
  const figures = doc.daysLeft !== null ? `${doc.daysLeft} days left (notAfter ${doc.notAfter}), chain ${doc.chainDaysLeft} days, ${doc.tlsVersion} ${doc.cipher}` : '';
  process.stderr.write(redact(humanSummary(doc, `TLS ${doc.target}`, figures)));
  return EXIT_CODE[doc.status];
}
