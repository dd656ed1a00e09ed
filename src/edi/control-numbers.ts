/**
 * Control numbers per sending party: ISA13 (9 digits), GS06 and ST02 each increase by one per
 * document so a partner can spot gaps and duplicates. They wrap to 1 at the field's maximum.
 */
export interface ControlNumberState {
  interchange: number;
  group: number;
  transaction: number;
}

const MAX_INTERCHANGE = 999_999_999;
const MAX_GROUP = 999_999_999;
const MAX_TRANSACTION = 9_999;

export class ControlNumbers {
  private state: ControlNumberState;

  constructor(start: Partial<ControlNumberState> = {}) {
    this.state = { interchange: start.interchange ?? 1, group: start.group ?? 1, transaction: start.transaction ?? 1 };
    for (const [k, v] of Object.entries(this.state)) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`control number start ${k}=${v} must be a positive integer`);
    }
  }

  nextInterchange(): number {
    return this.take('interchange', MAX_INTERCHANGE);
  }

  nextGroup(): number {
    return this.take('group', MAX_GROUP);
  }

  /** ST02, four digits. */
  nextTransaction(): string {
    return String(this.take('transaction', MAX_TRANSACTION)).padStart(4, '0');
  }

  /** The numbers the next document will get. */
  peek(): ControlNumberState {
    return { ...this.state };
  }

  private take(key: keyof ControlNumberState, max: number): number {
    const n = this.state[key];
    this.state[key] = n >= max ? 1 : n + 1;
    return n;
  }
}

/**
 * Control numbers kept in a file and taken under a lock file, so every process sending as the same
 * party (a scheduler, a CI run, a second host on a shared volume) gets numbers no other has used:
 * partners refuse a repeated ISA13 (TA1 025). The first use starts from `seed`; a lock left by a
 * killed process is broken after `staleMs`.
 */
export class ControlNumberFile {
  constructor(
    readonly path: string,
    private readonly seed: () => Partial<ControlNumberState> = () => ({}),
    private readonly opts: { waitMs?: number; staleMs?: number } = {},
  ) {}

  /** One interchange's numbers: ISA13, GS06 and the first ST02. */
  async take(): Promise<ControlNumberState> {
    const { mkdir, open, readFile, rename, rm, stat, writeFile } = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    await mkdir(dirname(this.path), { recursive: true });
    const lock = `${this.path}.lock`;
    const deadline = Date.now() + (this.opts.waitMs ?? 10_000);
    for (;;) {
      try {
        const h = await open(lock, 'wx');
        await h.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot lock the control number file ${lock}: ${(err as Error).message}`);
        const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > (this.opts.staleMs ?? 30_000)) {
          await rm(lock, { force: true });
          continue;
        }
        if (Date.now() > deadline) throw new Error(`the control number file ${this.path} stayed locked (${lock}) for ${this.opts.waitMs ?? 10_000} ms: is another process stuck? remove the lock file if not`);
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      }
    }
    try {
      let start: Partial<ControlNumberState>;
      try {
        start = JSON.parse(await readFile(this.path, 'utf8')) as ControlNumberState;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`the control number file ${this.path} cannot be read (${(err as Error).message}): fix or remove it`);
        start = this.seed();
      }
      let numbers: ControlNumbers;
      try {
        numbers = new ControlNumbers(start);
      } catch (err) {
        throw new Error(`the control number file ${this.path} holds ${JSON.stringify(start)}: ${(err as Error).message}; fix or remove it`);
      }
      const taken = { interchange: numbers.nextInterchange(), group: numbers.nextGroup(), transaction: Number(numbers.nextTransaction()) };
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(numbers.peek()));
      await rename(tmp, this.path);
      return taken;
    } finally {
      await rm(lock, { force: true });
    }
  }
}
