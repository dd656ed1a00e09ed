import { request } from 'node:https';
import type { TruthLog } from '../truth.ts';
import { startEdiGateway, type EdiGateway, type EdiGatewayOptions, type EdiOrder } from './index.ts';

/**
 * Puts the EDI gateway in front of a running sandbox: accepted 850s go to the middleware's order
 * channel, and the sandbox's own transitions (ERP order created, WMS shipped, read from its ground
 * truth) produce the 855, 856 and 810. The gateway's transitions are recorded in the same truth log.
 */
export interface MountableSandbox {
  services: { middleware: string; wms: string };
  caPem: string;
  truth: TruthLog;
  faults: { get(name: string): unknown };
}

export interface MountOptions {
  tls: { keyPem: string; certPem: string };
  port?: number;
  dropDir?: string;
  /** The middleware channel path 850s are delivered to; default /channels/edi/orders. */
  channelPath?: string;
  latencyMs?: EdiGatewayOptions['latencyMs'];
  /** Faults consulted before the sandbox's own (tests that cannot set edi.* on the sandbox). */
  faults?: { get(name: string): unknown };
  /** How often open purchase orders are matched against the ground truth; default 25 ms. */
  followMs?: number;
  minuteMs?: number;
  pollMs?: number;
}

export interface MountedEdiGateway extends EdiGateway {
  /** Stops following the sandbox and stops the gateway. */
  stop(): Promise<void>;
}

function httpsJson(url: string, ca: string, method: 'GET' | 'POST', body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = undefined;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = { error: { code: 'not_json', message: text.slice(0, 200) } };
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const errorText = (json: unknown) => {
  const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
  return e ? `${e.code ?? 'error'}: ${e.message ?? ''}` : 'no reason given';
};

export async function mountEdiGateway(sb: MountableSandbox, opts: MountOptions): Promise<MountedEdiGateway> {
  const channelPath = opts.channelPath ?? '/channels/edi/orders';
  const faults = { get: (n: string) => opts.faults?.get(n) ?? sb.faults.get(n) };

  const submitOrder = async (o: EdiOrder) => {
    const res = await httpsJson(
      `${sb.services.middleware}${channelPath}`,
      sb.caPem,
      'POST',
      { customer: o.buyer, poNumber: o.poNumber, ...(o.warehouse ? { warehouse: o.warehouse } : {}), lines: o.lines },
      { 'x-correlation-id': o.correlationId },
    );
    return res.status === 202 || res.status === 200 ? { accepted: true } : { accepted: false, reason: `middleware answered HTTP ${res.status}: ${errorText(res.json)}` };
  };

  const gw = await startEdiGateway({
    tls: opts.tls,
    submitOrder,
    faults,
    onEvent: (e) => sb.truth.record(e.correlationId, e.event, 'edi', e.ref, e.at),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.dropDir !== undefined ? { dropDir: opts.dropDir } : {}),
    ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
    ...(opts.minuteMs !== undefined ? { minuteMs: opts.minuteMs } : {}),
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
  });

  // Follow the sandbox's transitions for the orders that came in by EDI.
  const done = new Map<string, { created?: boolean; shipped?: boolean }>();
  let busy = false;
  const follow = async () => {
    if (busy) return;
    busy = true;
    try {
      for (const po of gw.purchaseOrders()) {
        if (po.status === 'rejected' || po.status === 'refused') continue;
        const state = done.get(po.correlationId) ?? {};
        done.set(po.correlationId, state);
        if (!state.created) {
          const created = sb.truth.events({ correlationId: po.correlationId, event: 'erp.created' })[0];
          if (created) {
            state.created = true;
            await gw.notifyOrderCreated({ correlationId: po.correlationId, orderNumber: created.ref });
          }
        }
        if (state.created && !state.shipped && sb.truth.firstAt(po.correlationId, 'wms.shipped') !== undefined) {
          state.shipped = true;
          const res = await httpsJson(`${sb.services.wms}/api/orders?correlationId=${encodeURIComponent(po.correlationId)}`, sb.caPem, 'GET');
          const items = ((res.json as { items?: Record<string, unknown>[] } | undefined)?.items ?? []).filter((o) => o.shippedAt);
          for (const o of items) {
            const lines = ((o.lines as Record<string, unknown>[] | undefined) ?? []).map((l) => ({ sku: String(l.item), quantity: Number(l.quantity), uom: String(l.uom) }));
            const asn = (o.asn as { asnNumber?: string } | null | undefined)?.asnNumber ?? String(o.wmsOrderId);
            await gw.notifyShipment({
              correlationId: po.correlationId,
              shipmentId: asn,
              ...(typeof o.shippedAt === 'string' ? { shippedAt: o.shippedAt } : {}),
              warehouse: String(o.warehouse),
              orderNumber: String(o.erpOrderNumber),
              lines,
            });
          }
        }
      }
    } catch (err) {
      process.stderr.write(`edi gateway: following the sandbox failed: ${(err as Error).message}\n`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void follow(), opts.followMs ?? 25);
  timer.unref();

  return {
    ...gw,
    reset() {
      done.clear();
      gw.reset();
    },
    async stop() {
      clearInterval(timer);
      await gw.stop();
    },
  };
}
