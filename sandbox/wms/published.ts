import type { ServiceUrls } from '../context.ts';

/**
 * What the WMS's producers actually sent: every publication of an inventory adjustment to the
 * middleware and every shipment confirmation to the ERP, body as it went on the wire, with its
 * metadata. Message pacts are verified against these (the producer's side of a message contract).
 */
export type PublishedEventName = 'inventory-adjusted' | 'shipment-confirmed';

export interface PublishedEvent {
  event: PublishedEventName;
  producer: string;
  correlationId: string;
  /** "POST {middleware}/events/inventory": the method and path sent, the host named by its service. */
  destination: string;
  url: string;
  contentType: string;
  /** The body as sent (parsed back from the serialized JSON). */
  content: unknown;
  attempt: number;
  sentAt: number;
  /** The receiver's HTTP status; 0 when it could not be reached. */
  status: number;
}

export type PublishObserver = (e: PublishedEvent) => void;

export class PublishedLog {
  private readonly events: PublishedEvent[] = [];
  private readonly observers = new Set<PublishObserver>();

  constructor(private readonly capacity = 500) {}

  record(e: PublishedEvent): void {
    this.events.push(e);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    for (const o of this.observers) {
      try {
        o(e);
      } catch {
        /* an observer never breaks a publication */
      }
    }
  }

  /** Returns the function that removes the observer. */
  onPublish(o: PublishObserver): () => void {
    this.observers.add(o);
    return () => this.observers.delete(o);
  }

  recent(filter: { correlationId?: string; event?: string } = {}): PublishedEvent[] {
    return this.events.filter((e) => (!filter.correlationId || e.correlationId === filter.correlationId) && (!filter.event || e.event === filter.event));
  }

  clear(): void {
    this.events.length = 0;
  }
}

/** "POST https://127.0.0.1:4102/events/inventory" -> "POST {middleware}/events/inventory". */
export function destinationOf(method: string, url: string, urls: ServiceUrls): string {
  for (const [name, base] of Object.entries(urls)) {
    if (base && url.startsWith(base)) return `${method} {${name}}${url.slice(base.replace(/\/$/, '').length)}`;
  }
  return `${method} ${url}`;
}
