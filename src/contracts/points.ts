import type { Point } from '../core/outputs.ts';
import { redact } from '../core/redact.ts';
import type { DriftFinding } from './drift.ts';
import type { ContractDocument } from './verify.ts';
import type { SpecChange } from './spec-diff.ts';

/**
 * InfluxDB points of the contract checks, in the shape the Contracts dashboard reads
 * (dashboards/src/measurements.ts): contract_verification per provider, contract_drift per finding.
 */
export function contractVerificationPoint(doc: ContractDocument, env: string, at: number = Date.now()): Point {
  return {
    measurement: 'contract_verification',
    tags: { provider: doc.provider, env },
    fields: { status: doc.status, interactions: doc.passed + doc.failed, failures: doc.failed },
    timestamp: at,
  };
}

/** One point per live drift finding; `api` is the system (erp, wms...). */
export function driftPoints(findings: readonly DriftFinding[], opts: { api: string; env: string; where?: string; at?: number }): Point[] {
  const at = opts.at ?? Date.now();
  return findings.map((f, i) => ({
    measurement: 'contract_drift',
    tags: { api: opts.api, severity: f.classification, env: opts.env },
    fields: { message: redact(`${opts.where ? `${opts.where} ` : ''}${f.pointer || '/'}: ${f.message}`) },
    // Distinct timestamps: points with equal tags and time would overwrite each other.
    timestamp: at + i,
  }));
}

/** Spec changes of a vendor release as drift events of the candidate environment. */
export function specChangePoints(system: string, changes: readonly SpecChange[], env: string, at: number = Date.now()): Point[] {
  return changes
    .filter((c) => c.severity !== 'informational')
    .map((c, i) => ({
      measurement: 'contract_drift',
      tags: { api: system, severity: c.severity, env },
      fields: { message: redact(`${c.operation} ${c.location}: ${c.message}`) },
      timestamp: at + i,
    }));
}
