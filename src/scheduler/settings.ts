import type { ChannelConfig } from '../alerting/channels/registry.ts';
import type { ImpactRules } from '../alerting/impact.ts';
import type { AlertPolicy } from '../alerting/types.ts';
import type { RetryPolicy } from '../alerting/outbox.ts';
import type { KillSwitchConfig, MaintenanceWindow } from './guards.ts';

/**
 * Daemon-wide settings, declared next to the probes (probes/schedule.ts): alert channels, defaults
 * for hysteresis, impact weights, maintenance windows, the kill switch, concurrency.
 */
export interface ScheduleSettings {
  kind: 'schedule';
  channels?: ChannelConfig[];
  alertDefaults?: Partial<AlertPolicy>;
  impactRules?: Partial<ImpactRules>;
  outboxRetry?: Partial<RetryPolicy>;
  maintenance?: MaintenanceWindow[];
  killSwitch?: KillSwitchConfig;
  concurrency?: number;
  /** Port of /healthz on 127.0.0.1. Default 9464. */
  healthPort?: number;
  /** State (ledger, alert state, outbox, spool); relative to the working directory. Default .syncprobe/state. */
  stateDir?: string;
  /** How long running probes get to clean up after SIGTERM. Default 30 s. */
  shutdownDeadlineMs?: number;
  /** How often probe_health points are written. Default 60 s. */
  healthIntervalMs?: number;
}

export function defineSchedule(s: Omit<ScheduleSettings, 'kind'>): ScheduleSettings {
  return { ...s, kind: 'schedule' };
}

export function isScheduleSettings(v: unknown): v is ScheduleSettings {
  return !!v && typeof v === 'object' && (v as { kind?: unknown }).kind === 'schedule';
}
