import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { redact } from '../core/redact.ts';
import type { ResolvedChannel } from './channels/registry.ts';
import type { Notification } from './types.ts';

/**
 * Durable outbox for alert notifications: one file per notification under
 * `<dir>/pending/<channel>/<seq>.json`, written before enqueue() returns (tmp file + rename). Each
 * channel has its own delivery loop, strictly in order, with exponential backoff; a channel that is
 * down or slow holds back only its own queue and never the probes. A restart resumes from the files,
 * so nothing is lost; a notification is removed only after the receiver accepted it. Permanent
 * refusals (4xx other than 408/429) and exhausted retries move to `<dir>/dead/` with the reason.
 */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  factor: number;
  /** 0 = retry forever (the default: an alert should outlive a long receiver outage). */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 5 * 60_000, factor: 2, maxAttempts: 0 };

export interface OutboxEntry {
  id: string;
  seq: number;
  channel: string;
  notification: Notification;
  attempts: number;
  enqueuedAt: number;
  nextAttemptAt: number;
  lastError?: string;
}

export type OutboxEvent =
  | { type: 'delivered'; channel: string; id: string; attempts: number; status: number }
  | { type: 'retry'; channel: string; id: string; attempts: number; error: string; delayMs: number }
  | { type: 'dead'; channel: string; id: string; attempts: number; error: string };

export interface OutboxStats {
  pending: number;
  delivered: number;
  retries: number;
  deadLettered: number;
  byChannel: Record<string, { pending: number; lastError?: string }>;
}

export interface OutboxOptions {
  dir: string;
  channels: Map<string, ResolvedChannel>;
  retry?: Partial<RetryPolicy>;
  onEvent?: (e: OutboxEvent) => void;
}

/** Delay before attempt n+1 after n failed attempts: base·factorⁿ⁻¹ capped at max, ±20% jitter. */
export function backoffMs(attempts: number, p: RetryPolicy, random = Math.random): number {
  const raw = Math.min(p.maxMs, p.baseMs * Math.pow(p.factor, Math.max(0, attempts - 1)));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

/** Whether an HTTP status is worth retrying (the receiver may accept it later). */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

const safe = (name: string) => encodeURIComponent(name);

export class Outbox {
  private readonly retry: RetryPolicy;
  private readonly queues = new Map<string, OutboxEntry[]>();
  private readonly wakers = new Map<string, () => void>();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly lastErrors = new Map<string, string>();
  private readonly stopCtl = new AbortController();
  private seq = 0;
  private started = false;
  private delivered = 0;
  private retries = 0;
  private dead = 0;

  constructor(private readonly opts: OutboxOptions) {
    this.retry = { ...DEFAULT_RETRY, ...(opts.retry ?? {}) };
    mkdirSync(join(opts.dir, 'pending'), { recursive: true });
    mkdirSync(join(opts.dir, 'dead'), { recursive: true });
    this.load();
  }

  private load(): void {
    const pending = join(this.opts.dir, 'pending');
    for (const ch of readdirSync(pending)) {
      const dir = join(pending, ch);
      const entries: OutboxEntry[] = [];
      for (const f of readdirSync(dir)) {
        if (!f.endsWith('.json')) continue;
        try {
          entries.push(JSON.parse(readFileSync(join(dir, f), 'utf8')) as OutboxEntry);
        } catch {
          // A torn write never happens (rename is atomic); an unreadable file is kept aside, not dropped.
          renameSync(join(dir, f), join(this.opts.dir, 'dead', `${ch}-${f}.unreadable`));
        }
      }
      entries.sort((a, b) => a.seq - b.seq);
      const name = decodeURIComponent(ch);
      if (entries.length) this.queues.set(name, entries);
      for (const e of entries) this.seq = Math.max(this.seq, e.seq);
    }
    for (const f of readdirSync(join(this.opts.dir, 'dead'))) if (f.endsWith('.json')) this.dead++;
  }

  private file(e: OutboxEntry): string {
    return join(this.opts.dir, 'pending', safe(e.channel), `${String(e.seq).padStart(12, '0')}.json`);
  }

  private persist(e: OutboxEntry): void {
    const f = this.file(e);
    writeFileSync(f + '.tmp', JSON.stringify(e));
    renameSync(f + '.tmp', f);
  }

  /** Durable before it returns; delivery happens in the background. Never throws for a down receiver. */
  enqueue(channel: string, notification: Notification): OutboxEntry {
    if (!this.opts.channels.has(channel)) throw new Error(`alert channel '${channel}' is not configured`);
    const e: OutboxEntry = { id: notification.id, seq: ++this.seq, channel, notification, attempts: 0, enqueuedAt: Date.now(), nextAttemptAt: 0 };
    mkdirSync(join(this.opts.dir, 'pending', safe(channel)), { recursive: true });
    this.persist(e);
    const q = this.queues.get(channel) ?? [];
    q.push(e);
    this.queues.set(channel, q);
    if (this.started) this.ensureLoop(channel);
    this.wakers.get(channel)?.();
    return e;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const ch of this.queues.keys()) this.ensureLoop(ch);
  }

  private ensureLoop(channel: string): void {
    if (this.loops.has(channel) || this.stopCtl.signal.aborted) return;
    const p = this.loop(channel).finally(() => this.loops.delete(channel));
    this.loops.set(channel, p);
  }

  private sleep(channel: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.stopCtl.signal;
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        if (this.wakers.get(channel) === done) this.wakers.delete(channel);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      this.wakers.set(channel, done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private async loop(channel: string): Promise<void> {
    const stop = this.stopCtl.signal;
    while (!stop.aborted) {
      const q = this.queues.get(channel) ?? [];
      const head = q[0];
      if (!head) {
        await this.sleep(channel, 60_000);
        continue;
      }
      const wait = head.nextAttemptAt - Date.now();
      if (wait > 0) {
        await this.sleep(channel, wait);
        continue;
      }
      await this.attempt(head);
    }
  }

  private async attempt(e: OutboxEntry): Promise<void> {
    const ch = this.opts.channels.get(e.channel);
    if (!ch) {
      this.kill(e, `channel '${e.channel}' is no longer configured`);
      return;
    }
    const req = ch.provider.render(e.notification, ch.config as any);
    const timeoutMs = (ch.config.timeoutMs as number | undefined) ?? 10_000;
    let error: string;
    let retryable = true;
    try {
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.stopCtl.signal]),
      });
      const text = await res.text().catch(() => '');
      const ok = ch.provider.accepted ? ch.provider.accepted(res.status) : res.status >= 200 && res.status < 300;
      if (ok) {
        e.attempts++;
        this.remove(e);
        this.delivered++;
        this.lastErrors.delete(e.channel);
        this.opts.onEvent?.({ type: 'delivered', channel: e.channel, id: e.id, attempts: e.attempts, status: res.status });
        return;
      }
      retryable = retryableStatus(res.status);
      error = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    } catch (err) {
      if (this.stopCtl.signal.aborted) return; // stopping: the entry stays on disk for the next start
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      error = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${(err as Error).message}${cause?.code ? ` (${cause.code})` : ''}`;
    }
    error = redact(error);
    e.attempts++;
    e.lastError = error;
    this.lastErrors.set(e.channel, error);
    if (!retryable || (this.retry.maxAttempts > 0 && e.attempts >= this.retry.maxAttempts)) {
      this.kill(e, retryable ? `gave up after ${e.attempts} attempts: ${error}` : `refused by the receiver: ${error}`);
      return;
    }
    const delayMs = backoffMs(e.attempts, this.retry);
    e.nextAttemptAt = Date.now() + delayMs;
    this.persist(e);
    this.retries++;
    this.opts.onEvent?.({ type: 'retry', channel: e.channel, id: e.id, attempts: e.attempts, error, delayMs });
  }

  private remove(e: OutboxEntry): void {
    const q = this.queues.get(e.channel) ?? [];
    const i = q.indexOf(e);
    if (i >= 0) q.splice(i, 1);
    try {
      unlinkSync(this.file(e));
    } catch {
      /* already gone */
    }
  }

  private kill(e: OutboxEntry, reason: string): void {
    e.lastError = reason;
    const f = this.file(e);
    const target = join(this.opts.dir, 'dead', `${safe(e.channel)}-${String(e.seq).padStart(12, '0')}.json`);
    writeFileSync(target, JSON.stringify(e));
    if (existsSync(f)) unlinkSync(f);
    const q = this.queues.get(e.channel) ?? [];
    const i = q.indexOf(e);
    if (i >= 0) q.splice(i, 1);
    this.dead++;
    this.opts.onEvent?.({ type: 'dead', channel: e.channel, id: e.id, attempts: e.attempts, error: reason });
  }

  stats(): OutboxStats {
    const byChannel: OutboxStats['byChannel'] = {};
    let pending = 0;
    for (const [ch, q] of this.queues) {
      pending += q.length;
      byChannel[ch] = { pending: q.length, lastError: this.lastErrors.get(ch) };
    }
    return { pending, delivered: this.delivered, retries: this.retries, deadLettered: this.dead, byChannel };
  }

  /** Resolves true once everything pending was delivered or dead-lettered, false at the deadline. */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.stats().pending > 0) {
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  /** Stops delivery; whatever is still pending stays on disk for the next start. */
  async stop(): Promise<void> {
    this.stopCtl.abort();
    await Promise.allSettled([...this.loops.values()]);
  }
}
