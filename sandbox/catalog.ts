/**
 * Master data the sandbox's systems share by convention (as real systems share item and warehouse
 * codes): ERP items with their stocking unit, warehouses, and the channel-side codes the middleware maps.
 */
export interface Item {
  sku: string;
  description: string;
  /** Stocking unit of measure: quantities in the ERP, WMS and on-hand are in this unit. */
  uom: string;
  /** Eaches per stocking unit. */
  packSize: number;
}

export const ITEMS: readonly Item[] = [
  { sku: 'SKU-1001', description: 'Pallet wrap film 500 mm', uom: 'EA', packSize: 1 },
  { sku: 'SKU-1002', description: 'Nitrile gloves, case of 12 boxes', uom: 'CS12', packSize: 12 },
  { sku: 'SKU-1003', description: 'Thermal label printer ribbon', uom: 'EA', packSize: 1 },
];

export const ITEM_BY_SKU: ReadonlyMap<string, Item> = new Map(ITEMS.map((i) => [i.sku, i]));

export const WAREHOUSES = ['WH-EAST', 'WH-WEST', 'WH-CENTRAL'] as const;
export type Warehouse = (typeof WAREHOUSES)[number];

export const WAREHOUSE_NAMES: Record<Warehouse, string> = {
  'WH-EAST': 'East distribution centre',
  'WH-WEST': 'West distribution centre',
  'WH-CENTRAL': 'Central distribution centre',
};

export function isWarehouse(code: unknown): code is Warehouse {
  return typeof code === 'string' && (WAREHOUSES as readonly string[]).includes(code);
}

/** Channel-side warehouse codes -> ERP/WMS codes. */
export const CHANNEL_WAREHOUSES: Record<string, Warehouse> = { EAST: 'WH-EAST', WEST: 'WH-WEST', CENTRAL: 'WH-CENTRAL' };

/** Marketplace SKUs -> ERP SKUs. Marketplace quantities are in eaches. */
export const MARKETPLACE_SKUS: Record<string, string> = {
  'MKP-A1001': 'SKU-1001',
  'MKP-A1002': 'SKU-1002',
  'MKP-A1003': 'SKU-1003',
};

/** Units a channel may order in, as eaches per unit. */
export const UOM_EACHES: Record<string, number> = { EA: 1, CS12: 12 };

// edi: 850s from the trading-partner gateway, in the b2b body shape.
export const CHANNELS = ['storefront', 'b2b', 'marketplace', 'edi'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Opening stock per item and warehouse, in stocking units; the same in WMS, ERP and storefront at start. */
export function openingStock(sku: string, warehouse: Warehouse): number {
  const base = sku === 'SKU-1002' ? 40 : 500;
  return base + WAREHOUSES.indexOf(warehouse) * 10;
}

export const stockKey = (sku: string, warehouse: string): string => `${sku}|${warehouse}`;
