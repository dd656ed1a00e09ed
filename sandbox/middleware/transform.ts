import { CHANNEL_WAREHOUSES, ITEM_BY_SKU, MARKETPLACE_SKUS, UOM_EACHES, isWarehouse, type Channel, type Warehouse } from '../catalog.ts';

/**
 * The middleware's mapping from a channel order to an ERP sales order: channel SKU -> ERP SKU,
 * quantity -> the ERP's stocking unit, channel warehouse code -> ERP code. Pure: faults that corrupt
 * the mapping are passed in as options.
 */
export interface ErpOrderLine {
  item: string;
  quantity: number;
  uom: string;
  warehouse: Warehouse;
}

export interface ErpOrderDraft {
  externalReference: string;
  channel: Channel;
  customer: string;
  lines: ErpOrderLine[];
}

export interface TransformOptions {
  /** middleware.badUom: lines carry an unknown unit code. */
  badUom?: boolean;
  /** middleware.wrongWarehouse: every order goes to this warehouse. */
  wrongWarehouse?: Warehouse;
}

export class TransformationError extends Error {}

/** Intake check: the fields a channel must send, before the order is accepted. Returns the problems. */
export function intakeProblems(channel: Channel, body: unknown): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return ['a JSON object body is required'];
  const b = body as Record<string, unknown>;
  const p: string[] = [];
  const str = (f: string) => {
    if (typeof b[f] !== 'string' || (b[f] as string).trim() === '') p.push(`field '${f}' is required (a non-empty string)`);
  };
  if (channel === 'marketplace') {
    str('buyer');
    str('marketplaceOrderId');
    str('shipFrom');
    if (!Array.isArray(b.items) || b.items.length === 0) p.push("field 'items' is required (a non-empty array of {msku, qty})");
    else
      (b.items as unknown[]).forEach((it, i) => {
        const o = it as Record<string, unknown> | null;
        if (typeof o?.msku !== 'string') p.push(`items[${i}].msku is required (a string)`);
        if (typeof o?.qty !== 'number' && typeof o?.qty !== 'string') p.push(`items[${i}].qty is required (a number)`);
      });
  } else {
    str('customer');
    str('poNumber');
    str('warehouse');
    if (!Array.isArray(b.lines) || b.lines.length === 0) p.push("field 'lines' is required (a non-empty array of {sku, quantity, uom})");
    else
      (b.lines as unknown[]).forEach((l, i) => {
        const o = l as Record<string, unknown> | null;
        if (typeof o?.sku !== 'string') p.push(`lines[${i}].sku is required (a string)`);
        if (typeof o?.quantity !== 'number') p.push(`lines[${i}].quantity is required (a number)`);
      });
  }
  return p;
}

/** The channel's own reference for an order (what the ERP keeps as externalReference). */
export function channelReference(channel: Channel, body: Record<string, unknown>): string {
  return String(channel === 'marketplace' ? body.marketplaceOrderId : body.poNumber);
}

function mapWarehouse(code: unknown, opts: TransformOptions): Warehouse {
  const c = String(code ?? '');
  const wh = CHANNEL_WAREHOUSES[c] ?? (isWarehouse(c) ? c : undefined);
  if (!wh) throw new TransformationError(`unknown warehouse code '${c}' (channel codes: ${Object.keys(CHANNEL_WAREHOUSES).join(', ')})`);
  return opts.wrongWarehouse ?? wh;
}

function toStockingUnits(sku: string, quantity: number, uom: string, opts: TransformOptions, where: string): { quantity: number; uom: string } {
  const item = ITEM_BY_SKU.get(sku);
  if (!item) throw new TransformationError(`${where}: no ERP item '${sku}'`);
  if (!Number.isFinite(quantity) || quantity <= 0) throw new TransformationError(`${where}: quantity must be > 0, got ${quantity}`);
  if (opts.badUom) return { quantity, uom: 'CS12X' };
  const eachesPerUnit = UOM_EACHES[uom];
  if (eachesPerUnit === undefined) throw new TransformationError(`${where}: unknown unit of measure '${uom}' (known: ${Object.keys(UOM_EACHES).join(', ')})`);
  const q = (quantity * eachesPerUnit) / item.packSize;
  // Round away float noise (0.30000000000000004) but keep real fractions such as half a case.
  return { quantity: Math.round(q * 1e6) / 1e6, uom: item.uom };
}

export function transformOrder(channel: Channel, body: Record<string, unknown>, opts: TransformOptions = {}): ErpOrderDraft {
  if (channel === 'marketplace') {
    const warehouse = mapWarehouse(body.shipFrom, opts);
    const items = body.items as Array<{ msku: string; qty: number | string }>;
    return {
      externalReference: channelReference(channel, body),
      channel,
      customer: String(body.buyer),
      lines: items.map((it, i) => {
        const sku = MARKETPLACE_SKUS[it.msku];
        if (!sku) throw new TransformationError(`items[${i}]: no SKU mapping for marketplace SKU '${it.msku}'`);
        const q = toStockingUnits(sku, Number(it.qty), 'EA', opts, `items[${i}]`);
        return { item: sku, ...q, warehouse };
      }),
    };
  }
  const warehouse = mapWarehouse(body.warehouse, opts);
  const lines = body.lines as Array<{ sku: string; quantity: number; uom?: string }>;
  return {
    externalReference: channelReference(channel, body),
    channel,
    customer: String(body.customer),
    lines: lines.map((l, i) => {
      const item = ITEM_BY_SKU.get(l.sku);
      const q = toStockingUnits(l.sku, l.quantity, l.uom ?? item?.uom ?? 'EA', opts, `lines[${i}]`);
      return { item: l.sku, ...q, warehouse };
    }),
  };
}
