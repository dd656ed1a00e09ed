import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Pool } from 'undici';
import { UsageError } from '../core/errors.ts';
import type { Point, Sink, SinkStats } from '../core/outputs.ts';
import { redact } from '../core/redact.ts';
import { formatPoint } from './line-protocol.ts';
import { parseInfluxUrl, type InfluxTarget } from './influx-url.ts';
import { Spool } from './spool.ts';

/**
 * InfluxDB output, k6-style: start() health-checks the server and creates the database,
 * add() only formats and buffers (never blocks, never throws), a periodic flusher sends batches
 * with a bounded number of concurrent writes, stop() waits for the last flush.
 *
 * Line protocol is POSTed directly with undici: bench/sink.ts measured it against a plain
 * batched POST of the same points (and against the npm `influx` client, which was slower).
 *
 * When InfluxDB is unreachable, slow (a write times out, or too many points wait) or restarting,
 * points go to an append-only disk spool and everything after them follows them there until a
 * replayer has written the spool back in order; only then do writes go direct again. A batch
 * InfluxDB rejects with 400 is split in halves until the rejected points are isolated; those go
 * to a dead-letter file with InfluxDB's reason and the rest is written.
 */
export interface InfluxSinkOptions {
  /** http(s)://[user:pass@]host:port/DATABASE[?rp=POLICY] */
  url: string;
  /** The flag or config field the URL came from, for error messages. */
  where?: string;
  batchSize?: number;
  flushIntervalMs?: number;
  maxConcurrentWrites?: number;
  /** A write not answered within this is treated as InfluxDB being unavailable (its points are spooled). */
  writeTimeoutMs?: number;
  /** A /ping (at start and before replaying the spool) not answered within this means unreachable. Default: writeTimeoutMs, at most 2000. */
  pingTimeoutMs?: number;
  /** First retry delay while spooling; doubles up to retryMaxMs. */
  retryIntervalMs?: number;
  retryMaxMs?: number;
  /** More points than this waiting in memory means InfluxDB cannot keep up: spool instead. */
  maxBufferedPoints?: number;
  /** Root of the spool; each InfluxDB target gets its own directory below it. */
  spoolDir?: string;
  /** Defaults to dead-letter.jsonl in the target's spool directory. */
  deadLetterFile?: string;
  /** CA bundle (PEM) for https InfluxDB. */
  ca?: string;
  createDatabase?: boolean;
  /** Where state changes are told; defaults to stderr. Every message is redacted. */
  log?: (message: string) => void;
}

export interface InfluxSinkStats extends SinkStats {
  mode: 'live' | 'spooling';
  replayed: number;
  /** Most writes in flight at once so far (bounded by maxConcurrentWrites). */
  peakConcurrentWrites: number;
}

type Outcome =
  | { kind: 'ok' }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'rejected'; status: number; reason: string }
  | { kind: 'tooLarge' }
  | { kind: 'noDatabase'; reason: string };

const DEFAULTS = {
  batchSize: 5000,
  flushIntervalMs: 1000,
  maxConcurrentWrites: 4,
  writeTimeoutMs: 10_000,
  retryIntervalMs: 1000,
  retryMaxMs: 30_000,
  maxBufferedPoints: 100_000,
  spoolDir: '.syncprobe/spool',
};

export class InfluxSink implements Sink {
  readonly name = 'influxdb';
  readonly target: InfluxTarget;
  readonly spoolDir: string;
  readonly deadLetterFile: string;
  private readonly opts: typeof DEFAULTS & { createDatabase: boolean; pingTimeoutMs?: number };
  private readonly pool: Pool;
  private readonly writePath: string;
  private readonly spool: Spool;
  private readonly log: (message: string) => void;

  private buffer: string[] = [];
  private readonly sameMillisecond = new Map<string, number>();
  private mode: 'live' | 'spooling' = 'live';
  private started = false;
  private stopped = false;
  private inflight = new Set<Promise<void>>();
  private inflightLines = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  private pumpScheduled = false;
  private replaying: Promise<boolean> | undefined;
  private replayOffsets = new Map<string, number>();
  private deadLetterChain: Promise<void> = Promise.resolve();
  private counts = { written: 0, deadLettered: 0, failures: 0, replayed: 0, peakConcurrentWrites: 0 };

  constructor(options: InfluxSinkOptions) {
    const where = options.where ?? '--influx';
    this.target = parseInfluxUrl(options.url, where);
    this.opts = { ...DEFAULTS, createDatabase: options.createDatabase ?? true };
    for (const key of ['batchSize', 'flushIntervalMs', 'maxConcurrentWrites', 'writeTimeoutMs', 'pingTimeoutMs', 'retryIntervalMs', 'retryMaxMs', 'maxBufferedPoints'] as const) {
      const v = options[key];
      if (v === undefined) continue;
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`InfluxDB sink option ${key} must be a whole number >= 1, got ${v}`, where);
      this.opts[key] = v;
    }
    if (options.spoolDir) this.opts.spoolDir = options.spoolDir;
    this.retryDelay = this.opts.retryIntervalMs;
    const u = new URL(this.target.origin);
    const targetDir = `${u.hostname}_${u.port || (u.protocol === 'https:' ? '443' : '80')}_${this.target.database}`.replace(/[^A-Za-z0-9._-]/g, '_');
    this.spoolDir = resolve(this.opts.spoolDir, targetDir);
    this.deadLetterFile = resolve(options.deadLetterFile ?? join(this.spoolDir, 'dead-letter.jsonl'));
    this.log = (message) => (options.log ?? ((m: string) => process.stderr.write(`syncprobe: ${m}\n`)))(redact(message));
    this.spool = new Spool(this.spoolDir, this.opts.batchSize, (m) => this.log(`InfluxDB spool: ${m}`));
    this.pool = new Pool(this.target.origin, {
      connections: this.opts.maxConcurrentWrites + 1,
      headersTimeout: this.opts.writeTimeoutMs,
      bodyTimeout: this.opts.writeTimeoutMs,
      connect: options.ca ? { ca: options.ca } : undefined,
    });
    const params = new URLSearchParams({ db: this.target.database, precision: 'ns' });
    if (this.target.retentionPolicy) params.set('rp', this.target.retentionPolicy);
    this.writePath = `/write?${params}`;
  }

  async start(): Promise<void> {
    try {
      await this.spool.open();
    } catch (err) {
      throw new UsageError(`cannot use spool directory ${this.spoolDir}: ${(err as Error).message}`, 'spoolDir', 'give a writable directory for the InfluxDB spool');
    }
    this.started = true;
    const reachable = await this.ping();
    if (reachable !== true) this.enterSpooling(`not reachable at start (${reachable})`);
    else if (this.opts.createDatabase) await this.createDatabase();
    if (this.spool.size > 0 && this.mode === 'live') {
      this.log(`InfluxDB ${this.target.display}: replaying ${this.spool.size} points spooled by an earlier run`);
      this.mode = 'spooling';
      this.scheduleReplay(0);
    }
    this.flushTimer = setInterval(() => this.pump(true), this.opts.flushIntervalMs);
    this.flushTimer.unref();
  }

  /**
   * InfluxDB keeps one point per series and timestamp: two transactions observed in the same
   * millisecond with the same tags would overwrite each other. Lines are written in nanoseconds, and
   * the n-th point of a series within one millisecond gets n extra nanoseconds, so none is lost.
   */
  private uniqueInSeries(line: string): string {
    const cut = line.lastIndexOf(' ');
    const ms = line.slice(cut + 1);
    const seriesEnd = line.search(/(?<!\\) /);
    const key = `${line.slice(0, seriesEnd)} ${ms}`;
    const n = this.sameMillisecond.get(key) ?? 0;
    if (this.sameMillisecond.size >= 50_000) this.sameMillisecond.clear();
    this.sameMillisecond.set(key, n + 1);
    return `${line.slice(0, cut)} ${ms}${String(n).padStart(6, '0')}`;
  }

  add(points: Point[]): void {
    try {
      for (const p of points) {
        try {
          this.buffer.push(this.uniqueInSeries(formatPoint(p)));
        } catch (err) {
          this.deadLetter(safeJson(p), (err as Error).message, undefined);
        }
      }
      if (this.stopped) {
        // Late points are kept on disk for the next run to replay.
        this.spool.append(this.buffer.splice(0));
        return;
      }
      if (this.mode === 'live' && this.buffer.length > this.opts.maxBufferedPoints) {
        this.enterSpooling(`too slow: ${this.buffer.length} points waiting`);
      }
      if (this.buffer.length >= this.opts.batchSize || this.mode === 'spooling') this.schedulePump();
    } catch (err) {
      this.log(`InfluxDB sink could not take points: ${(err as Error).message}`);
    }
  }

  async flush(): Promise<void> {
    if (!this.started || this.stopped) return;
    for (;;) {
      if (this.mode === 'live') {
        this.pump(true);
        if (this.inflight.size > 0) {
          await Promise.race(this.inflight);
          continue;
        }
        if (this.buffer.length > 0) continue;
        if (this.mode === 'live') break;
      }
      // Writes started before the switch end (written, or spooled) within writeTimeoutMs.
      if (this.inflight.size > 0) {
        await Promise.race(this.inflight);
        continue;
      }
      if (this.buffer.length > 0) this.spool.append(this.buffer.splice(0));
      await this.spool.settled();
      // Still down: the points are safe on disk and the replayer keeps trying.
      if (!(await this.replay())) break;
      if (this.buffer.length === 0 && this.inflight.size === 0) break;
    }
    await this.spool.settled();
    await this.deadLetterChain;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    if (!this.started) {
      // Never started: whatever was added is kept on disk for a later run.
      this.stopped = true;
      this.spool.append(this.buffer.splice(0));
      await this.spool.close();
      await this.pool.close().catch(() => {});
      return;
    }
    clearInterval(this.flushTimer);
    await this.flush();
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.replaying) await this.replaying;
    await this.spool.close();
    await this.deadLetterChain;
    if (this.spool.size > 0) {
      this.log(`InfluxDB ${this.target.display} still unavailable: ${this.spool.size} points stay spooled in ${this.spoolDir}; the next run replays them`);
    }
    if (this.counts.deadLettered > 0) {
      this.log(`InfluxDB ${this.target.display}: ${this.counts.deadLettered} points rejected, written to ${this.deadLetterFile} with the reasons`);
    }
    await this.pool.close().catch(() => {});
  }

  stats(): InfluxSinkStats {
    return {
      written: this.counts.written,
      pending: this.buffer.length + this.inflightLines,
      spooled: this.spool.size,
      deadLettered: this.counts.deadLettered,
      failures: this.counts.failures,
      mode: this.mode,
      replayed: this.counts.replayed,
      peakConcurrentWrites: this.counts.peakConcurrentWrites,
    };
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump(false);
    });
  }

  /** Sends full batches (and with `partial`, the rest too) while write slots are free. */
  private pump(partial: boolean): void {
    if (!this.started || this.stopped) return;
    if (this.mode === 'spooling') {
      if (this.buffer.length > 0) this.spool.append(this.buffer.splice(0));
      return;
    }
    while (this.inflight.size < this.opts.maxConcurrentWrites && (this.buffer.length >= this.opts.batchSize || (partial && this.buffer.length > 0))) {
      this.startWrite(this.buffer.splice(0, this.opts.batchSize));
    }
  }

  private startWrite(batch: string[]): void {
    this.inflightLines += batch.length;
    const p: Promise<void> = this.writeLines(batch)
      .then((unwritten) => {
        if (unwritten.lines.length > 0) {
          this.enterSpooling(unwritten.reason);
          this.spool.append(unwritten.lines);
        }
      })
      .catch((err) => this.log(`InfluxDB write failed unexpectedly: ${(err as Error).message}`))
      .finally(() => {
        this.inflightLines -= batch.length;
        this.inflight.delete(p);
        this.pump(false);
      });
    this.inflight.add(p);
    this.counts.peakConcurrentWrites = Math.max(this.counts.peakConcurrentWrites, this.inflight.size);
  }

  /** Writes lines, bisecting rejected batches; returns what could not be written because InfluxDB is unavailable. */
  private async writeLines(lines: string[]): Promise<{ lines: string[]; reason: string }> {
    let outcome = await this.post(lines);
    if (outcome.kind === 'noDatabase' && this.opts.createDatabase && (await this.createDatabase())) outcome = await this.post(lines);
    switch (outcome.kind) {
      case 'ok':
        this.counts.written += lines.length;
        return { lines: [], reason: '' };
      case 'unavailable':
      case 'noDatabase':
        this.counts.failures++;
        return { lines, reason: outcome.reason };
      case 'rejected':
      case 'tooLarge': {
        if (outcome.kind === 'rejected') this.counts.failures++;
        if (lines.length === 1) {
          this.deadLetter(lines[0]!, outcome.kind === 'rejected' ? outcome.reason : 'request too large', outcome.kind === 'rejected' ? outcome.status : 413);
          return { lines: [], reason: '' };
        }
        const mid = Math.ceil(lines.length / 2);
        const first = await this.writeLines(lines.slice(0, mid));
        if (first.lines.length > 0) return { lines: first.lines.concat(lines.slice(mid)), reason: first.reason };
        return this.writeLines(lines.slice(mid));
      }
    }
  }

  private async post(lines: string[]): Promise<Outcome> {
    try {
      const res = await this.pool.request({
        path: this.writePath,
        method: 'POST',
        headers: this.headers({ 'content-type': 'text/plain; charset=utf-8' }),
        body: lines.join('\n'),
        signal: AbortSignal.timeout(this.opts.writeTimeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode === 204 || res.statusCode === 200) return { kind: 'ok' };
      const reason = influxError(text) ?? `HTTP ${res.statusCode}`;
      if (res.statusCode === 404 && /database not found/i.test(reason)) return { kind: 'noDatabase', reason };
      if (res.statusCode === 413) return { kind: 'tooLarge' };
      if (res.statusCode === 401 || res.statusCode === 403) return { kind: 'unavailable', reason: `authentication failed (${reason}): check the user and password in the InfluxDB URL` };
      if (res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429) {
        return { kind: 'rejected', status: res.statusCode, reason };
      }
      return { kind: 'unavailable', reason: `HTTP ${res.statusCode}: ${reason}` };
    } catch (err) {
      return { kind: 'unavailable', reason: describeTransport(err, this.opts.writeTimeoutMs) };
    }
  }

  /** true when InfluxDB answers /ping, else the reason. */
  private async ping(): Promise<true | string> {
    const timeoutMs = this.opts.pingTimeoutMs ?? Math.min(this.opts.writeTimeoutMs, 2000);
    try {
      const res = await this.pool.request({
        path: '/ping',
        method: 'GET',
        headers: this.headers({}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body.dump();
      return res.statusCode === 204 || res.statusCode === 200 ? true : `HTTP ${res.statusCode}`;
    } catch (err) {
      return describeTransport(err, timeoutMs);
    }
  }

  private async createDatabase(): Promise<boolean> {
    try {
      const res = await this.pool.request({
        path: '/query',
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
        body: new URLSearchParams({ q: `CREATE DATABASE "${this.target.database.replace(/["\\]/g, (c) => '\\' + c)}"` }).toString(),
        signal: AbortSignal.timeout(this.opts.writeTimeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode === 200 && !influxError(text)) return true;
      this.log(`InfluxDB ${this.target.display}: could not create database '${this.target.database}': ${influxError(text) ?? `HTTP ${res.statusCode}`}`);
      return false;
    } catch (err) {
      this.log(`InfluxDB ${this.target.display}: could not create database '${this.target.database}': ${describeTransport(err, this.opts.writeTimeoutMs)}`);
      return false;
    }
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return this.target.authorization ? { ...extra, authorization: this.target.authorization } : extra;
  }

  private enterSpooling(reason: string): void {
    if (this.mode === 'spooling') return;
    this.mode = 'spooling';
    this.log(`InfluxDB ${this.target.display} ${reason}: spooling points to ${this.spoolDir} and replaying them when it is back`);
    if (this.buffer.length > 0) this.spool.append(this.buffer.splice(0));
    this.retryDelay = this.opts.retryIntervalMs;
    this.scheduleReplay(this.retryDelay);
  }

  private scheduleReplay(delay: number): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      void this.replay().then((drained) => {
        if (drained || this.mode === 'live') return;
        this.retryDelay = Math.min(this.retryDelay * 2, this.opts.retryMaxMs);
        this.scheduleReplay(this.retryDelay);
      });
    }, delay);
    this.retryTimer.unref();
  }

  /** One replay pass, oldest segment first, one batch at a time. Resolves true when the spool is drained and writes are live again. */
  private replay(): Promise<boolean> {
    if (this.mode === 'live') return Promise.resolve(true);
    this.replaying ??= this.replayPass()
      .catch((err) => {
        this.log(`InfluxDB spool replay failed: ${(err as Error).message}`);
        return false;
      })
      .finally(() => {
        this.replaying = undefined;
      });
    return this.replaying;
  }

  private async replayPass(): Promise<boolean> {
    if ((await this.ping()) !== true) return false;
    for (;;) {
      if (this.buffer.length > 0) this.spool.append(this.buffer.splice(0));
      const seg = await this.spool.oldest();
      if (!seg) {
        if (this.spool.size > 0 || this.buffer.length > 0) continue;
        this.mode = 'live';
        this.retryDelay = this.opts.retryIntervalMs;
        this.log(`InfluxDB ${this.target.display} is back: ${this.counts.replayed} spooled points written so far, writing directly again`);
        this.pump(true);
        return true;
      }
      let offset = this.replayOffsets.get(seg.id) ?? 0;
      while (offset < seg.lines.length) {
        const batch = seg.lines.slice(offset, offset + this.opts.batchSize);
        const unwritten = await this.writeLines(batch);
        if (unwritten.lines.length > 0) {
          this.replayOffsets.set(seg.id, offset);
          return false;
        }
        this.counts.replayed += batch.length;
        offset += batch.length;
      }
      this.replayOffsets.delete(seg.id);
      await seg.done();
    }
  }

  private deadLetter(line: string, reason: string, status: number | undefined): void {
    this.counts.deadLettered++;
    if (this.counts.deadLettered === 1) {
      this.log(`InfluxDB ${this.target.display} rejected a point (${reason}); rejected points go to ${this.deadLetterFile}`);
    }
    const entry = { at: new Date().toISOString(), influx: this.target.display, status, reason: redact(reason), line: redact(line) };
    const file = this.deadLetterFile;
    this.deadLetterChain = this.deadLetterChain.then(async () => {
      try {
        await mkdir(dirname(file), { recursive: true });
        await appendFile(file, JSON.stringify(entry) + '\n');
      } catch (err) {
        this.log(`could not write dead-letter file ${file}: ${(err as Error).message}`);
      }
    });
  }
}

function influxError(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; results?: Array<{ error?: unknown }> };
    const e = parsed.error ?? parsed.results?.find((r) => r.error)?.error;
    return typeof e === 'string' ? e : undefined;
  } catch {
    return body.trim() ? body.trim().slice(0, 300) : undefined;
  }
}

function describeTransport(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT') {
    return `did not answer within ${timeoutMs} ms`;
  }
  const code = e?.code ?? e?.cause?.code;
  const hint = code && /CERT|SIGNATURE|ISSUER|TLS|SSL/.test(code) ? ': the certificate did not verify; give the CA bundle that signed InfluxDB\'s certificate' : '';
  return `unreachable (${code ? `${code}: ` : ''}${e?.message ?? String(err)})${hint}`;
}

function safeJson(p: Point): string {
  try {
    return JSON.stringify(p);
  } catch {
    return String(p?.measurement);
  }
}
