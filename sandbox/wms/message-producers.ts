import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Sandbox } from '../index.ts';
import type { PublishedEvent, PublishedEventName } from './published.ts';

/**
 * Makes the sandbox's real producers publish the messages of the `wms-events` pacts, and hands back
 * each message as it was sent: an inventory adjustment is posted to the WMS API (its warehouse
 * connector publishes it to the middleware, then it is reversed), a shipment confirmation follows a
 * sales order set up through the provider state until the WMS ships it and confirms it to the ERP.
 */
export interface SandboxMessage {
  content: unknown;
  metadata: Record<string, string>;
}

export type SandboxMessageProducer = ((description: string, states: Array<{ name: string; params: Record<string, unknown> }>) => Promise<SandboxMessage>) & {
  close(): Promise<void>;
};

export const MESSAGE_DESCRIPTIONS = {
  'an inventory adjustment published by a warehouse connector': 'inventory-adjusted',
  'a shipment confirmation returned by the WMS': 'shipment-confirmed',
} as const satisfies Record<string, PublishedEventName>;

export function sandboxMessageProducer(sb: Sandbox, opts: { timeoutMs?: number } = {}): SandboxMessageProducer {
  const agent = new Agent({ connect: { ca: sb.caPem } });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let seq = 0;

  /** Resolves with the first publication of `event` for the correlation id, whenever it comes. */
  const captured = (event: PublishedEventName, correlationId: string) => {
    let stop = () => {};
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<PublishedEvent>((resolve, reject) => {
      const hit = (e: PublishedEvent) => e.event === event && e.correlationId === correlationId;
      stop = sb.published.onPublish((e) => {
        if (hit(e)) resolve(e);
      });
      const already = sb.published.recent({ correlationId, event })[0];
      if (already) resolve(already);
      timer = setTimeout(() => reject(new Error(`the sandbox WMS published no ${event} event for correlation id ${correlationId} within ${timeoutMs} ms`)), timeoutMs);
    }).finally(() => {
      stop();
      clearTimeout(timer);
    });
    return promise;
  };

  const post = async (url: string, body: unknown, correlationId: string): Promise<Record<string, unknown>> => {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify(body),
      dispatcher: agent,
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`POST ${url} answered HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as Record<string, unknown>;
  };

  const producers: Record<PublishedEventName, (correlationId: string) => Promise<PublishedEvent>> = {
    'inventory-adjusted': async (correlationId) => {
      const published = captured('inventory-adjusted', correlationId);
      const adj = await post(
        `${sb.services.wms}/api/adjustments`,
        { warehouse: 'WH-EAST', item: 'SKU-1001', quantity: 5, reason: 'cycle_count', reference: `${sb.marker.prefix}PACT-ADJ-${++seq}` },
        correlationId,
      );
      try {
        return await published;
      } finally {
        // The stock is put back; the reversal is published too, under the same correlation id.
        await post(`${sb.services.wms}/api/adjustments/${String(adj.adjustmentId)}/reverse`, {}, correlationId).catch(() => undefined);
      }
    },
    'shipment-confirmed': async (correlationId) => {
      const published = captured('shipment-confirmed', correlationId);
      await post(`${sb.admin}/provider-states`, { state: 'a sales order exists', params: { externalReference: `${sb.marker.prefix}PACT-SHIP-${++seq}`, correlationId } }, correlationId);
      return published;
    },
  };

  const produce = async (description: string, states: Array<{ name: string; params: Record<string, unknown> }> = []): Promise<SandboxMessage> => {
    const event = (MESSAGE_DESCRIPTIONS as Record<string, PublishedEventName | undefined>)[description];
    if (!event) throw new Error(`the sandbox has no producer for the message '${description}' (known: ${Object.keys(MESSAGE_DESCRIPTIONS).join('; ')})`);
    const correlationId = `pact-msg-${randomUUID()}`;
    // A state the pact names is set up through the sandbox's provider-state API, as for HTTP pacts.
    for (const s of states) await post(`${sb.admin}/provider-states`, { state: s.name, params: { correlationId, ...s.params } }, correlationId);
    const e = await producers[event](correlationId);
    return { content: e.content, metadata: { contentType: e.contentType, destination: e.destination } };
  };
  return Object.assign(produce, { close: () => agent.close() });
}
