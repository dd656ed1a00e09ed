import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenarioToPoints } from '../../src/sinks/points.ts';
import type { ScenarioResult } from '../../src/core/result.ts';

const base: ScenarioResult = {
  name: 'order-to-notification-b2b',
  status: 'critical',
  correlationId: 'SP-7f3a',
  tags: { channel: 'b2b', warehouse: 'WH-EAST', environment: 'sandbox' },
  startedAt: '2026-01-05T10:00:00.000Z',
  durationMs: 9000,
  milestones: [
    {
      name: 'erp-order-created',
      system: 'erp',
      status: 'met',
      latencyMs: 1500,
      latencyLowerMs: 1200,
      latencyUpperMs: 1800,
      systemLatencyMs: 1490,
      slaMs: 120000,
      requests: 4,
      observedAt: '2026-01-05T10:00:01.800Z',
    },
    {
      name: 'wms-allocated',
      system: 'wms',
      status: 'missing',
      latencyMs: null,
      latencyLowerMs: 5000,
      latencyUpperMs: null,
      slaMs: 5000,
      requests: 9,
      failure: { class: 'business', reason: 'WMS never allocated the order' },
    },
  ],
};

test('scenarioToPoints: one milestone point per milestone and one scenario_run point', () => {
  const points = scenarioToPoints(base, 'prod-eu');
  assert.deepEqual(points, [
    {
      measurement: 'milestone',
      tags: { scenario: 'order-to-notification-b2b', channel: 'b2b', warehouse: 'WH-EAST', env: 'prod-eu', milestone: 'erp-order-created', system: 'erp', status: 'met' },
      fields: { sla_ms: 120000, met: 1, correlation_id: 'SP-7f3a', latency_ms: 1500, latency_lower_ms: 1200, latency_upper_ms: 1800, system_latency_ms: 1490, requests: 4 },
      timestamp: Date.parse('2026-01-05T10:00:01.800Z'),
    },
    {
      measurement: 'milestone',
      tags: { scenario: 'order-to-notification-b2b', channel: 'b2b', warehouse: 'WH-EAST', env: 'prod-eu', milestone: 'wms-allocated', system: 'wms', status: 'missing', class: 'business' },
      fields: { sla_ms: 5000, met: 0, correlation_id: 'SP-7f3a', latency_lower_ms: 5000, requests: 9 },
      timestamp: Date.parse('2026-01-05T10:00:09.000Z'),
    },
    {
      measurement: 'scenario_run',
      tags: { scenario: 'order-to-notification-b2b', channel: 'b2b', warehouse: 'WH-EAST', env: 'prod-eu', status: 'critical' },
      fields: { duration_ms: 9000, milestones_met: 1, milestones_failed: 1, correlation_id: 'SP-7f3a' },
      timestamp: Date.parse('2026-01-05T10:00:00.000Z'),
    },
  ]);
});

test('scenarioToPoints: environment defaults to the result tag; missing channel/warehouse leave no empty tags; correlation id never a tag', () => {
  const cases: Array<[ScenarioResult, string | undefined, Record<string, string>]> = [
    [{ ...base, tags: { environment: 'sandbox' }, milestones: [] }, undefined, { scenario: 'order-to-notification-b2b', env: 'sandbox', status: 'critical' }],
    [{ ...base, tags: { environment: 'sandbox', channel: '' }, milestones: [] }, 'staging', { scenario: 'order-to-notification-b2b', env: 'staging', status: 'critical' }],
  ];
  for (const [result, env, expectedTags] of cases) {
    const points = scenarioToPoints(result, env);
    assert.equal(points.length, 1);
    assert.deepEqual(points[0]!.tags, expectedTags);
  }
  for (const p of scenarioToPoints(base)) {
    assert.ok(!Object.values(p.tags).includes('SP-7f3a'), 'correlation id must not be a tag');
    assert.equal(p.fields.correlation_id, 'SP-7f3a');
  }
});
