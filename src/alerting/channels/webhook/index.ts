import type { Notification } from '../../types.ts';
import { requireHttpsOrLoopback, type AlertProvider, type ChannelConfigBase, type Diagnostic } from '../types.ts';

/**
 * Generic webhook: POSTs the notification as JSON (`{"version":1,"notification":{...}}`) with any
 * extra headers (e.g. an Authorization header read from an environment variable).
 */
export interface WebhookConfig extends ChannelConfigBase {
  type: 'webhook';
  url: string;
  headers?: Record<string, string>;
  /** Header name -> environment variable holding its value (kept out of the config file). */
  headersFromEnv?: Record<string, string>;
}

export const webhook: AlertProvider<WebhookConfig> = {
  type: 'webhook',
  defaults: { timeoutMs: 10_000, headers: {} },
  validate(c, where) {
    const out: Diagnostic[] = requireHttpsOrLoopback(c.url, `${where}.url`);
    for (const [h, env] of Object.entries(c.headersFromEnv ?? {})) {
      if (!process.env[env]) out.push({ severity: 'error', where: `${where}.headersFromEnv.${h}`, message: `environment variable ${env} is not set` });
    }
    return out;
  },
  render(n: Notification, c) {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(c.headers ?? {}) };
    for (const [h, env] of Object.entries(c.headersFromEnv ?? {})) headers[h] = process.env[env] ?? '';
    return { url: c.url, method: 'POST', headers, body: JSON.stringify({ version: 1, notification: n }) };
  },
  secrets(c) {
    return Object.values(c.headersFromEnv ?? {}).map((env) => process.env[env] ?? '');
  },
};
