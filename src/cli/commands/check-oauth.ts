import { UsageError } from '../../core/errors.ts';
import { EXIT_CODE } from '../../core/status.ts';
import { redact, redactDeep, registerSecret } from '../../core/redact.ts';
import { numberFlag, parseCommandArgs, printJson } from '../args.ts';
import { checkOAuth, toPoints } from '../../checks/oauth/index.ts';
import { influxEmitter } from '../../checks/emit.ts';
import { humanSummary } from '../../checks/human.ts';
import { readCaFlag, thresholdFlags } from './check-tls.ts';

const USAGE =
  'usage: syncprobe check oauth (--issuer URL | --token-url URL) --client-id ID --client-secret-env VAR [--scope S] [--resource R] [--audience A] [--jwks-uri URL] [--ca FILE] [--secret-expires-at DATE] [--warn-days 30] [--crit-days 7] [--state-dir DIR] [--timeout SECONDS] [--max-skew SECONDS] [--influx URL [--point-target NAME] [--env E]] [--json]';

export default async function checkOAuthCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('check oauth', argv, {
    issuer: { type: 'string' },
    'token-url': { type: 'string' },
    'jwks-uri': { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret-env': { type: 'string' },
    scope: { type: 'string' },
    resource: { type: 'string' },
    audience: { type: 'string' },
    ca: { type: 'string' },
    'secret-expires-at': { type: 'string' },
    'warn-days': { type: 'string' },
    'crit-days': { type: 'string' },
    'state-dir': { type: 'string' },
    timeout: { type: 'string' },
    'max-skew': { type: 'string' },
    influx: { type: 'string' },
    'point-target': { type: 'string' },
    env: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (!values.issuer && !values['token-url']) throw new UsageError('give --issuer URL (with discovery) or --token-url URL', 'check oauth', USAGE);
  if (!values['client-id']) throw new UsageError('--client-id is required', '--client-id', USAGE);
  const envName = values['client-secret-env'];
  if (!envName) throw new UsageError('--client-secret-env is required: the name of the environment variable holding the client secret (never the secret itself)', '--client-secret-env', USAGE);
  const secret = process.env[envName];
  if (!secret) throw new UsageError(`environment variable ${envName} is not set or empty`, '--client-secret-env', `export ${envName} with the client secret before running the check`);
  registerSecret(secret);

  let secretExpiresAt: Date | undefined;
  if (values['secret-expires-at'] !== undefined) {
    const raw = values['secret-expires-at'];
    const ms = /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : NaN;
    if (!Number.isFinite(ms)) throw new UsageError(`'${raw}' is not an ISO date`, '--secret-expires-at', 'e.g. --secret-expires-at 2027-03-31 or 2027-03-31T12:00:00Z');
    secretExpiresAt = new Date(ms);
  }
  const thresholds = thresholdFlags(values);
  const timeoutMs = numberFlag('timeout', values.timeout, 10, { min: 0.001 }) * 1000;
  const maxClockSkewS = numberFlag('max-skew', values['max-skew'], 60, { min: 0 });
  const caPem = await readCaFlag(values.ca);
  const emitter = values.influx ? influxEmitter(values.influx) : undefined;

  const doc = redactDeep(
    await checkOAuth({
      clientId: values['client-id'],
      clientSecret: secret,
      thresholds,
      timeoutMs,
      maxClockSkewS,
      ...(values.issuer ? { issuer: values.issuer } : {}),
      ...(values['token-url'] ? { tokenUrl: values['token-url'] } : {}),
      ...(values['jwks-uri'] ? { jwksUri: values['jwks-uri'] } : {}),
      ...(values.scope ? { scope: values.scope } : {}),
      ...(values.resource ? { resource: values.resource } : {}),
      ...(values.audience ? { audience: values.audience } : {}),
      ...(caPem !== undefined ? { caPem } : {}),
      ...(secretExpiresAt ? { secretExpiresAt } : {}),
      ...(values['state-dir'] ? { stateDir: values['state-dir'] } : {}),
    }),
  );
  if (values.json) printJson(doc);
  await emitter?.emit(toPoints(doc, { target: values['point-target'] ?? doc.clientId, environment: values.env ?? 'default' }));
  const figures = doc.acquireMs !== null && doc.expiresIn !== null ? `token in ${doc.acquireMs} ms, expires in ${doc.expiresIn}s${doc.kid ? `, kid ${doc.kid}` : ''}` : '';
  process.stderr.write(redact(humanSummary(doc, `OAuth client ${doc.clientId} at ${doc.issuer ?? doc.tokenEndpoint}`, figures)));
  return EXIT_CODE[doc.status];
}
