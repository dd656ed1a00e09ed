import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs the syncprobe CLI as a child process (never spawnSync: the servers under test live in this
 * process and must keep answering). At most two at a time, so a busy machine slows the tests down
 * instead of timing them out.
 */
const bin = fileURLToPath(new URL('../../bin/syncprobe.js', import.meta.url));
let running = 0;
const waiting: Array<() => void> = [];

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function syncprobe(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  if (running >= 2) await new Promise<void>((r) => waiting.push(r));
  running += 1;
  try {
    return await new Promise((resolve) => {
      execFile(process.execPath, [bin, ...args], { timeout: 180_000, env: { ...process.env, ...(opts.env ?? {}) }, ...(opts.cwd ? { cwd: opts.cwd } : {}) }, (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; signal?: string }) | null;
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr: e?.signal ? `${stderr}\n[killed by ${e.signal}]` : stderr });
      });
    });
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}
