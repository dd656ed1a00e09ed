import { UsageError } from '../../core/errors.ts';
import { EXIT_CODE } from '../../core/status.ts';
import { redact, redactDeep, registerSecret } from '../../core/redact.ts';
import { numberFlag, parseCommandArgs, printJson } from '../args.ts';
import { readCaFlag } from './check-tls.ts';
import { verifyProviderIsolated, type ContractDocument } from '../../contracts/verify.ts';
import { describeInteraction } from '../../contracts/verify-report.ts';
import { contractVerificationPoint } from '../../contracts/points.ts';
import { hasOnlyMessagePacts, verifyMessageProviderIsolated } from '../../contracts/verify-messages.ts';
import type { Point } from '../../core/outputs.ts';

const USAGE =
  'usage: syncprobe check contract --provider NAME (--base-url URL | no --base-url for message pacts: the built-in sandbox\'s producers) [--pacts DIR] [--ca FILE] [--provider-states URL] [(--token-url URL | --issuer URL) --client-id ID --client-secret-env VAR [--scope S] [--resource R]] [--timeout SECONDS] [--influx URL [--env NAME]] [--json]';

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
  const messagesOnly = hasOnlyMessagePacts({ provider: values.provider, ...(values.pacts ? { pactsDir: values.pacts } : {}) });
  if (messagesOnly && values['base-url']) {
    throw new UsageError(
      `the pacts of '${values.provider}' are message pacts: a message cannot be replayed against ${values['base-url']}, it is verified against the producer that publishes it`,
      '--base-url',
      "omit --base-url to verify the built-in sandbox's producers, or verify your producer in its own tests with verifyMessageProvider() (src/contracts/verify-messages.ts) and a function that makes it publish",
    );
  }
  if (messagesOnly) return checkMessagesAgainstSandbox(values);
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

type Values = Record<string, string | boolean | undefined>;

/**
 * Message pacts of a provider the built-in sandbox produces (wms-events): the sandbox is started here
 * with millisecond hops, its real producers publish each message, the verifier matches what they sent.
 */
async function checkMessagesAgainstSandbox(values: Values): Promise<number> {
  for (const flag of ['ca', 'provider-states', 'token-url', 'issuer', 'client-id', 'client-secret-env', 'scope', 'resource']) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} does not apply to message pacts: they are verified against the built-in sandbox's producers, not over HTTP`, `--${flag}`, USAGE);
  }
  const timeoutMs = numberFlag('timeout', values.timeout as string | undefined, 10, { min: 0.001 }) * 1000;
  const provider = values.provider as string;
  const { startSandbox } = await import('../../../sandbox/index.ts');
  const { sandboxMessageProducer } = await import('../../../sandbox/wms/message-producers.ts');
  const sb = await startSandbox({ latency: { defaultMs: 5 }, retry: { maxAttempts: 3, baseMs: 5 } });
  const produce = sandboxMessageProducer(sb, { timeoutMs });
  let doc: ContractDocument;
  try {
    doc = redactDeep(
      await verifyMessageProviderIsolated(
        { provider, producer: "built-in sandbox (the WMS's producers)", timeoutMs, ...(values.pacts ? { pactsDir: values.pacts as string } : {}) },
        produce,
        values.json ? undefined : (text) => process.stderr.write(text),
      ),
    );
  } finally {
    await produce.close();
    await sb.stop();
  }
  if (values.json) printJson(doc);
  process.stderr.write(redact(contractSummary(doc)));
  await writePoints(values.influx as string | undefined, [contractVerificationPoint(doc, (values.env as string | undefined) ?? 'default')]);
  return EXIT_CODE[doc.status];
}

export function contractSummary(doc: ContractDocument): string {
  const head = `contract ${doc.provider} at ${doc.baseUrl}: ${doc.status.toUpperCase()} — ${doc.passed} of ${doc.passed + doc.failed} interactions verified (${doc.durationMs} ms)\n`;
  const lines = doc.interactions.filter((i) => i.result !== 'passed').map((i) => `  ✗ ${describeInteraction(i)}\n`);
  const other = doc.interactions.length === 0 ? doc.problems.map((p) => `  ${p.code}: ${p.message}\n`) : [];
  return head + lines.join('') + other.join('');
}
