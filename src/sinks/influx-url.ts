import { UsageError } from '../core/errors.ts';
import { registerSecret } from '../core/redact.ts';

/** Where to write: `http(s)://[user:pass@]host:port/DATABASE[?rp=RETENTION_POLICY]`. */
export interface InfluxTarget {
  /** scheme://host:port, without credentials. */
  origin: string;
  database: string;
  retentionPolicy?: string;
  /** Basic auth header value; registered as a secret. */
  authorization?: string;
  /** The URL safe to print: credentials replaced. */
  display: string;
}

/** Parses the --influx URL / config value. `where` names the flag or config field for the error. */
export function parseInfluxUrl(raw: string, where = '--influx'): InfluxTarget {
  const hint = 'give the database in the path, e.g. http://127.0.0.1:8086/syncprobe (https and user:pass@ are accepted)';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`'${redactUrlText(raw)}' is not a URL`, where, hint);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`InfluxDB URL must be http or https, got '${url.protocol}'`, where, hint);
  }
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  registerSecret(password);
  const display = `${url.protocol}//${username ? `${encodeURIComponent(username)}:[redacted]@` : ''}${url.host}${url.pathname}`;
  const segments = url.pathname.split('/').filter(Boolean);
  if (segments.length !== 1) {
    throw new UsageError(`InfluxDB URL ${display} must name exactly one database in its path`, where, hint);
  }
  const database = decodeURIComponent(segments[0]!);
  const retentionPolicy = url.searchParams.get('rp') ?? undefined;
  let authorization: string | undefined;
  if (username || password) {
    authorization = 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
    registerSecret(authorization.slice('Basic '.length));
  }
  return { origin: url.origin, database, retentionPolicy, authorization, display };
}

/** For an unparsable URL: still hide anything that looks like user:pass@. */
function redactUrlText(raw: string): string {
  return raw.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:[redacted]@');
}
