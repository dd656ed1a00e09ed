import type { Point } from '../core/outputs.ts';
import type { MilestoneResult, ScenarioResult } from '../core/result.ts';

/**
 * A scenario result as InfluxDB points (documented in docs/influxdb.md):
 * one `milestone` point per milestone and one `scenario_run` point. Correlation ids are fields,
 * never tags: they are unique per run and would explode series cardinality.
 */
export function scenarioToPoints(result: ScenarioResult, environment: string = result.tags.environment): Point[] {
  const startedAt = Date.parse(result.startedAt);
  const start = Number.isFinite(startedAt) ? startedAt : Date.now();
  const end = start + (Number.isFinite(result.durationMs) ? result.durationMs : 0);
  const common = tags({ scenario: result.name, channel: result.tags.channel, warehouse: result.tags.warehouse, env: environment });

  const points: Point[] = result.milestones.map((m) => milestonePoint(m, common, result.correlationId, end));
  const met = result.milestones.filter((m) => m.status === 'met').length;
  points.push({
    measurement: 'scenario_run',
    tags: { ...common, status: result.status },
    fields: {
      duration_ms: result.durationMs,
      milestones_met: met,
      milestones_failed: result.milestones.length - met,
      correlation_id: result.correlationId,
    },
    timestamp: start,
  });
  return points;
}

function milestonePoint(m: MilestoneResult, common: Record<string, string>, correlationId: string, scenarioEnd: number): Point {
  const observed = m.observedAt ? Date.parse(m.observedAt) : NaN;
  const fields: Point['fields'] = { sla_ms: m.slaMs, met: m.status === 'met' ? 1 : 0, correlation_id: correlationId };
  number(fields, 'latency_ms', m.latencyMs);
  number(fields, 'latency_lower_ms', m.latencyLowerMs);
  number(fields, 'latency_upper_ms', m.latencyUpperMs);
  number(fields, 'system_latency_ms', m.systemLatencyMs);
  number(fields, 'requests', m.requests);
  if (m.observedBy) fields.observed_by = m.observedBy;
  return {
    measurement: 'milestone',
    tags: tags({ ...common, milestone: m.name, system: m.system, status: m.status, class: m.failure?.class }),
    fields,
    // When the milestone was seen; one never seen is stamped at the end of its scenario.
    timestamp: Number.isFinite(observed) ? observed : scenarioEnd,
  };
}

function number(fields: Point['fields'], key: string, value: number | null | undefined): void {
  if (typeof value === 'number' && Number.isFinite(value)) fields[key] = value;
}

function tags(input: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}
