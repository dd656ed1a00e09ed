import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RotationState } from './verdict.ts';

/**
 * The JWKS seen by the last run of a check, one small JSON file per (issuer or token URL, client id),
 * so rotations are noticed between runs. Holds key ids only: no secrets, no tokens.
 */
export const DEFAULT_STATE_DIR = '.syncprobe/state';

export function stateFile(stateDir: string, endpoint: string, clientId: string): string {
  const id = createHash('sha256').update(`${endpoint}\n${clientId}`).digest('hex').slice(0, 20);
  return join(stateDir, `oauth-${id}.json`);
}

export async function readRotationState(file: string): Promise<RotationState | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as Partial<RotationState>;
    if (typeof v.jwksUri !== 'string' || !Array.isArray(v.kids)) return null;
    return { jwksUri: v.jwksUri, kids: v.kids.filter((k) => typeof k === 'string'), lastTokenKid: typeof v.lastTokenKid === 'string' ? v.lastTokenKid : null, updatedAt: String(v.updatedAt ?? '') };
  } catch {
    // A damaged state file only costs the rotation comparison for one run.
    return null;
  }
}

export async function writeRotationState(file: string, state: RotationState & { endpoint: string; clientId: string }): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}
