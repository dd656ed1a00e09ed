import { UsageError } from '../../core/errors.ts';
import { EXIT_CODE } from '../../core/status.ts';
import { redactDeep, redact } from '../../core/redact.ts';
import { parseCommandArgs, printJson } from '../args.ts';
import { checkCertFile, toPoints } from '../../checks/tls/index.ts';
import { influxEmitter } from '../../checks/emit.ts';
import { humanSummary } from '../../checks/human.ts';
import { readCaFlag, thresholdFlags } from './check-tls.ts';

export default async function checkCertFileCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'check cert-file',
    argv,
    {
      ca: { type: 'string' },
      'warn-days': { type: 'string' },
      'crit-days': { type: 'string' },
      influx: { type: 'string' },
      'point-target': { type: 'string' },
      env: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length ? `expected one file, got ${positionals.length}` : 'missing the certificate file', 'check cert-file', 'usage: syncprobe check cert-file FILE [--ca FILE] [--warn-days 30] [--crit-days 7] [--influx URL [--point-target NAME] [--env E]] [--json]');
  }
  const emitter = values.influx ? influxEmitter(values.influx) : undefined;
  const thresholds = thresholdFlags(values);
  const caPem = await readCaFlag(values.ca);
  const doc = redactDeep(await checkCertFile(positionals[0]!, { thresholds, ...(caPem !== undefined ? { caPem } : {}) }));
  if (values.json) printJson(doc);
  await emitter?.emit(toPoints(doc, { target: values['point-target'] ?? doc.file, environment: values.env ?? 'default' }));
  const n = doc.certificates.length;
  process.stderr.write(redact(humanSummary(doc, `certificate file ${doc.file}`, `${doc.subject}: ${doc.daysLeft} days left (notAfter ${doc.notAfter})${n > 1 ? `, ${n} certificates, earliest expiry in ${doc.chainDaysLeft} days` : ''}`)));
  return EXIT_CODE[doc.status];
}
