import { createHash, randomBytes } from 'node:crypto';

/** Time-ordered, unique, short enough for PO and reference fields: 'sp' + base36 ms + 8 random chars. */
export function newCorrelationId(now = Date.now()): string {
  return `sp${now.toString(36)}${randomBytes(5).toString('hex').slice(0, 8)}`;
}

/** The synthetic reference carries the marker prefix and the correlation id, so either finds the record. */
export function referenceFor(prefix: string, correlationId: string): string {
  return `${prefix}${correlationId.toUpperCase()}`;
}

/**
 * The correlation id of a scheduled slot (`probe@time`): the same key always gives the same id, the
 * same length as a fresh one, so what an interrupted run placed can be found again by its key.
 */
export function correlationIdForKey(key: string): string {
  return `sp${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}
