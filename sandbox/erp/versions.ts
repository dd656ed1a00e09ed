import { isWarehouse, ITEM_BY_SKU, type Warehouse } from '../catalog.ts';

/**
 * The ERP's two API versions. v2 is the vendor release with realistic drift against v1:
 * `externalReference` renamed `customerReference`, `lines[].quantity` a decimal string,
 * `salesChannel` required on create, and status `released` removed (`in_fulfillment` instead).
 * Pure: representation and request validation only.
 */
export type ErpVersion = 'v1' | 'v2';
export type SalesOrderStatus = 'created' | 'released' | 'shipped' | 'invoiced' | 'cancelled';

export interface SalesOrderLine {
  lineNo: number;
  item: string;
  quantity: number;
  uom: string;
  warehouse: Warehouse;
}

export interface SalesOrder {
  orderNumber: string;
  externalReference: string;
  correlationId: string;
  channel: string;
  customer: string;
  status: SalesOrderStatus;
  createdAt: number;
  releasedAt: number | null;
  shippedAt: number | null;
  invoicedAt: number | null;
  cancelledAt: number | null;
  asnNumber: string | null;
  lines: SalesOrderLine[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function renderSalesOrder(o: SalesOrder, version: ErpVersion): Record<string, unknown> {
  const common = {
    orderNumber: o.orderNumber,
    correlationId: o.correlationId,
    channel: o.channel,
    customer: o.customer,
    createdAt: iso(o.createdAt),
    releasedAt: iso(o.releasedAt),
    shippedAt: iso(o.shippedAt),
    invoicedAt: iso(o.invoicedAt),
    cancelledAt: iso(o.cancelledAt),
  };
  if (version === 'v1') {
    return { ...common, externalReference: o.externalReference, status: o.status, lines: o.lines.map((l) => ({ ...l })) };
  }
  return {
    ...common,
    customerReference: o.externalReference,
    status: o.status === 'released' ? 'in_fulfillment' : o.status,
    lines: o.lines.map((l) => ({ ...l, quantity: l.quantity.toFixed(3) })),
  };
}

export interface CreateRequest {
  externalReference: string;
  channel: string;
  customer: string;
  correlationId?: string;
  lines: Array<{ item: string; quantity: number; uom: string; warehouse: Warehouse }>;
}

export class RequestProblem extends Error {
  constructor(
    readonly status: 400 | 422,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Validates a create request of the given version; throws RequestProblem (400 shape, 422 business rule). */
export function parseCreateRequest(body: unknown, version: ErpVersion, opts: { rejectDecimal?: boolean } = {}): CreateRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RequestProblem(400, 'invalid_request', 'a JSON object body is required');
  const b = body as Record<string, unknown>;
  const refField = version === 'v1' ? 'externalReference' : 'customerReference';
  const required = version === 'v1' ? ['externalReference', 'channel', 'customer'] : ['customerReference', 'salesChannel', 'customer'];
  const missing = required.filter((f) => typeof b[f] !== 'string' || (b[f] as string).trim() === '');
  if (missing.length) throw new RequestProblem(400, 'invalid_request', `API ${version}: required field(s) missing: ${missing.join(', ')}`);
  if (!Array.isArray(b.lines) || b.lines.length === 0) throw new RequestProblem(400, 'invalid_request', `API ${version}: 'lines' must be a non-empty array`);
  const lines = (b.lines as unknown[]).map((raw, i) => {
    const l = (raw ?? {}) as Record<string, unknown>;
    const quantity = version === 'v2' && typeof l.quantity === 'string' ? Number(l.quantity) : l.quantity;
    if (typeof quantity !== 'number' || !Number.isFinite(quantity) || quantity <= 0) {
      throw new RequestProblem(400, 'invalid_request', `lines[${i}].quantity must be a number > 0${version === 'v2' ? ' (or a decimal string)' : ''}`);
    }
    const item = ITEM_BY_SKU.get(String(l.item));
    if (!item) throw new RequestProblem(422, 'unknown_item', `lines[${i}].item: no item '${String(l.item)}'`);
    if (l.uom !== item.uom) throw new RequestProblem(422, 'invalid_uom', `lines[${i}].uom: '${String(l.uom)}' is not the stocking unit of ${item.sku} (${item.uom})`);
    if (!isWarehouse(l.warehouse)) throw new RequestProblem(422, 'unknown_warehouse', `lines[${i}].warehouse: no warehouse '${String(l.warehouse)}'`);
    if (opts.rejectDecimal && !Number.isInteger(quantity)) {
      throw new RequestProblem(422, 'decimal_quantity', `lines[${i}].quantity ${quantity} ${item.uom}: ${item.sku} is sold in whole ${item.uom === 'EA' ? 'units' : 'case packs'}`);
    }
    return { item: item.sku, quantity, uom: item.uom, warehouse: l.warehouse };
  });
  return {
    externalReference: String(b[refField]),
    channel: String(version === 'v1' ? b.channel : b.salesChannel),
    customer: String(b.customer),
    ...(typeof b.correlationId === 'string' ? { correlationId: b.correlationId } : {}),
    lines,
  };
}
