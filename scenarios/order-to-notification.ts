import { orderToNotification, placeJson } from './lib/orders.ts';
import { placeInStorefront } from './lib/storefront-ui.ts';

/**
 * Order to notification, one scenario per channel. Each places a synthetic order (the marker
 * customer, a reference with the marker prefix) and follows it to the customer notification.
 */
const channelPath = (ctx: { system(n: string): { system: { settings?: Record<string, unknown> } } }, channel: string) =>
  ((ctx.system('middleware').system.settings?.channelPaths ?? {}) as Record<string, string>)[channel] ?? `/channels/${channel}/orders`;

export default [
  orderToNotification({
    channel: 'b2b',
    warehouse: 'WH-EAST',
    expectedLines: [{ sku: 'SKU-1002', quantity: 2, uom: 'CS12', warehouse: 'WH-EAST' }],
    place: {
      name: 'place B2B order',
      system: 'middleware',
      run: (ctx) =>
        placeJson(ctx, 'middleware', channelPath(ctx, 'b2b'), { customer: ctx.marker.customer, poNumber: ctx.reference, warehouse: 'EAST', lines: [{ sku: 'SKU-1002', quantity: 2, uom: 'CS12' }] }, 'messageId'),
    },
  }),
  orderToNotification({
    channel: 'marketplace',
    warehouse: 'WH-WEST',
    // Marketplace quantities are eaches: 6 gloves are half a case of 12 in the ERP's stocking unit.
    expectedLines: [
      { sku: 'SKU-1001', quantity: 3, uom: 'EA', warehouse: 'WH-WEST' },
      { sku: 'SKU-1002', quantity: 0.5, uom: 'CS12', warehouse: 'WH-WEST' },
    ],
    place: {
      name: 'place marketplace order',
      system: 'middleware',
      run: (ctx) =>
        placeJson(
          ctx,
          'middleware',
          channelPath(ctx, 'marketplace'),
          { buyer: ctx.marker.customer, marketplaceOrderId: ctx.reference, shipFrom: 'WEST', items: [{ msku: 'MKP-A1001', qty: 3.0 }, { msku: 'MKP-A1002', qty: 6 }] },
          'messageId',
        ),
    },
  }),
  orderToNotification({
    channel: 'storefront',
    warehouse: 'WH-CENTRAL',
    labels: ['ui'],
    runAlone: true,
    expectedLines: [{ sku: 'SKU-1001', quantity: 2, uom: 'EA', warehouse: 'WH-CENTRAL' }],
    place: { name: 'checkout in the storefront (browser)', system: 'storefront', run: (ctx) => placeInStorefront(ctx, { sku: 'SKU-1001', quantity: 2, warehouse: 'CENTRAL' }) },
  }),
];
