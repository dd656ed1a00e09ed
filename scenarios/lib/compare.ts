import type { DataMismatch, NormalizedRecord } from '../../src/engine/index.ts';

export interface ExpectedLine {
  sku: string;
  quantity: number;
  uom: string;
  warehouse?: string;
}

/**
 * Data accuracy: the lines a system holds against what was placed — item, quantity, unit of measure
 * and warehouse, line by line. Pure.
 */
export function compareLines(expected: ExpectedLine[], actual: NormalizedRecord[] | undefined, system: string): DataMismatch[] {
  const out: DataMismatch[] = [];
  const lines = actual ?? [];
  if (lines.length !== expected.length) {
    out.push({ field: 'lines', expected: expected.length, actual: lines.length, message: `${system} holds ${lines.length} line(s), ${expected.length} placed` });
  }
  const remaining = [...lines];
  for (const e of expected) {
    const idx = remaining.findIndex((l) => l.sku === e.sku);
    if (idx < 0) {
      out.push({ field: 'lines.sku', expected: e.sku, actual: lines.map((l) => l.sku), message: `${system} has no line for ${e.sku}` });
      continue;
    }
    const l = remaining.splice(idx, 1)[0]!;
    if (typeof l.quantity !== 'number' || Math.abs(l.quantity - e.quantity) > 1e-9)
      out.push({ field: 'lines.quantity', expected: e.quantity, actual: l.quantity, message: `${e.sku} quantity ${String(l.quantity)} instead of ${e.quantity}` });
    if (l.uom !== undefined && l.uom !== e.uom) out.push({ field: 'lines.uom', expected: e.uom, actual: l.uom, message: `${e.sku} unit of measure '${String(l.uom)}' instead of '${e.uom}'` });
    if (e.warehouse && l.warehouse !== undefined && l.warehouse !== e.warehouse)
      out.push({ field: 'lines.warehouse', expected: e.warehouse, actual: l.warehouse, message: `${e.sku} ships from ${String(l.warehouse)} instead of ${e.warehouse}` });
  }
  return out;
}

export function compareValue(field: string, expected: unknown, actual: unknown, message: string): DataMismatch[] {
  return expected === actual ? [] : [{ field, expected, actual, message }];
}
