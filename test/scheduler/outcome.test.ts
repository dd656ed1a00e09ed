import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineProbe, outcomeFromRunResult } from '../../src/scheduler/index.ts';
import type { RunResult, MilestoneResult } from '../../src/core/result.ts';

const probe = defineProbe({ name: 'stock-wh-west', scenario: 'stock-adjustment/WH-WEST', environment: 'sandbox', cron: '* * * * *' });

const ms = (name: string, status: MilestoneResult['status'], reason?: string): MilestoneResult => ({
  name, system: 'erp', status, latencyMs: null, latencyLowerMs: null, latencyUpperMs: null, slaMs: 1000,
  ...(reason ? { failure: { class: 'application' as const, reason } } : {}),
});

test('milestones not reached because an earlier one failed raise no alert key of their own', () => {
  const run: RunResult = {
    status: 'critical', environment: 'sandbox', startedAt: new Date().toISOString(), durationMs: 10,
    scenarios: [{
      name: 'stock-adjustment/WH-WEST', status: 'critical', correlationId: 'c1', tags: { warehouse: 'WH-WEST', environment: 'sandbox', flow: 'inventory' },
      startedAt: new Date().toISOString(), durationMs: 10,
      milestones: [
        ms('wms.adjusted', 'met'),
        ms('erp.onHandUpdated', 'missing', "middleware DLQ holds the inventory event with 'ERP refused the WH-WEST connector's token'"),
        ms('storefront.availabilityUpdated', 'missing', 'not reached: ERP on-hand updated is missing'),
        ms('wms.reversed', 'missing', 'not reached: the run was interrupted before it was observed'),
      ],
    }],
  };
  const outcome = outcomeFromRunResult(run, probe);
  assert.deepEqual(outcome.results.map((r) => [r.milestone, r.status]), [['wms.adjusted', 'ok'], ['erp.onHandUpdated', 'critical']]);
  assert.equal(outcome.results[1]!.impact.scope, 'warehouse');
  assert.equal(outcome.transactions?.[0]?.milestones.length, 4, 'the transaction itself keeps every milestone for reports');
});
