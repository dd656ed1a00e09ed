import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startInfluxd } from '../support/influxd.ts';
import { contractVerificationPoint, driftPoints, specChangePoints } from '../../src/contracts/points.ts';
import { writePoints } from '../../src/cli/commands/check-contract.ts';
import { SchemaRegistry, DEFAULT_CONTRACTS_DIR } from '../../src/contracts/schemas.ts';
import { diffSpecs } from '../../src/contracts/spec-diff.ts';
import { loadOpenApi } from '../../src/contracts/openapi.ts';
import type { ContractDocument } from '../../src/contracts/verify.ts';

const doc = (provider: string, passed: number, failed: number): ContractDocument => ({
  status: failed ? 'critical' : 'ok',
  problems: [],
  provider,
  baseUrl: 'https://127.0.0.1:1',
  pactFiles: [],
  interactions: [],
  passed,
  failed,
  durationMs: 1,
});

test('contract points land in InfluxDB in the shape the Contracts dashboard queries', async (t) => {
  const influx = await startInfluxd();
  const spoolDir = mkdtempSync(join(tmpdir(), 'syncprobe-contract-spool-'));
  t.after(async () => {
    await influx.stop();
    rmSync(spoolDir, { recursive: true, force: true });
  });
  const registry = SchemaRegistry.load();
  const v2Order = {
    orderNumber: 'SO-1', customerReference: 'SP-1', correlationId: 'c', channel: 'b2b', customer: 'SYNTHETIC-PROBE', status: 'in_fulfillment',
    createdAt: '2026-12-03T10:00:00.000Z', lines: [{ lineNo: 1, item: 'SKU-1001', quantity: '2.000', uom: 'EA', warehouse: 'WH-EAST' }], lotNumber: 'L1',
  };
  const findings = registry.validate('erp-v1/sales-order', v2Order);
  const diff = diffSpecs(loadOpenApi(join(DEFAULT_CONTRACTS_DIR, 'openapi/erp-v1.yaml')), loadOpenApi(join(DEFAULT_CONTRACTS_DIR, 'openapi/erp-v2.yaml')));
  const at = Date.now() - 60_000;
  const points = [
    contractVerificationPoint(doc('erp', 3, 3), 'sandbox-v2', at),
    contractVerificationPoint(doc('wms', 4, 0), 'sandbox-v2', at),
    ...driftPoints(findings, { api: 'erp', env: 'sandbox-v2', where: 'GET /api/sales-orders/SO-1', at }),
    ...specChangePoints('erp', [...diff.breaking, ...diff.compatible], 'release-check', at),
  ];
  await writePoints(influx.database('syncprobe'), points, { spoolDir });

  const v = await influx.query(`SELECT last("status") AS "status", last("interactions") AS "interactions", last("failures") AS "failures" FROM "contract_verification" WHERE "env" = 'sandbox-v2' GROUP BY "provider"`, 'syncprobe');
  const byProvider = new Map(v.results[0]!.series!.map((s) => [s.tags!.provider, s.values[0]!.slice(1)]));
  assert.deepEqual(byProvider.get('erp'), ['critical', 6, 3]);
  assert.deepEqual(byProvider.get('wms'), ['ok', 4, 0]);

  const d = await influx.query(`SELECT count("message") AS "events" FROM "contract_drift" WHERE "env" = 'sandbox-v2' AND "api" = 'erp' GROUP BY "severity"`, 'syncprobe');
  const bySeverity = new Map(d.results[0]!.series!.map((s) => [s.tags!.severity, s.values[0]![1]]));
  assert.equal(bySeverity.get('breaking'), findings.filter((f) => f.classification === 'breaking').length);
  assert.equal(bySeverity.get('compatible'), 1);
  const messages = await influx.query(`SELECT "message" FROM "contract_drift" WHERE "env" = 'sandbox-v2' AND "severity" = 'breaking'`, 'syncprobe');
  assert.ok(messages.results[0]!.series![0]!.values.some((row) => /GET \/api\/sales-orders\/SO-1 \/externalReference: required field 'externalReference' is missing; it looks renamed to 'customerReference'/.test(String(row[1]))));

  const s = await influx.query(`SELECT count("message") FROM "contract_drift" WHERE "env" = 'release-check' GROUP BY "severity"`, 'syncprobe');
  const spec = new Map(s.results[0]!.series!.map((x) => [x.tags!.severity, x.values[0]![1]]));
  assert.equal(spec.get('breaking'), diff.breaking.length);
  assert.equal(spec.get('compatible'), diff.compatible.length);
});
