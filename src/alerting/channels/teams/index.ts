import type { Notification } from '../../types.ts';
import { headline, requireHttpsOrLoopback, type AlertProvider, type ChannelConfigBase } from '../types.ts';

/**
 * Microsoft Teams through a Workflows (Power Automate) webhook, "Post to a channel when a webhook
 * request is received": a message with one Adaptive Card 1.4 attachment. The legacy Office 365
 * connector MessageCard format is not produced: those connectors are being retired.
 */
export interface TeamsConfig extends ChannelConfigBase {
  type: 'teams';
  webhookUrlEnv?: string;
  webhookUrl?: string;
}

function url(c: TeamsConfig): string {
  return (c.webhookUrlEnv ? process.env[c.webhookUrlEnv] : c.webhookUrl) ?? '';
}

const COLOR = { critical: 'Attention', warning: 'Warning', info: 'Accent' } as const;

export const teams: AlertProvider<TeamsConfig> = {
  type: 'teams',
  defaults: { timeoutMs: 10_000 },
  validate(c, where) {
    if (!c.webhookUrlEnv && !c.webhookUrl) return [{ severity: 'error', where: `${where}.webhookUrlEnv`, message: 'is required: the environment variable holding the Workflows webhook URL' }];
    if (c.webhookUrlEnv && !process.env[c.webhookUrlEnv]) return [{ severity: 'error', where: `${where}.webhookUrlEnv`, message: `environment variable ${c.webhookUrlEnv} is not set` }];
    return requireHttpsOrLoopback(url(c), c.webhookUrlEnv ? `${where}.webhookUrlEnv (${c.webhookUrlEnv})` : `${where}.webhookUrl`);
  },
  render(n: Notification, c) {
    const facts = [
      { title: 'Probe', value: n.probe },
      { title: 'Milestone', value: n.milestone },
      { title: 'Scope', value: n.scope },
      { title: 'Impact', value: n.impact.scope },
      { title: 'Environment', value: n.environment },
      { title: 'Incident', value: n.incidentId },
      { title: 'Opened', value: n.openedAt },
    ];
    const body: unknown[] = [
      { type: 'TextBlock', text: headline(n), weight: 'Bolder', size: 'Medium', wrap: true, color: n.kind === 'resolve' ? 'Good' : COLOR[n.severity] },
      { type: 'FactSet', facts },
    ];
    if (n.reason) body.push({ type: 'TextBlock', text: n.reason, wrap: true });
    const card = {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body },
        },
      ],
    };
    return { url: url(c), method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(card) };
  },
  secrets(c) {
    return [url(c)];
  },
};
