import type { Point } from '../../src/core/outputs.ts';

/**
 * Points for the measurements no code writes yet (contract verification and drift), in the
 * shape dashboards/src/measurements.ts assumes and on the same timeline as the recorded runs:
 * clean before the fault, the ERP drifting after it. Replace them with their writer once it exists.
 */
export const SAMPLES_PER_PHASE = 4;

function point(measurement: string, tags: Record<string, string>, fields: Point['fields'], timestamp: number): Point {
  return { measurement, tags: { env: 'sandbox', ...tags }, fields, timestamp };
}

export function assumedPoints(from: number, faultStart: number, to: number): Point[] {
  const out: Point[] = [];
  const phases: [number, number, boolean][] = [
    [from, faultStart, false],
    [faultStart, to, true],
  ];
  for (const [start, end, faulted] of phases) {
    for (let i = 0; i < SAMPLES_PER_PHASE; i++) {
      const t = Math.round(start + ((end - start) * (i + 0.5)) / SAMPLES_PER_PHASE);
      out.push(point('contract_verification', { provider: 'erp' }, { status: faulted ? 'critical' : 'ok', interactions: 12, failures: faulted ? 2 : 0 }, t));
      out.push(point('contract_verification', { provider: 'wms' }, { status: 'ok', interactions: 8, failures: 0 }, t));
      if (faulted) out.push(point('contract_drift', { api: 'erp-sales-orders', severity: 'breaking' }, { message: 'externalReference renamed customerReference' }, t));
      else if (i === 0) out.push(point('contract_drift', { api: 'wms-orders', severity: 'info' }, { message: 'new optional field pickWave' }, t));
    }
  }
  return out;
}
