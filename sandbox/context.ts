import type { FaultController } from './faults.ts';
import type { Latency } from './latency.ts';
import type { TruthLog } from './truth.ts';
import type { ServiceClient } from './http/client.ts';

/** What every service is given: the switchboards, the ground-truth log, the HTTPS client and where the others are. */
export interface ServiceUrls {
  storefront: string;
  middleware: string;
  erp: string;
  wms: string;
  notifications: string;
  oauth: string;
  edi: string;
}

export interface Marker {
  customer: string;
  prefix: string;
}

export const DEFAULT_MARKER: Marker = { customer: 'SYNTHETIC-PROBE', prefix: 'SP-' };

export function isSynthetic(marker: Marker, customer: string | undefined, ...refs: Array<string | undefined>): boolean {
  return customer === marker.customer || refs.some((r) => typeof r === 'string' && r.startsWith(marker.prefix));
}

export interface TokenSource {
  getToken(): Promise<string>;
  invalidate(): void;
}

export interface RetryPolicy {
  /** Delivery attempts before a message is dead-lettered. */
  maxAttempts: number;
  /** First retry delay; doubles with every attempt. */
  baseMs: number;
}

export interface ServiceContext {
  faults: FaultController;
  truth: TruthLog;
  latency: Latency;
  client: ServiceClient;
  /** Filled in once every server listens; read at call time. */
  urls: ServiceUrls;
  marker: Marker;
  retry: RetryPolicy;
  /** The sandbox CA, PEM: what its services trust besides the system's roots when they call out (webhooks). */
  caPem: string;
}

/** Sequential ids with a prefix: SO-100001, ADJ-000001. */
export function idGenerator(prefix: string, start = 1, width = 6): { next(): string; reset(): void } {
  let n = start;
  return {
    next: () => `${prefix}${String(n++).padStart(width, '0')}`,
    reset: () => {
      n = start;
    },
  };
}
