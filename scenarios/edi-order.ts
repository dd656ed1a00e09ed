import { ediOrderScenario } from '../src/edi/scenario.ts';

/** A trading partner's 850 through the EDI gateway: 997, ERP order in ERP units, 855, shipment, 856 with matching totals. */
export default [
  ediOrderScenario({
    shipFrom: 'EAST',
    warehouse: 'WH-EAST',
    lines: [
      { sku: 'SKU-1001', quantity: 3, uom: 'EA', unitPrice: 4.5 },
      { sku: 'SKU-1002', quantity: 2, uom: 'CA', unitPrice: 30 },
    ],
    erpLines: [
      { sku: 'SKU-1001', quantity: 3, uom: 'EA' },
      { sku: 'SKU-1002', quantity: 2, uom: 'CS12' },
    ],
  }),
];
