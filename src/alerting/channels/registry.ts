import { registerSecret } from '../../core/redact.ts';
import { UsageError } from '../../core/errors.ts';
import type { AlertProvider, ChannelConfigBase, Diagnostic } from './types.ts';
import { webhook, type WebhookConfig } from './webhook/index.ts';
import { slack, type SlackConfig } from './slack/index.ts';
import { teams, type TeamsConfig } from './teams/index.ts';
import { pagerduty, type PagerDutyConfig } from './pagerduty/index.ts';

export type ChannelConfig = WebhookConfig | SlackConfig | TeamsConfig | PagerDutyConfig;

export const PROVIDERS: Record<string, AlertProvider<any>> = { webhook, slack, teams, pagerduty };

export interface ResolvedChannel {
  name: string;
  provider: AlertProvider<any>;
  config: ChannelConfigBase & Record<string, unknown>;
}

/** Merges each channel's provider defaults under its config and validates every channel; all problems at once. */
export function resolveChannels(configs: ChannelConfig[], where = 'alerts.channels'): { channels: Map<string, ResolvedChannel>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const channels = new Map<string, ResolvedChannel>();
  configs.forEach((raw, i) => {
    const at = `${where}[${i}]`;
    const provider = PROVIDERS[raw?.type];
    if (!raw?.name) diagnostics.push({ severity: 'error', where: `${at}.name`, message: 'is required: the name probes route alerts to' });
    if (!provider) {
      diagnostics.push({ severity: 'error', where: `${at}.type`, message: `unknown channel type '${raw?.type}'; use one of ${Object.keys(PROVIDERS).join(', ')}` });
      return;
    }
    if (raw.name && channels.has(raw.name)) diagnostics.push({ severity: 'error', where: `${at}.name`, message: `duplicate channel name '${raw.name}'` });
    const config = { ...provider.defaults, ...raw } as ChannelConfigBase & Record<string, unknown>;
    diagnostics.push(...provider.validate(config, at));
    for (const s of provider.secrets?.(config) ?? []) registerSecret(s);
    if (raw.name) channels.set(raw.name, { name: raw.name, provider, config });
  });
  return { channels, diagnostics };
}

export function assertNoErrors(diagnostics: Diagnostic[], what: string): void {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return;
  throw new UsageError(`${errors.length} problem${errors.length > 1 ? 's' : ''} in ${what}:\n  ` + errors.map((d) => `${d.where}: ${d.message}`).join('\n  '), what, 'fix every listed field and start again');
}
