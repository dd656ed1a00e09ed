import type { Notification } from '../types.ts';

export interface Diagnostic {
  severity: 'error' | 'warning';
  /** The field, e.g. `channels[2].url`. */
  where: string;
  message: string;
}

/** What a provider asks the outbox to send. Headers and body may hold secrets: never logged. */
export interface HttpDelivery {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export interface ChannelConfigBase {
  /** The name probes route to, e.g. `ops-slack`. */
  name: string;
  type: string;
  /** Request timeout per delivery attempt. */
  timeoutMs?: number;
}

/**
 * An alert channel: defaults merged under the user's config, a validate() that lists every problem,
 * and a pure render() from a notification to one HTTP request. Delivery (retries, backoff, the
 * durable queue) is the outbox's job, so every provider is a few lines of formatting.
 */
export interface AlertProvider<C extends ChannelConfigBase = ChannelConfigBase> {
  readonly type: string;
  readonly defaults: Partial<C>;
  validate(config: C, where: string): Diagnostic[];
  render(n: Notification, config: C): HttpDelivery;
  /** Whether a response status means "accepted" (default 2xx). */
  accepted?(status: number): boolean;
  /** Secret values in the config (registered with redact()). */
  secrets?(config: C): string[];
}

export function requireHttpsOrLoopback(url: unknown, where: string): Diagnostic[] {
  if (typeof url !== 'string' || url === '') return [{ severity: 'error', where, message: 'is required: the URL to POST notifications to' }];
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [{ severity: 'error', where, message: `is not a URL: '${url.length > 60 ? url.slice(0, 60) + '…' : url}'` }];
  }
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  if (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) return [];
  return [{ severity: 'error', where, message: `must be https:// (plain http only to 127.0.0.1 / localhost), got ${u.protocol}//${u.host}` }];
}

/** One line a person reads first. */
export function headline(n: Notification): string {
  const verb: Record<Notification['kind'], string> = {
    trigger: n.level === 'failed' ? 'FAILED' : 'DEGRADED',
    escalate: 'ESCALATED to FAILED',
    deescalate: 'now DEGRADED',
    reminder: n.level === 'failed' ? 'still FAILED' : 'still DEGRADED',
    resolve: 'RESOLVED',
  };
  const where = n.scope && n.scope !== '-' ? ` [${n.scope}]` : '';
  return `[${n.severity.toUpperCase()}] ${n.probe} ${n.milestone}${where} ${verb[n.kind]} (${n.environment})`;
}
