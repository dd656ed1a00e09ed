import { UsageError } from '../../src/core/errors.ts';
import { ITEM_BY_SKU, WAREHOUSES, isWarehouse } from '../catalog.ts';
import { isSynthetic, type Marker } from '../context.ts';
import type { ErpService } from '../erp/index.ts';
import { renderSalesOrder } from '../erp/versions.ts';
import { FAULTS, type FaultController } from '../faults.ts';
import { HttpError, Router, requireObject } from '../http/server.ts';
import type { Latency } from '../latency.ts';
import type { OAuthClient } from '../oauth.ts';
import type { TruthLog } from '../truth.ts';
import type { WmsService } from '../wms/index.ts';
import type { PublishedLog } from '../wms/published.ts';
import type { StorefrontService } from '../storefront/index.ts';

/**
 * The sandbox's control plane (not part of the simulated stack): faults, ground truth, latency,
 * synthetic records left behind, key rotation, client credentials for tests, Pact provider states.
 */
export interface AdminDeps {
  faults: FaultController;
  truth: TruthLog;
  latency: Latency;
  marker: Marker;
  erp: ErpService;
  wms: WmsService;
  storefront: StorefrontService;
  /** Optional so that callers built before it keep working. */
  published?: PublishedLog;
  clients: () => OAuthClient[];
  rotateKeys: (keepOld: boolean) => Promise<void>;
  reset: () => void;
}

export const PROVIDER_STATES = ['a sales order exists', 'an item exists', 'on-hand exists', 'no sales order exists', 'an outbound order exists', 'a storefront order exists'] as const;

export function adminRoutes(d: AdminDeps): Router {
  const r = new Router();
  const faultsDoc = () => ({
    faults: d.faults.list().map((f) => ({ name: f.name, value: f.value ?? null, scope: f.scope ?? null })),
    valid: Object.entries(FAULTS).map(([name, def]) => ({ name, value: def.value || null, effect: def.effect })),
  });
  const usage = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof UsageError) throw new HttpError(400, 'invalid_fault', err.describe());
      throw err;
    }
  };
  r.get('/faults', () => ({ json: faultsDoc() }));
  r.put('/faults/:name', (req) => {
    const b = req.body as { value?: unknown } | undefined;
    const value = b?.value === undefined || b.value === null ? undefined : String(b.value);
    usage(() => d.faults.set(req.params.name!, value));
    return { json: faultsDoc() };
  });
  r.delete('/faults/:name', (req) => {
    usage(() => d.faults.clear(req.params.name!));
    return { json: faultsDoc() };
  });
  r.delete('/faults', () => {
    d.faults.clear();
    return { json: faultsDoc() };
  });
  r.get('/truth', (req) => {
    const cid = req.query.get('correlationId') ?? undefined;
    const event = req.query.get('event') ?? undefined;
    if (!cid && !event) throw new HttpError(400, 'invalid_request', 'give correlationId (and optionally event)');
    return { json: { events: d.truth.events({ ...(cid ? { correlationId: cid } : {}), ...(event ? { event } : {}) }) } };
  });
  r.get('/published', (req) => {
    const cid = req.query.get('correlationId') ?? undefined;
    const event = req.query.get('event') ?? undefined;
    return { json: { events: d.published?.recent({ ...(cid ? { correlationId: cid } : {}), ...(event ? { event } : {}) }) ?? [] } };
  });
  r.get('/synthetic', () => {
    const orders = [...d.erp.orders.values()].filter((o) => o.status !== 'cancelled' && isSynthetic(d.marker, o.customer, o.externalReference));
    const adjustments = d.wms.syntheticOpen();
    return {
      json: {
        marker: d.marker,
        count: orders.length + adjustments.length,
        orders: orders.map((o) => renderSalesOrder(o, 'v1')),
        adjustments: adjustments.map((a) => d.wms.renderAdjustment(a)),
      },
    };
  });
  r.get('/latency', () => ({ json: d.latency.get() }));
  r.put('/latency', (req) => {
    try {
      return { json: d.latency.set(req.body) };
    } catch (err) {
      throw new HttpError(400, 'invalid_latency', (err as Error).message);
    }
  });
  r.post('/oauth/rotate-keys', async (req) => {
    const keepOld = (req.body as { keepOld?: unknown } | undefined)?.keepOld === true;
    await d.rotateKeys(keepOld);
    return { json: { rotated: true, keepOld } };
  });
  r.get('/clients', () => ({ json: { clients: d.clients() } }));
  r.post('/provider-states', (req) => {
    const b = requireObject(req.body, 'POST /provider-states');
    const state = String(b.state ?? '');
    const params = (b.params ?? {}) as Record<string, unknown>;
    switch (state) {
      case 'a sales order exists': {
        const o = d.erp.createOrder({
          externalReference: String(params.externalReference ?? 'SP-PACT-0001'),
          channel: String(params.channel ?? 'b2b'),
          customer: String(params.customer ?? d.marker.customer),
          correlationId: String(params.correlationId ?? `pact-${Date.now()}`),
          lines: [{ item: 'SKU-1001', quantity: 2, uom: 'EA', warehouse: 'WH-EAST' }],
        });
        return { status: 201, json: { state, orderNumber: o.orderNumber, externalReference: o.externalReference, correlationId: o.correlationId } };
      }
      case 'no sales order exists':
      case 'an item exists':
        if (state === 'an item exists' && params.sku !== undefined && !ITEM_BY_SKU.has(String(params.sku))) throw new HttpError(400, 'invalid_request', `no item '${String(params.sku)}' in the sandbox catalogue`);
        return { status: 200, json: { state } };
      case 'on-hand exists': {
        const item = String(params.item ?? 'SKU-1001');
        const warehouse = String(params.warehouse ?? 'WH-EAST');
        if (!isWarehouse(warehouse)) throw new HttpError(400, 'invalid_request', `warehouse must be one of ${WAREHOUSES.join(', ')}`);
        if (typeof params.onHand === 'number') d.erp.setOnHand(item, warehouse, params.onHand);
        return { status: 200, json: { state, item, warehouse, onHand: d.erp.getOnHand(item, warehouse) } };
      }
      case 'an outbound order exists': {
        const erpOrderNumber = params.erpOrderNumber;
        if (typeof erpOrderNumber !== 'string' || erpOrderNumber.trim() === '') throw new HttpError(400, 'invalid_request', "state 'an outbound order exists' needs params.erpOrderNumber (a non-empty string)");
        const warehouse = String(params.warehouse ?? 'WH-EAST');
        if (!isWarehouse(warehouse)) throw new HttpError(400, 'invalid_request', `warehouse must be one of ${WAREHOUSES.join(', ')}`);
        const o = d.wms.seedOutbound(erpOrderNumber, String(params.correlationId ?? `pact-${Date.now()}`), warehouse);
        return { status: 201, json: { state, erpOrderNumber, wmsOrderId: o.wmsOrderId } };
      }
      case 'a storefront order exists': {
        const poNumber = params.poNumber;
        if (typeof poNumber !== 'string' || poNumber.trim() === '') throw new HttpError(400, 'invalid_request', "state 'a storefront order exists' needs params.poNumber (a non-empty string)");
        const o = d.storefront.seedOrder(String(params.correlationId ?? `pact-${Date.now()}`), {
          customer: String(params.customer ?? d.marker.customer),
          poNumber,
          warehouse: 'EAST',
          lines: [{ sku: 'SKU-1001', quantity: 3, uom: 'EA' }],
        });
        return { status: 201, json: { state, poNumber, orderId: o.orderId, correlationId: o.correlationId } };
      }
      default:
        throw new HttpError(400, 'unknown_state', `unknown provider state '${state}'; known: ${PROVIDER_STATES.join('; ')}`);
    }
  });
  r.post('/reset', () => {
    d.reset();
    return { json: { reset: true } };
  });
  return r;
}
