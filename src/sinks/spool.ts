import { appendFile, mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Disk spool for line-protocol lines that could not be written yet. Append-only segment files
 * (`<time>-<pid>-<instance>-<seq>.jsonl`, one JSON string per line so newlines inside string
 * fields survive), replayed oldest first. A replayed segment is deleted; a crash mid-segment
 * replays it again, which InfluxDB absorbs (same series and timestamp overwrite the same point).
 * Segments left by a process that no longer runs, or by a closed spool of this process, are
 * adopted and replayed first.
 */
/** Spool instances of this process that are still in use; a closed one's segments are up for adoption. */
const openInstances = new Set<string>();

export class Spool {
  private readonly instance = randomBytes(3).toString('hex');
  private seq = 0;
  private current: { path: string; lines: number } | undefined;
  private readonly closed: Array<{ path: string; lines: number }> = [];
  private chain: Promise<void> = Promise.resolve();
  private queuedLines = 0;
  private onDisk = 0;
  private ready: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    private readonly segmentLines: number,
    private readonly onError: (message: string) => void,
  ) {}

  /** Creates the directory and adopts segments of processes that are gone. */
  open(): Promise<void> {
    this.ready ??= (async () => {
      openInstances.add(this.instance);
      await mkdir(this.dir, { recursive: true });
      const names = (await readdir(this.dir)).filter((n) => n.endsWith('.jsonl') && /^\d+-\d+-/.test(n)).sort();
      for (const name of names) {
        const [, pidText, instance] = name.split('-');
        const pid = Number(pidText);
        if (pid === process.pid ? openInstances.has(instance!) : isAlive(pid)) continue;
        const path = join(this.dir, name);
        const text = await readFile(path, 'utf8').catch(() => '');
        const lines = text.split('\n').filter(Boolean).length;
        if (lines === 0) {
          await unlink(path).catch(() => {});
          continue;
        }
        this.closed.push({ path, lines });
        this.onDisk += lines;
      }
    })();
    return this.ready;
  }

  /** After the last append: a later spool on the same directory, in this process too, adopts what is left. */
  async close(): Promise<void> {
    await this.settled();
    openInstances.delete(this.instance);
  }

  /** Lines waiting on disk or on their way there. */
  get size(): number {
    return this.onDisk + this.queuedLines;
  }

  /** Appends in call order; never throws (a failed append is reported). */
  append(lines: string[]): void {
    if (lines.length === 0) return;
    this.queuedLines += lines.length;
    this.chain = this.chain.then(async () => {
      await this.open();
      let i = 0;
      while (i < lines.length) {
        if (!this.current || this.current.lines >= this.segmentLines) this.rotate(true);
        const seg = this.current!;
        const take = lines.slice(i, i + (this.segmentLines - seg.lines));
        try {
          await appendFile(seg.path, take.map((l) => JSON.stringify(l)).join('\n') + '\n');
          seg.lines += take.length;
          this.onDisk += take.length;
        } catch (err) {
          this.onError(`could not spool ${take.length} points to ${this.dir}: ${(err as Error).message}`);
        }
        this.queuedLines -= take.length;
        i += take.length;
      }
    });
  }

  /** Resolves when every append so far reached the disk. */
  settled(): Promise<void> {
    return this.chain;
  }

  /**
   * The oldest segment's lines, or null when the spool is empty. `done()` deletes it after the
   * caller wrote all of them. Appends made later go to a newer segment.
   */
  async oldest(): Promise<{ id: string; lines: string[]; done: () => Promise<void> } | null> {
    // Rotation runs in the append chain, so no append is ever mid-flight into the segment read here.
    this.chain = this.chain.then(() => {
      if (this.closed.length === 0 && this.current && this.current.lines > 0) this.rotate(false);
    });
    await this.chain;
    const seg = this.closed[0];
    if (!seg) return null;
    let text: string;
    try {
      text = await readFile(seg.path, 'utf8');
    } catch (err) {
      // Removed from under us (someone cleaned the directory): nothing left to replay there.
      this.onError(`spool segment ${seg.path} unreadable, skipped: ${(err as Error).message}`);
      this.closed.shift();
      this.onDisk -= seg.lines;
      return this.oldest();
    }
    const lines: string[] = [];
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      try {
        lines.push(JSON.parse(raw) as string);
      } catch {
        // A torn last line from a crash mid-append: nothing complete to replay there.
        this.onError(`skipped a damaged line in spool segment ${seg.path}`);
      }
    }
    return {
      id: seg.path,
      lines,
      done: async () => {
        await unlink(seg.path).catch(() => {});
        if (this.closed[0] === seg) this.closed.shift();
        this.onDisk -= seg.lines;
      },
    };
  }

  private rotate(openNew: boolean): void {
    if (this.current && this.current.lines > 0) this.closed.push(this.current);
    this.current = undefined;
    if (openNew) {
      const name = `${String(Date.now()).padStart(15, '0')}-${process.pid}-${this.instance}-${String(this.seq++).padStart(8, '0')}.jsonl`;
      this.current = { path: join(this.dir, name), lines: 0 };
    }
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
