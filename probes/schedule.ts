import { defineSchedule } from '../src/scheduler/index.ts';

/**
 * Daemon-wide settings. Channel credentials come from environment variables; a channel whose
 * variable is not set is reported at start together with every other problem.
 */
export default defineSchedule({
  channels: [
    { name: 'ops-chat', type: 'webhook', url: process.env.SYNCPROBE_ALERT_WEBHOOK_URL ?? 'http://127.0.0.1:9465/alerts' },
    // { name: 'ops-slack', type: 'slack', webhookUrlEnv: 'SYNCPROBE_SLACK_WEBHOOK_URL' },
    // { name: 'ops-teams', type: 'teams', webhookUrlEnv: 'SYNCPROBE_TEAMS_WEBHOOK_URL' },
    { name: 'on-call', type: 'webhook', url: process.env.SYNCPROBE_ONCALL_WEBHOOK_URL ?? 'http://127.0.0.1:9465/on-call' },
    // { name: 'on-call', type: 'pagerduty', routingKeyEnv: 'SYNCPROBE_PAGERDUTY_ROUTING_KEY' },
  ],
  alertDefaults: { failureThreshold: 3, successThreshold: 2, reminderIntervalMs: 60 * 60_000 },
  killSwitch: { file: '.syncprobe/KILL', env: 'SYNCPROBE_KILL_SWITCH' },
  maintenance: [],
  concurrency: 4,
  healthPort: 9464,
  stateDir: '.syncprobe/state',
  shutdownDeadlineMs: 30_000,
  healthIntervalMs: 60_000,
});
