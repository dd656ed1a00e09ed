import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { redact } from '../core/redact.ts';
import { initialState, observationOf, step } from './hysteresis.ts';
import { DEFAULT_IMPACT_RULES, SEVERITY_RANK, severityOf, type ImpactRules } from './impact.ts';
import { DEFAULT_POLICY, type AlertPolicy, type AlertState, type KeyResult, type Notification, type RunSource, type Severity } from './types.ts';

/** Where a probe's notifications go, from which severity on. */
export interface AlertRoute {
  channel: string;
  /** Default `warning`. */
  minSeverity?: Severity;
}

export interface AlertObservation {
  probe: string;
  environment: string;
  source: RunSource;
  results: KeyResult[];
  policy?: Partial<AlertPolicy>;
  routes?: AlertRoute[];
}

export interface OpenAlert {
  key: string;
  incidentId: string;
  probe: string;
  milestone: string;
  scope: string;
  environment: string;
  level: 'degraded' | 'failed';
  severity: Severity;
  openedAt: string;
  reason?: string;
  channels: string[];
}

export interface NotificationSink {
  enqueue(channel: string, n: Notification): unknown;
}

export interface AlerterOptions {
  /** JSON file holding per-key state across restarts; omitted = in memory only. */
  stateFile?: string;
  outbox?: NotificationSink;
  impactRules?: ImpactRules;
  defaults?: Partial<AlertPolicy>;
  now?: () => number;
}

interface Persisted {
  states: AlertState[];
  meta: Record<string, Omit<OpenAlert, 'level' | 'severity' | 'openedAt' | 'reason' | 'channels' | 'incidentId'>>;
}

/**
 * Applies the pure hysteresis per alert key, decides severity from business impact, routes the
 * resulting notifications to channels and hands them to the durable outbox. State survives a restart.
 */
export class Alerter {
  private readonly states = new Map<string, AlertState>();
  private readonly meta = new Map<string, Persisted['meta'][string]>();
  private readonly now: () => number;
  private readonly rules: ImpactRules;

  constructor(private readonly opts: AlerterOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.rules = opts.impactRules ?? DEFAULT_IMPACT_RULES;
    if (opts.stateFile && existsSync(opts.stateFile)) {
      const p = JSON.parse(readFileSync(opts.stateFile, 'utf8')) as Persisted;
      for (const s of p.states) this.states.set(s.key, s);
      for (const [k, m] of Object.entries(p.meta)) this.meta.set(k, m);
    }
  }

  observe(o: AlertObservation): Notification[] {
    const policy: AlertPolicy = { ...DEFAULT_POLICY, ...(this.opts.defaults ?? {}), ...(o.policy ?? {}) };
    const routes = o.routes ?? [];
    const out: Notification[] = [];
    if (o.source === 'ci') return out;
    const now = this.now();
    for (const r of o.results) {
      const observation = observationOf(r.status);
      const severity = severityOf(r.impact, observation, this.rules);
      const prev = this.states.get(r.key) ?? initialState(r.key);
      const reason = r.reason ? redact(r.reason) : undefined;
      const { state, events } = step(prev, { observation, severity, reason, now, source: o.source, newIncidentId: () => randomUUID() }, policy);
      this.states.set(r.key, state);
      this.meta.set(r.key, { key: r.key, probe: r.probe, milestone: r.milestone, scope: r.scope, environment: o.environment });
      const incident = state.incident ?? prev.incident;
      if (!incident) continue;
      for (const ev of events) {
        const wanted = routes.filter((rt) => SEVERITY_RANK[ev.severity] >= SEVERITY_RANK[rt.minSeverity ?? 'warning']).map((rt) => rt.channel);
        let channels: string[];
        if (ev.kind === 'trigger' || ev.kind === 'escalate') {
          channels = [...new Set([...incident.channels, ...wanted])];
          if (state.incident) state.incident.channels = channels;
        } else {
          channels = incident.channels;
        }
        const n: Notification = {
          id: randomUUID(),
          kind: ev.kind,
          incidentId: incident.id,
          key: r.key,
          probe: r.probe,
          milestone: r.milestone,
          scope: r.scope,
          environment: o.environment,
          severity: ev.severity,
          level: ev.level,
          summary: '',
          reason: ev.kind === 'resolve' ? undefined : reason ?? incident.reason,
          openedAt: new Date(incident.openedAt).toISOString(),
          at: new Date(now).toISOString(),
          impact: r.impact,
          details: r.details ? (JSON.parse(redact(JSON.stringify(r.details))) as Record<string, unknown>) : undefined,
        };
        n.summary = summarize(n);
        out.push(n);
        for (const ch of channels) this.opts.outbox?.enqueue(ch, n);
      }
    }
    this.save();
    return out;
  }

  openAlerts(): OpenAlert[] {
    const out: OpenAlert[] = [];
    for (const s of this.states.values()) {
      if (!s.incident) continue;
      const m = this.meta.get(s.key);
      if (!m) continue;
      out.push({ ...m, incidentId: s.incident.id, level: s.incident.level, severity: s.incident.severity, openedAt: new Date(s.incident.openedAt).toISOString(), reason: s.incident.reason, channels: s.incident.channels });
    }
    return out.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.openedAt.localeCompare(b.openedAt));
  }

  state(key: string): AlertState | undefined {
    return this.states.get(key);
  }

  private save(): void {
    const f = this.opts.stateFile;
    if (!f) return;
    mkdirSync(dirname(f), { recursive: true });
    const p: Persisted = { states: [...this.states.values()], meta: Object.fromEntries(this.meta) };
    writeFileSync(f + '.tmp', JSON.stringify(p));
    renameSync(f + '.tmp', f);
  }
}

function summarize(n: Notification): string {
  const what = n.kind === 'resolve' ? 'resolved' : n.level;
  const where = n.scope !== '-' ? ` for ${n.scope}` : '';
  return `${n.probe}: ${n.milestone}${where} ${what} (${n.severity}; impact: ${n.impact.scope})`;
}
