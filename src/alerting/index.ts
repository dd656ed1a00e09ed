export * from './types.ts';
export { step, initialState, observationOf } from './hysteresis.ts';
export { DEFAULT_IMPACT_RULES, impactFacts, impactScore, severityOf, type ImpactRules, type ImpactWeights } from './impact.ts';
export { Alerter, type AlertRoute, type AlerterOptions, type OpenAlert } from './alerter.ts';
export { Outbox, DEFAULT_RETRY, backoffMs, type OutboxOptions, type OutboxStats, type RetryPolicy } from './outbox.ts';
export { PROVIDERS, resolveChannels, assertNoErrors, type ChannelConfig, type ResolvedChannel } from './channels/registry.ts';
export type { AlertProvider, Diagnostic, HttpDelivery } from './channels/types.ts';
