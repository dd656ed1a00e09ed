import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const BIN = fileURLToPath(new URL('../../bin/syncprobe.js', import.meta.url));

test('syncprobe sandbox --port 0 prints one JSON line and serves HTTPS until SIGTERM', async (t) => {
  const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--latency-ms', '5', '--fault', 'erp.version=v2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code} before printing: ${stderr}`)));
  });
  const doc = JSON.parse(first);
  assert.deepEqual(Object.keys(doc.services), ['storefront', 'middleware', 'erp', 'wms', 'notifications', 'oauth', 'edi']);
  for (const url of [...Object.values<string>(doc.services), doc.admin]) assert.match(url, /^https:\/\/127\.0\.0\.1:\d+/);
  assert.match(doc.services.oauth, /\/oidc$/);
  const ca = readFileSync(doc.ca, 'utf8');
  const agent = new Agent({ connect: { ca } });
  try {
    const home = await request(doc.services.storefront + '/', { dispatcher: agent });
    assert.equal(home.statusCode, 200);
    assert.match(await home.body.text(), /data-testid="product-SKU-1001"/);
    const faults = await request(doc.admin + '/faults', { dispatcher: agent });
    assert.deepEqual(((await faults.body.json()) as { faults: Array<{ name: string }> }).faults.map((f) => f.name), ['erp.version']);
    const disco = await request(doc.services.oauth + '/.well-known/openid-configuration', { dispatcher: agent });
    assert.equal(((await disco.body.json()) as { issuer: string }).issuer, doc.services.oauth);
    const mailbox = await request(doc.services.edi + '/mailbox/SYNTHPROBE', { dispatcher: agent });
    assert.equal(mailbox.statusCode, 200);
    assert.deepEqual(await mailbox.body.json(), { documents: [] });
  } finally {
    await agent.close();
  }
  const extra: string[] = [];
  lines.on('line', (l) => extra.push(l));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.deepEqual(extra, [], 'nothing but the one JSON line on stdout');
  assert.match(stderr, /SIGTERM, stopping/);
  assert.doesNotMatch(stderr, /secret/i);
});

test('syncprobe sandbox with an unknown fault or a bad value exits 3 and lists the valid faults', async () => {
  const cases = [['--fault', 'erp.verison=v2'], ['--fault', 'inventory.delay=WH-EAST:soon'], ['--port', '-4']];
  await Promise.all(cases.map(async (args) => {
    const child = spawn(process.execPath, [BIN, 'sandbox', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 3, args.join(' '));
    assert.equal(out, '', 'nothing on stdout');
    if (args[0] === '--fault') {
      assert.match(err, new RegExp(args[1]!.split('=')[0]!.replace('.', '\\.')));
      assert.match(err, /valid faults:/);
      assert.match(err, /wms\.tokenExpired=<WH>/);
    } else assert.match(err, /--port/);
  }));
});
