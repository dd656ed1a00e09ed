import type { FailureClass } from '../../src/core/errors.ts';

/**
 * What kind of failure a middleware or connector reason describes. Pure; the table in
 * test/scenarios/diagnose.test.ts is the specification.
 */
export function classifyReason(reason: string): FailureClass {
  const r = reason.toLowerCase();
  if (/unreachable|econnrefused|econnreset|etimedout|enotfound|socket|tls|certificate|handshake|timed? ?out/.test(r)) return 'transport';
  if (/\b(401|403)\b|token|unauthori[sz]ed|forbidden|invalid_client|insufficient_scope/.test(r)) return 'application';
  if (/uom|unit of measure|decimal|quantit|warehouse|item|sku|transformation|mapping|required field|field\(s\) missing|invalid_request|\b422\b|\b400\b/.test(r)) return 'data';
  if (/\b5\d\d\b|internal|unavailable|\b429\b|rate limit/.test(r)) return 'application';
  return 'business';
}

/** Shortens a stored reason for a one-line verdict. */
export function quoteReason(reason: string, max = 200): string {
  const r = reason.replace(/\s+/g, ' ').trim();
  return `'${r.length > max ? r.slice(0, max - 1) + '…' : r}'`;
}
