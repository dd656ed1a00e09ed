import type { Notification, Severity } from '../../types.ts';
import { headline, requireHttpsOrLoopback, type AlertProvider, type ChannelConfigBase, type Diagnostic } from '../types.ts';

/**
 * PagerDuty Events API v2 (POST https://events.pagerduty.com/v2/enqueue). A trigger, escalation,
 * de-escalation or reminder is an `event_action: "trigger"` with the incident's dedup_key (PagerDuty
 * folds them into one incident); a resolve is `event_action: "resolve"` with the same dedup_key.
 * Answers 202 on success; 400 is a malformed event (not retried), 429 and 5xx are retried.
 */
export interface PagerDutyConfig extends ChannelConfigBase {
  type: 'pagerduty';
  /** Environment variable holding the integration's routing key. */
  routingKeyEnv: string;
  url?: string;
  /** Value of payload.source; defaults to `syncprobe`. */
  source?: string;
}

const PD_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = { critical: 'critical', warning: 'warning', info: 'info' };

function routingKey(c: PagerDutyConfig): string {
  return process.env[c.routingKeyEnv] ?? '';
}

export const pagerduty: AlertProvider<PagerDutyConfig> = {
  type: 'pagerduty',
  defaults: { url: 'https://events.pagerduty.com/v2/enqueue', source: 'syncprobe', timeoutMs: 10_000 },
  validate(c, where) {
    const out: Diagnostic[] = requireHttpsOrLoopback(c.url, `${where}.url`);
    if (!c.routingKeyEnv) out.push({ severity: 'error', where: `${where}.routingKeyEnv`, message: 'is required: the environment variable holding the Events API v2 routing key' });
    else if (!process.env[c.routingKeyEnv]) out.push({ severity: 'error', where: `${where}.routingKeyEnv`, message: `environment variable ${c.routingKeyEnv} is not set` });
    else if (routingKey(c).length !== 32) out.push({ severity: 'warning', where: `${where}.routingKeyEnv`, message: `routing key in ${c.routingKeyEnv} is not 32 characters long; PagerDuty integration keys are` });
    return out;
  },
  render(n: Notification, c) {
    const dedup_key = `syncprobe:${n.incidentId}`;
    const body =
      n.kind === 'resolve'
        ? { routing_key: routingKey(c), event_action: 'resolve', dedup_key }
        : {
            routing_key: routingKey(c),
            event_action: 'trigger',
            dedup_key,
            payload: {
              summary: (headline(n) + (n.reason ? `: ${n.reason}` : '')).slice(0, 1024),
              source: `${c.source ?? 'syncprobe'}/${n.environment}`,
              severity: PD_SEVERITY[n.severity],
              timestamp: n.at,
              component: n.milestone,
              group: n.probe,
              class: n.impact.scope,
              custom_details: { key: n.key, scope: n.scope, level: n.level, kind: n.kind, openedAt: n.openedAt, reason: n.reason, impact: n.impact, ...(n.details ?? {}) },
            },
          };
    return { url: c.url ?? 'https://events.pagerduty.com/v2/enqueue', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  },
  accepted(status) {
    return status === 202 || status === 200;
  },
  secrets(c) {
    return [routingKey(c)];
  },
};
