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
