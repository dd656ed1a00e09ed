import type { Notification } from '../../types.ts';
import { headline, requireHttpsOrLoopback, type AlertProvider, type ChannelConfigBase, type Diagnostic } from '../types.ts';

/**
 * Slack incoming webhook (https://api.slack.com/messaging/webhooks): `{"text": ..., "blocks": [...]}`.
 * The webhook URL is itself the credential, so it is read from an environment variable.
 */
export interface SlackConfig extends ChannelConfigBase {
  type: 'slack';
  /** Environment variable holding the webhook URL (preferred). */
  webhookUrlEnv?: string;
  webhookUrl?: string;
  /** Prefix for the text, e.g. `<!here>` on critical. */
  mentionOnCritical?: string;
}

function url(c: SlackConfig): string {
  return (c.webhookUrlEnv ? process.env[c.webhookUrlEnv] : c.webhookUrl) ?? '';
}

const EMOJI = { critical: ':red_circle:', warning: ':large_orange_circle:', info: ':large_blue_circle:' } as const;

export const slack: AlertProvider<SlackConfig> = {
  type: 'slack',
  defaults: { timeoutMs: 10_000 },
  validate(c, where) {
    const out: Diagnostic[] = [];
    if (!c.webhookUrlEnv && !c.webhookUrl) return [{ severity: 'error', where: `${where}.webhookUrlEnv`, message: 'is required: the environment variable holding the Slack webhook URL' }];
    if (c.webhookUrlEnv && !process.env[c.webhookUrlEnv]) return [{ severity: 'error', where: `${where}.webhookUrlEnv`, message: `environment variable ${c.webhookUrlEnv} is not set` }];
    out.push(...requireHttpsOrLoopback(url(c), c.webhookUrlEnv ? `${where}.webhookUrlEnv (${c.webhookUrlEnv})` : `${where}.webhookUrl`));
    return out;
  },
  render(n: Notification, c) {
    const icon = n.kind === 'resolve' ? ':large_green_circle:' : EMOJI[n.severity];
    const mention = n.severity === 'critical' && n.kind === 'trigger' && c.mentionOnCritical ? `${c.mentionOnCritical} ` : '';
    const text = `${mention}${icon} ${headline(n)}`;
    const fields = [
      { type: 'mrkdwn', text: `*Probe*\n${n.probe}` },
      { type: 'mrkdwn', text: `*Milestone*\n${n.milestone}` },
      { type: 'mrkdwn', text: `*Scope*\n${n.scope}` },
      { type: 'mrkdwn', text: `*Impact*\n${n.impact.scope}` },
    ];
    const blocks: unknown[] = [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'section', fields },
    ];
    if (n.reason) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Reason:* ${n.reason}` } });
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `incident ${n.incidentId} · opened ${n.openedAt} · ${n.kind}` }] });
    return { url: url(c), method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, blocks }) };
  },
  secrets(c) {
    return [url(c)];
  },
};
