import type { LookupSpec, SystemConfig } from './types.ts';
import { ediSystem } from '../edi/scenario.ts';

/**
 * The reference distribution stack (the embedded sandbox, see docs/sandbox.md) described as data:
 * where each record lives and which field holds which status and timestamp. A customer's systems are
 * described the same way in syncprobe.config.ts; this file is also the template for doing that.
 */
const time = (path: string) => ({ path, type: 'time' as const });
const num = (path: string) => ({ path, type: 'number' as const });

const inventoryTxFields: LookupSpec['fields'] = {
  id: 'id',
  item: 'item',
  warehouse: 'warehouse',
  quantity: num('quantity'),
  type: 'type',
  kind: { path: 'type', map: { cycle_count: 'adjustment', receipt: 'adjustment', reversal: 'reversal' } },
  reference: 'reference',
  correlationId: 'correlationId',
  postedAt: time('postedAt'),
  balanceAfter: num('onHandAfter'),
};

const erpLines = { path: 'lines', fields: { sku: 'item', quantity: num('quantity'), uom: 'uom', warehouse: 'warehouse' } };

function erpOrderFields(version: 'v1' | 'v2'): LookupSpec['fields'] {
  return {
    orderNumber: 'orderNumber',
    reference: version === 'v1' ? 'externalReference' : 'customerReference',
    correlationId: 'correlationId',
    channel: 'channel',
    customer: 'customer',
    // v2 renamed 'released' to 'in_fulfillment'; scenarios speak v1's vocabulary.
    status: version === 'v1' ? 'status' : { path: 'status', map: { in_fulfillment: 'released' } },
    createdAt: time('createdAt'),
    releasedAt: time('releasedAt'),
    shippedAt: time('shippedAt'),
    invoicedAt: time('invoicedAt'),
    cancelledAt: time('cancelledAt'),
  };
}

export function referenceErp(version: 'v1' | 'v2' = 'v1'): SystemConfig {
  const fields = erpOrderFields(version);
  return {
    auth: { type: 'oauth2-client-credentials', clientId: 'syncprobe-probe', clientSecretEnv: 'SYNCPROBE_ERP_CLIENT_SECRET', scope: 'erp:read erp:write', resource: 'urn:syncprobe:erp' },
    settings: { version, cancelPath: '/api/sales-orders/{orderNumber}/cancel' },
    lookups: {
      salesOrdersByReference: {
        path: '/api/sales-orders',
        query: { [version === 'v1' ? 'externalReference' : 'customerReference']: '{reference}' },
        items: 'items',
        fields,
        lines: erpLines,
        schema: `erp-${version}/sales-order-list`,
      },
      salesOrdersByCorrelation: { path: '/api/sales-orders', query: { correlationId: '{correlationId}' }, items: 'items', fields, lines: erpLines, schema: `erp-${version}/sales-order-list` },
      salesOrder: { path: '/api/sales-orders/{orderNumber}', fields, lines: erpLines, schema: `erp-${version}/sales-order` },
      onHand: {
        path: '/api/inventory/on-hand',
        query: { item: '{item}', warehouse: '{warehouse}' },
        fields: { item: 'item', warehouse: 'warehouse', onHand: num('onHand'), updatedAt: time('updatedAt') },
        schema: `erp-${version}/on-hand`,
      },
      // The stock scenario proves its adjustment by the ERP's own posting, found by correlation id:
      // `kind` tells an adjustment from its reversal, `balanceAfter` is the on-hand right after the posting.
      inventoryTransactions: {
        path: '/api/inventory/transactions',
        query: { correlationId: '{correlationId}' },
        items: 'items',
        fields: inventoryTxFields,
        schema: `erp-${version}/inventory-transactions`,
      },
      // The stock ledger of one item in one warehouse from a posting on, in posting order: what the
      // storefront may show once that posting is published, whatever else moved since.
      inventoryLedger: {
        path: '/api/inventory/transactions',
        query: { item: '{item}', warehouse: '{warehouse}', since: '{since}' },
        items: 'items',
        fields: inventoryTxFields,
        schema: `erp-${version}/inventory-transactions`,
      },
    },
  };
}

export function referenceMiddleware(): SystemConfig {
  return {
    settings: { channelPaths: { b2b: '/channels/b2b/orders', marketplace: '/channels/marketplace/orders', storefront: '/channels/storefront/orders' } },
    lookups: {
      messages: {
        path: '/messages',
        query: { correlationId: '{correlationId}' },
        items: 'messages',
        fields: {
          messageId: 'messageId',
          flow: 'flow',
          channel: 'channel',
          status: 'status',
          attempts: num('attempts'),
          acceptedAt: time('acceptedAt'),
          deliveredAt: time('deliveredAt'),
          erpOrderNumber: 'erpOrderNumber',
          reason: 'reason',
          warehouse: 'warehouse',
        },
        schema: 'middleware/messages',
      },
    },
  };
}

export function referenceWms(): SystemConfig {
  const orderFields: LookupSpec['fields'] = {
    wmsOrderId: 'wmsOrderId',
    erpOrderNumber: 'erpOrderNumber',
    warehouse: 'warehouse',
    status: 'status',
    allocatedAt: time('allocatedAt'),
    shippedAt: time('shippedAt'),
    asnNumber: 'asn.asnNumber',
    asnSentAt: time('asn.sentAt'),
    asnAcknowledged: 'asn.acknowledged',
  };
  const lines = { path: 'lines', fields: { sku: 'item', quantity: num('quantity'), uom: 'uom' } };
  return {
    settings: { adjustPath: '/api/adjustments', reversePath: '/api/adjustments/{adjustmentId}/reverse' },
    lookups: {
      ordersByErpOrder: { path: '/api/orders', query: { erpOrderNumber: '{orderNumber}' }, items: 'items', fields: orderFields, lines, schema: 'wms/orders' },
      ordersByCorrelation: { path: '/api/orders', query: { correlationId: '{correlationId}' }, items: 'items', fields: orderFields, lines, schema: 'wms/orders' },
      adjustments: {
        path: '/api/adjustments',
        query: { correlationId: '{correlationId}' },
        items: 'items',
        fields: {
          adjustmentId: 'adjustmentId',
          warehouse: 'warehouse',
          item: 'item',
          quantity: num('quantity'),
          reference: 'reference',
          adjustedAt: time('adjustedAt'),
          reverses: 'reverses',
          reversedBy: 'reversedBy',
          publicationStatus: 'publication.status',
          publicationReason: 'publication.reason',
        },
        schema: 'wms/adjustments',
      },
    },
  };
}

export function referenceStorefront(): SystemConfig {
  return {
    settings: { ordersPath: '/api/orders' },
    lookups: {
      order: {
        path: '/api/orders/{orderId}',
        fields: { orderId: 'orderId', status: 'status', updatedAt: time('updatedAt'), correlationId: 'correlationId' },
        schema: 'storefront/order',
      },
      availability: {
        path: '/api/availability',
        query: { sku: '{item}', warehouse: '{warehouse}' },
        items: 'warehouses',
        fields: { warehouse: 'warehouse', available: num('available'), updatedAt: time('updatedAt') },
        schema: 'storefront/availability',
      },
    },
  };
}

export function referenceNotifications(): SystemConfig {
  return {
    lookups: {
      notifications: {
        path: '/api/notifications',
        query: { correlationId: '{correlationId}' },
        items: 'items',
        fields: { id: 'id', type: 'type', recipient: 'recipient', orderRef: 'orderRef', erpOrderNumber: 'erpOrderNumber', sentAt: time('sentAt') },
        schema: 'notifications/list',
      },
    },
    // Every notification is also POSTed to the inbox, signed; the inbox subscribes when it starts.
    webhooks: {
      notificationSent: {
        path: '/hooks/notifications',
        fields: {
          id: 'notification.id',
          type: 'notification.type',
          recipient: 'notification.recipient',
          orderRef: 'notification.orderRef',
          erpOrderNumber: 'notification.erpOrderNumber',
          correlationId: 'notification.correlationId',
          sentAt: time('notification.sentAt'),
        },
        signature: { header: 'X-Signature-SHA256', prefix: 'sha256=', secretEnv: 'SYNCPROBE_NOTIFICATIONS_WEBHOOK_SECRET' },
        schema: 'notifications/webhook',
        subscribe: { path: '/api/webhooks', body: { url: '{url}', events: ['order_shipped'], secret: '{secret}' }, idField: 'id', unsubscribePath: '/api/webhooks/{id}' },
      },
    },
  };
}

/** The sandbox's admin API as a system: where the orphan sweep finds synthetic records (a real stack uses ERP/WMS searches). */
export function referenceHousekeeping(): SystemConfig {
  return {
    lookups: {
      syntheticOrders: {
        path: '/synthetic',
        items: 'orders',
        fields: { orderNumber: 'orderNumber', reference: 'externalReference', customer: 'customer', correlationId: 'correlationId', status: 'status', createdAt: time('createdAt') },
      },
      syntheticAdjustments: {
        path: '/synthetic',
        items: 'adjustments',
        fields: { adjustmentId: 'adjustmentId', warehouse: 'warehouse', item: 'item', quantity: num('quantity'), reference: 'reference', correlationId: 'correlationId', adjustedAt: time('adjustedAt') },
      },
    },
  };
}

export function referenceSystems(version: 'v1' | 'v2' = 'v1'): Record<string, SystemConfig> {
  return {
    storefront: referenceStorefront(),
    middleware: referenceMiddleware(),
    erp: referenceErp(version),
    wms: referenceWms(),
    notifications: referenceNotifications(),
    housekeeping: referenceHousekeeping(),
    edi: ediSystem(),
  };
}
