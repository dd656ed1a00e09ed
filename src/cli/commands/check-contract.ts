import { UsageError } from '../../core/errors.ts';
import { EXIT_CODE } from '../../core/status.ts';
import { redact, redactDeep, registerSecret } from '../../core/redact.ts';
import { numberFlag, parseCommandArgs, printJson } from '../args.ts';
import { readCaFlag } from './check-tls.ts';
import { verifyProviderIsolated, type ContractDocument } from '../../contracts/verify.ts';
import { describeInteraction } from '../../contracts/verify-report.ts';
import { contractVerificationPoint } from '../../contracts/points.ts';
import type { Point } from '../../core/outputs.ts';

const USAGE =
  'usage: syncprobe check contract --provider NAME --base-url URL [--pacts DIR] [--ca FILE] [--provider-states URL] [(--token-url URL | --issuer URL) --client-id ID --client-secret-env VAR [--scope S] [--resource R]] [--timeout SECONDS] [--influx URL [--env NAME]] [--json]';

/** Writes points to InfluxDB when asked; an output failing never changes the check's verdict. */
export async function writePoints(url: string | undefined, points: Point[], opts: { spoolDir?: string } = {}): Promise<void> {
  if (!url || points.length === 0) return;
  try {
    const { InfluxSink } = await import('../../sinks/influx.ts');
    const sink = new InfluxSink({ url, where: '--influx', ...(opts.spoolDir ? { spoolDir: opts.spoolDir } : {}) });
    await sink.start();
    sink.add(points);
    await sink.stop();
  } catch (err) {
    process.stderr.write(redact(`syncprobe: could not write to InfluxDB: ${(err as Error).message}\n`));
  }
}

export default async function checkContractCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('check contract', argv, {
    provider: { type: 'string' },
    'base-url': { type: 'string' },
    pacts: { type: 'string' },
    ca: { type: 'string' },
    'provider-states': { type: 'string' },
    'token-url': { type: 'string' },
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret-env': { type: 'string' },
    scope: { type: 'string' },
    resource: { type: 'string' },
    timeout: { type: 'string' },
    influx: { type: 'string' },
    env: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (!values.provider) throw new UsageError('--provider is required (the provider name in the pact files, e.g. erp)', '--provider', USAGE);
  if (!values['base-url']) throw new UsageError('--base-url is required', '--base-url', USAGE);
  let auth;
  if (values['client-id'] || values['token-url'] || values.issuer) {
    if (!values['client-id'] || !(values['token-url'] || values.issuer)) throw new UsageError('OAuth needs --client-id and one of --token-url / --issuer', '--client-id', USAGE);
    const envName = values['client-secret-env'];
    if (!envName) throw new UsageError('--client-secret-env is required with --client-id: the name of the environment variable holding the secret', '--client-secret-env', USAGE);
    const secret = process.env[envName];
    if (!secret) throw new UsageError(`environment variable ${envName} is not set or empty`, '--client-secret-env', `export ${envName} with the client secret`);
    registerSecret(secret);
    auth = {
      clientId: values['client-id'],
      clientSecret: secret,
      ...(values['token-url'] ? { tokenUrl: values['token-url'] } : { issuer: values.issuer! }),
      ...(values.scope ? { scope: values.scope } : {}),
      ...(values.resource ? { resource: values.resource } : {}),
    };
  }
  const timeoutMs = numberFlag('timeout', values.timeout, 10, { min: 0.001 }) * 1000;
  const caPem = await readCaFlag(values.ca);

  const doc = redactDeep(
    await verifyProviderIsolated(
      {
        provider: values.provider,
        baseUrl: values['base-url'],
        timeoutMs,
        ...(values.pacts ? { pactsDir: values.pacts } : {}),
        ...(caPem !== undefined ? { caPem } : {}),
        ...(values['provider-states'] ? { providerStatesUrl: values['provider-states'] } : {}),
        ...(auth ? { auth } : {}),
      },
      values.json ? undefined : (text) => process.stderr.write(text),
    ),
  );
  if (values.json) printJson(doc);
  process.stderr.write(redact(contractSummary(doc)));
  await writePoints(values.influx, [contractVerificationPoint(doc, values.env ?? 'default')]);
  return EXIT_CODE[doc.status];
}

export function contractSummary(doc: ContractDocument): string {
  const head = `contract ${doc.provider} at ${doc.baseUrl}: ${doc.status.toUpperCase()} — ${doc.passed} of ${doc.passed + doc.failed} interactions verified (${doc.durationMs} ms)\n`;
  const lines = doc.interactions.filter((i) => i.result !== 'passed').map((i) => `  ✗ ${describeInteraction(i)}\n`);
  const other = doc.interactions.length === 0 ? doc.problems.map((p) => `  ${p.code}: ${p.message}\n`) : [];
  return head + lines.join('') + other.join('');
}
