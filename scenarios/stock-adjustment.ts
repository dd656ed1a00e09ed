import { stockAdjustment } from './lib/stock.ts';

/** Stock adjustment per warehouse: +5 each of SKU-1001, verified in ERP and storefront, then reversed. */
export default ['WH-EAST', 'WH-WEST', 'WH-CENTRAL'].map((warehouse) => stockAdjustment({ warehouse, item: 'SKU-1001', quantity: 5 }));
