import { validateDetailed } from 'node-cron';
import { UsageError } from '../core/errors.ts';
import type { ProbeDefinition } from './probe.ts';

export interface ProbeProblem {
  /** `probes/orders.ts: order-to-erp-b2b.cron` */
  where: string;
  message: string;
}

export interface ProbeCatalog {
  scenarios: Iterable<string>;
  checks: Iterable<string>;
  channels?: Iterable<string>;
  environments?: Iterable<string>;
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function suggest(name: string, known: string[]): string {
  const list = known.length ? known.join(', ') : '(none defined)';
  return `known: ${list}`;
}

/** Every problem of every probe at once; an empty list means all probes can be scheduled. */
export function validateProbes(probes: Array<{ probe: ProbeDefinition; file?: string }>, catalog: ProbeCatalog): ProbeProblem[] {
  const problems: ProbeProblem[] = [];
  const scenarios = [...catalog.scenarios];
  const checks = [...catalog.checks];
  const channels = catalog.channels ? [...catalog.channels] : undefined;
  const environments = catalog.environments ? [...catalog.environments] : undefined;
  const seen = new Map<string, string>();
  probes.forEach(({ probe: p, file }, i) => {
    const at = `${file ? `${file}: ` : ''}${p?.name || `probe #${i + 1}`}`;
    const add = (field: string, message: string) => problems.push({ where: `${at}.${field}`, message });
    if (!p || typeof p !== 'object') {
      problems.push({ where: at, message: 'is not a probe definition: export defineProbe({...}) or an array of them' });
      return;
    }
    if (!p.name) add('name', 'is required');
    else if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(p.name)) add('name', `'${p.name}' may only contain letters, digits, '.', '_' and '-'`);
    else if (seen.has(p.name)) add('name', `duplicate probe name (also in ${seen.get(p.name)})`);
    else seen.set(p.name, file ?? `probe #${i + 1}`);
    if (!!p.scenario === !!p.check) add('scenario', 'set exactly one of scenario or check');
    if (p.scenario && !scenarios.includes(p.scenario)) add('scenario', `unknown scenario '${p.scenario}'; ${suggest(p.scenario, scenarios)}`);
    if (p.check && !checks.includes(p.check.type)) add('check.type', `unknown check '${p.check.type}'; ${suggest(p.check.type, checks)}`);
    if (!p.environment) add('environment', 'is required');
    else if (environments && !environments.includes(p.environment)) add('environment', `unknown environment '${p.environment}'; ${suggest(p.environment, environments)}`);
    if (typeof p.cron !== 'string' || !p.cron.trim()) add('cron', 'is required, e.g. "*/5 * * * *"');
    else {
      const v = validateDetailed(p.cron);
      if (!v.valid) add('cron', `invalid cron expression '${p.cron}': ${v.errors.map((e) => e.message).join('; ')}`);
    }
    if (p.timezone !== undefined && !validTimezone(p.timezone)) add('timezone', `unknown time zone '${p.timezone}'; use an IANA name such as Europe/Berlin`);
    for (const f of ['jitterMs', 'timeoutMs'] as const) {
      const v = p[f];
      if (v !== undefined && (!Number.isFinite(v) || v < 0)) add(f, `must be a number of milliseconds >= 0, got ${String(v)}`);
    }
    const th = p.thresholds ?? {};
    for (const f of ['failureThreshold', 'successThreshold'] as const) {
      const v = th[f];
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) add(`thresholds.${f}`, `must be a whole number >= 1, got ${String(v)}`);
    }
    (p.alerts ?? []).forEach((r, j) => {
      if (channels && !channels.includes(r.channel)) add(`alerts[${j}].channel`, `unknown alert channel '${r.channel}'; ${suggest(r.channel, channels)}`);
      if (r.minSeverity && !['info', 'warning', 'critical'].includes(r.minSeverity)) add(`alerts[${j}].minSeverity`, `must be info, warning or critical`);
    });
  });
  return problems;
}

export function assertValidProbes(problems: ProbeProblem[]): void {
  if (problems.length === 0) return;
  throw new UsageError(
    `${problems.length} problem${problems.length > 1 ? 's' : ''} in the probe definitions:\n  ` + problems.map((p) => `${p.where}: ${p.message}`).join('\n  '),
    'probes/',
    'fix every listed probe and start again; nothing was scheduled',
  );
}
