import { randomBytes } from 'node:crypto';
import { UsageError } from '../core/errors.ts';
import type { LoadedConfig, SystemOverride } from '../engine/index.ts';
import type { Sandbox, SandboxOptions } from '../../sandbox/index.ts';

/**
 * The outermost layer's part of running an environment: an embedded-sandbox environment whose
 * systems carry no URLs gets the reference stack started in this process, and its URLs, CA and the
 * probe's OAuth client become overrides for the engine. The engine itself never imports the sandbox.
 */
export interface PreparedEnvironment {
  environment: string;
  systemsOverride?: Record<string, SystemOverride>;
  sandbox?: Sandbox;
  stop(): Promise<void>;
}

export interface PrepareOptions {
  /** --fault NAME[=VALUE], only for an embedded sandbox. */
  faults?: string[];
  latencyMs?: number;
  /** Extra sandbox options (tests: latency per hop, retry policy). */
  sandbox?: Partial<SandboxOptions>;
  /** Use this running sandbox instead of starting one (tests reuse one across runs). */
  reuse?: Sandbox;
}

const SERVICE_SYSTEMS = ['storefront', 'middleware', 'erp', 'wms', 'notifications', 'edi'] as const;

export function needsEmbeddedSandbox(loaded: LoadedConfig, environment: string): boolean {
  const env = loaded.config.environments[environment];
  return !!env?.sandbox && Object.values(env.systems).some((s) => !s.baseUrl);
}

/** What the engine needs to know about a running sandbox for the systems of this environment. */
export function sandboxOverrides(sb: Sandbox, systems: string[]): Record<string, SystemOverride> {
  const out: Record<string, SystemOverride> = {};
  const probe = sb.clients.find((c) => c.clientId === 'syncprobe-probe');
  // A system named like one of the stack's services is that service; 'housekeeping' is its admin API.
  const services = sb.services as unknown as Record<string, string | undefined>;
  for (const name of systems) {
    if (name !== 'oauth' && typeof services[name] === 'string') out[name] = { baseUrl: services[name], caPem: sb.caPem };
    else if (name === 'housekeeping') out[name] = { baseUrl: sb.admin, caPem: sb.caPem };
  }
  // The signing secret of the notifications webhooks: the sandbox learns it when the inbox subscribes.
  if (out.notifications) out.notifications.webhookSecret = webhookSecretOf(sb);
  if (out.erp && probe?.clientSecret) {
    out.erp.auth = { tokenUrl: sb.oauth.tokenEndpoint, clientId: probe.clientId, clientSecret: probe.clientSecret, resource: sb.oauth.resource, scope: 'erp:read erp:write' };
  }
  return out;
}

const webhookSecrets = new WeakMap<Sandbox, string>();
function webhookSecretOf(sb: Sandbox): string {
  let s = webhookSecrets.get(sb);
  if (!s) webhookSecrets.set(sb, (s = randomBytes(24).toString('base64url')));
  return s;
}

export async function prepareEnvironment(loaded: LoadedConfig, environment: string, opts: PrepareOptions = {}): Promise<PreparedEnvironment> {
  const env = loaded.config.environments[environment];
  if (!env) throw new UsageError(`no environment '${environment}' (known: ${Object.keys(loaded.config.environments).join(', ')})`, '--env');
  const faults = opts.faults ?? [];
  if (!needsEmbeddedSandbox(loaded, environment)) {
    if (faults.length) throw new UsageError(`--fault works only with an embedded sandbox environment; '${environment}' points at real systems`, '--fault');
    return { environment, stop: async () => {} };
  }
  const systems = Object.keys(env.systems);
  if (opts.reuse) return { environment, sandbox: opts.reuse, systemsOverride: sandboxOverrides(opts.reuse, systems), stop: async () => {} };
  const { startSandbox } = await import('../../sandbox/index.ts');
  const initial = [...(env.sandbox?.faults ?? [])];
  if (env.sandbox?.erpVersion === 'v2') initial.push('erp.version=v2');
  const sb = await startSandbox({
    port: 0,
    ...opts.sandbox,
    faults: [...initial, ...faults],
    latency: { defaultMs: opts.latencyMs ?? env.sandbox?.latencyMs ?? 200, ...opts.sandbox?.latency },
    marker: { customer: loaded.marker.customer, prefix: loaded.marker.referencePrefix },
  });
  return { environment, sandbox: sb, systemsOverride: sandboxOverrides(sb, systems), stop: () => sb.stop() };
}
