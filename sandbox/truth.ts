/**
 * Ground truth: the true time of every business transition, by correlation id. Tests and benchmarks
 * compare what the probes measured against it. Events are stored as small tuples and turned into
 * documents only when asked for, so 10,000 transactions stay cheap.
 */
export interface TruthEvent {
  correlationId: string;
  event: string;
  system: string;
  /** ISO-8601 UTC with milliseconds. */
  at: string;
  /** The record the transition happened to (order number, message id, adjustment id). */
  ref: string;
}

type Row = [event: string, system: string, at: number, ref: string];

export interface TruthQuery {
  correlationId?: string;
  event?: string;
  ref?: string;
}

export class TruthLog {
  private readonly byCorrelation = new Map<string, Row[]>();
  private count = 0;

  record(correlationId: string, event: string, system: string, ref: string, at: number = Date.now()): void {
    let rows = this.byCorrelation.get(correlationId);
    if (!rows) this.byCorrelation.set(correlationId, (rows = []));
    rows.push([event, system, at, ref]);
    this.count++;
  }

  events(q: TruthQuery = {}): TruthEvent[] {
    const out: TruthEvent[] = [];
    const push = (cid: string, rows: Row[]) => {
      for (const [event, system, at, ref] of rows) {
        if (q.event && q.event !== event) continue;
        if (q.ref && q.ref !== ref) continue;
        out.push({ correlationId: cid, event, system, at: new Date(at).toISOString(), ref });
      }
    };
    if (q.correlationId !== undefined) push(q.correlationId, this.byCorrelation.get(q.correlationId) ?? []);
    else for (const [cid, rows] of this.byCorrelation) push(cid, rows);
    return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }

  /** Epoch ms of the first occurrence of an event for a correlation id. */
  firstAt(correlationId: string, event: string): number | undefined {
    for (const r of this.byCorrelation.get(correlationId) ?? []) if (r[0] === event) return r[2];
    return undefined;
  }

  size(): number {
    return this.count;
  }

  clear(): void {
    this.byCorrelation.clear();
    this.count = 0;
  }
}
