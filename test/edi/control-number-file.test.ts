import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlNumberFile } from '../../src/edi/index.ts';

/** Control numbers shared through a file: never one twice, across concurrent takers and processes. */
async function dir(t: { after(fn: () => unknown): void }) {
  const d = await mkdtemp(join(tmpdir(), 'syncprobe-icn-'));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

test('the first take starts from the seed; later ones go on from the file', async (t) => {
  const path = join(await dir(t), 'party.json');
  const f = new ControlNumberFile(path, () => ({ interchange: 500, group: 70, transaction: 9 }));
  assert.deepEqual(await f.take(), { interchange: 500, group: 70, transaction: 9 });
  assert.deepEqual(await new ControlNumberFile(path, () => ({ interchange: 1 })).take(), { interchange: 501, group: 71, transaction: 10 }, 'another instance reads the file, not its seed');
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { interchange: 502, group: 72, transaction: 11 });
});

test('200 concurrent takes in this process and 3 other processes taking 50 each: 350 different interchange numbers', async (t) => {
  const path = join(await dir(t), 'party.json');
  const script = `import { ControlNumberFile } from ${JSON.stringify(new URL('../../src/edi/control-numbers.ts', import.meta.url).pathname)};
const f = new ControlNumberFile(${JSON.stringify(path)}, () => ({ interchange: 1 }), { waitMs: 60000 });
const out = [];
for (let i = 0; i < 50; i++) out.push((await f.take()).interchange);
process.stdout.write(JSON.stringify(out));`;
  const child = () =>
    new Promise<number[]>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (c: Buffer) => (out += c));
      p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`taker exited with ${code}`))));
    });
  const f = new ControlNumberFile(path, () => ({ interchange: 1 }), { waitMs: 60_000 });
  const [mine, ...theirs] = await Promise.all([Promise.all(Array.from({ length: 200 }, () => f.take().then((x) => x.interchange))), child(), child(), child()]);
  const all = [...mine, ...theirs.flat()];
  assert.equal(all.length, 350);
  assert.equal(new Set(all).size, 350, 'no number taken twice');
  assert.deepEqual([...all].sort((a, b) => a - b), Array.from({ length: 350 }, (_, i) => i + 1), 'and none skipped');
});

test('a lock left by a killed process is broken once stale; a corrupt file is an error naming it', async (t) => {
  const d = await dir(t);
  const path = join(d, 'party.json');
  await writeFile(`${path}.lock`, '');
  const old = new Date(Date.now() - 60_000);
  await utimes(`${path}.lock`, old, old);
  assert.deepEqual(await new ControlNumberFile(path, () => ({ interchange: 7 })).take(), { interchange: 7, group: 1, transaction: 1 });
  await writeFile(`${path}.lock`, '');
  await assert.rejects(new ControlNumberFile(path, () => ({}), { waitMs: 100 }).take(), /stayed locked .*party\.json\.lock.*remove the lock file/);
  await rm(`${path}.lock`);
  await writeFile(path, '{"interchange": -3}');
  await assert.rejects(new ControlNumberFile(path).take(), /party\.json holds \{"interchange":-3\}.*must be a positive integer; fix or remove it/);
  await writeFile(path, 'not json');
  await assert.rejects(new ControlNumberFile(path).take(), /party\.json cannot be read .*fix or remove it/);
});
