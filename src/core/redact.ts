/**
 * Secrets never reach logs, reports, traces, InfluxDB or error messages. Every secret the process
 * reads (client secrets, tokens) is registered here, and every output path runs text through redact().
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
  // Bearer tokens and JWT-looking strings are redacted even when they were never registered.
  out = out.replace(/(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/g, '$1[redacted]');
  out = out.replace(/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]');
  return out;
}

/** Deep copy of a JSON-able value with every string redacted. */
export function redactDeep<T>(value: T): T {
  return JSON.parse(redact(JSON.stringify(value))) as T;
}
