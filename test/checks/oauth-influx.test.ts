import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { createPki, type Pki } from '../../sandbox/pki.ts';
import { ERP_RESOURCE, startOAuthServer, type OAuthServer } from '../../sandbox/oauth.ts';

/** Check results written by the CLI to a real InfluxDB, read back, and searched for the secret. */
import { syncprobe as run } from './tls-cli-support.ts';

const CANARY = 'canary-influx-4Kd0-do-not-store';

let influx: Influxd;
let pki: Pki;
let idp: OAuthServer;
let server: tls.Server;
let port: number;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncprobe-check-influx-'));
  [influx, pki] = await Promise.all([startInfluxd(), createPki()]);
  idp = await startOAuthServer({ pki, clients: [{ clientId: 'wms-WH-WEST', clientSecret: CANARY, scopes: ['erp:write'] }] });
  const cert = await pki.issueServerCert({ expiresInDays: 20 });
  server = tls.createServer({ key: cert.keyPem, cert: cert.certPem }, (s) => {
    s.on('error', () => {});
    s.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  await writeFile(join(dir, 'ca.pem'), pki.caPem);
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await idp.stop();
  await influx.stop();
  await pki.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const syncprobe = (args: string[], env: Record<string, string> = {}) => run(args, { env, cwd: dir });

test('check tls and check oauth write tls_cert and oauth_client points; the secret is in none of them', async () => {
  const db = influx.database('checks');
  const [t, o] = await Promise.all([
    syncprobe(['check', 'tls', `127.0.0.1:${port}`, '--ca', join(dir, 'ca.pem'), '--influx', db, '--point-target', 'erp', '--env', 'sandbox', '--json']),
    syncprobe(
      ['check', 'oauth', '--issuer', idp.issuer, '--client-id', 'wms-WH-WEST', '--client-secret-env', 'WEST_SECRET', '--scope', 'erp:write', '--resource', ERP_RESOURCE, '--ca', join(dir, 'ca.pem'), '--influx', db, '--env', 'sandbox', '--state-dir', join(dir, 'state'), '--json'],
      { WEST_SECRET: CANARY },
    ),
  ]);
  assert.equal(t.code, 1, t.stderr);
  assert.equal(o.code, 0, o.stderr);

  const certRows = await influx.query('SELECT * FROM tls_cert', 'checks');
  const cs = certRows.results[0]!.series![0]!;
  const cRow = Object.fromEntries(cs.columns.map((c, i) => [c, cs.values[0]![i]]));
  assert.equal(cRow.target, 'erp');
  assert.equal(cRow.env, 'sandbox');
  assert.equal(cRow.days_left, 19);
  assert.equal(cRow.chain_days_left, 19);
  assert.equal(cRow.status, 'warning');

  const oauthRows = await influx.query('SELECT * FROM oauth_client', 'checks');
  const os = oauthRows.results[0]!.series![0]!;
  const oRow = Object.fromEntries(os.columns.map((c, i) => [c, os.values[0]![i]]));
  assert.equal(oRow.target, 'wms-WH-WEST');
  assert.equal(oRow.status, 'ok');
  assert.equal(oRow.lifetime_s, 3600);
  assert.equal(typeof oRow.acquire_ms, 'number');

  const everything = JSON.stringify([
    certRows,
    oauthRows,
    await influx.query('SHOW TAG VALUES WITH KEY IN ("target", "env")', 'checks'),
    await influx.query('SHOW FIELD KEYS', 'checks'),
  ]);
  assert.ok(!everything.includes(CANARY));
  assert.ok(!everything.includes(Buffer.from(`wms-WH-WEST:${CANARY}`).toString('base64')));
  for (const out of [t.stdout, t.stderr, o.stdout, o.stderr]) assert.ok(!out.includes(CANARY));
});

test('an unreachable InfluxDB does not change the verdict or the exit code', async () => {
  const r = await syncprobe(['check', 'tls', `127.0.0.1:${port}`, '--ca', join(dir, 'ca.pem'), '--influx', 'http://127.0.0.1:9/nowhere', '--json']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(JSON.parse(r.stdout).status, 'warning');
  assert.match(r.stderr, /spool/i);
});

test('a malformed --influx URL is a usage error before anything runs', async () => {
  const r = await syncprobe(['check', 'tls', `127.0.0.1:${port}`, '--influx', 'not a url']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /--influx/);
  assert.equal(r.stdout, '');
});
