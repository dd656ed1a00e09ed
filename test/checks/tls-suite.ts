import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

/**
 * A certificate suite in the spirit of badssl.com, generated with the openssl CLI into a temporary
 * directory and served on loopback with node:tls.
 */
const run = promisify(execFile);

export const SUITE_CASES = [
  'valid',
  'expired',
  'not-yet-valid',
  'expiring-5-days',
  'wrong-host',
  'self-signed',
  'untrusted-root',
  'incomplete-chain',
  'sha1',
  'rsa-1024',
] as const;
export type SuiteCase = (typeof SUITE_CASES)[number];

export interface ServedCase {
  name: SuiteCase;
  port: number;
  /** The leaf certificate file and the chain file as served (leaf first). */
  leafPath: string;
  chainPath: string;
}

export interface Suite {
  dir: string;
  rootPath: string;
  rootPem: string;
  cases: ServedCase[];
  close(): Promise<void>;
}

const CONFIG = (dir: string) => `
[ ca ]
default_ca = ca_default
[ ca_default ]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/issued
serial = ${dir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_leaf ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, IP:127.0.0.1
[ v3_leaf_self ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[ v3_leaf_wrong ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong.host.example
`;

/** GeneralizedTime for openssl ca -startdate/-enddate, days from now. */
function at(daysFromNow: number): string {
  return new Date(Date.now() + daysFromNow * 86_400_000).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

export async function buildSuite(): Promise<Suite> {
  const dir = await mkdtemp(join(tmpdir(), 'syncprobe-tls-suite-'));
  await mkdir(join(dir, 'issued'));
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '1000\n');
  const cnf = join(dir, 'openssl.cnf');
  await writeFile(cnf, CONFIG(dir));
  const p = (f: string) => join(dir, f);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });

  const ecKey = (name: string) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(`${name}.key`));
  const selfSignedCa = async (name: string, cn: string) => {
    await ecKey(name);
    await openssl('req', '-config', cnf, '-new', '-x509', '-key', p(`${name}.key`), '-subj', `/CN=${cn}/O=syncprobe suite`, '-days', '3650', '-extensions', 'v3_ca', '-out', p(`${name}.pem`));
  };
  type Issue = { ca: string; cn: string; ext: string; start?: number; end?: number; md?: string; key?: 'ec' | 'rsa1024' };
  const request = async (name: string, o: Issue) => {
    if (o.key === 'rsa1024') await openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', p(`${name}.key`));
    else await ecKey(name);
    await openssl('req', '-config', cnf, '-new', '-key', p(`${name}.key`), '-subj', `/CN=${o.cn}/O=syncprobe suite`, '-out', p(`${name}.csr`));
  };
  // openssl ca keeps a database and serial file: signing runs one at a time.
  const sign = (name: string, o: Issue) =>
    openssl(
      'ca', '-config', cnf, '-batch', '-notext', '-cert', p(`${o.ca}.pem`), '-keyfile', p(`${o.ca}.key`), '-in', p(`${name}.csr`), '-out', p(`${name}.pem`),
      '-extensions', o.ext, '-md', o.md ?? 'sha256', '-startdate', at(o.start ?? -1), '-enddate', at(o.end ?? 365),
    );

  const leaves: Array<[string, Issue]> = [
    ['valid', { ca: 'int', cn: 'localhost', ext: 'v3_leaf' }],
    ['expired', { ca: 'int', cn: 'localhost', ext: 'v3_leaf', start: -400, end: -30 }],
    ['not-yet-valid', { ca: 'int', cn: 'localhost', ext: 'v3_leaf', start: 10, end: 400 }],
    ['expiring-5-days', { ca: 'int', cn: 'localhost', ext: 'v3_leaf', end: 5 }],
    ['wrong-host', { ca: 'int', cn: 'wrong.host.example', ext: 'v3_leaf_wrong' }],
    ['untrusted-root', { ca: 'otherroot', cn: 'localhost', ext: 'v3_leaf' }],
    ['incomplete-chain', { ca: 'int', cn: 'localhost', ext: 'v3_leaf' }],
    ['sha1', { ca: 'int', cn: 'localhost', ext: 'v3_leaf', md: 'sha1' }],
    ['rsa-1024', { ca: 'int', cn: 'localhost', ext: 'v3_leaf', key: 'rsa1024' }],
  ];
  const intermediate: Issue = { ca: 'root', cn: 'Suite Intermediate CA', ext: 'v3_ca', end: 1800 };
  await Promise.all([
    selfSignedCa('root', 'Suite Root CA'),
    selfSignedCa('otherroot', 'Untrusted Root CA'),
    request('int', intermediate),
    ...leaves.map(([name, o]) => request(name, o)),
    (async () => {
      await ecKey('self-signed');
      await openssl('req', '-config', cnf, '-new', '-x509', '-key', p('self-signed.key'), '-subj', '/CN=localhost/O=syncprobe suite', '-days', '365', '-extensions', 'v3_leaf_self', '-out', p('self-signed.pem'));
    })(),
  ]);
  await sign('int', intermediate);
  for (const [name, o] of leaves) await sign(name, o);

  const read = (f: string) => readFile(p(f), 'utf8');
  const [intPem, otherRootPem, rootPem] = await Promise.all([read('int.pem'), read('otherroot.pem'), read('root.pem')]);
  const servers: tls.Server[] = [];
  const cases: ServedCase[] = [];
  for (const name of SUITE_CASES) {
    const leafPem = await read(`${name}.pem`);
    const chain = name === 'self-signed' || name === 'incomplete-chain' ? leafPem : name === 'untrusted-root' ? leafPem + otherRootPem : leafPem + intPem;
    await writeFile(p(`${name}.chain.pem`), chain);
    // Security level 0 so the server can present SHA-1 and RSA-1024 certificates at all.
    const server = tls.createServer({ key: await read(`${name}.key`), cert: chain, ciphers: 'DEFAULT:@SECLEVEL=0' }, (s) => {
      s.on('error', () => {});
      s.end();
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    servers.push(server);
    cases.push({ name, port: (server.address() as AddressInfo).port, leafPath: p(`${name}.pem`), chainPath: p(`${name}.chain.pem`) });
  }
  return {
    dir,
    rootPath: p('root.pem'),
    rootPem,
    cases,
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** OpenSSL's verdict on a served case: the verify error number (0 when verification passed), at security level 2 whatever the system default. */
export async function opensslClientVerdict(port: number, caPath: string, hostname: string): Promise<{ code: number; text: string }> {
  const out = await new Promise<string>((resolve) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', hostname, '-verify_hostname', hostname, '-CAfile', caPath, '-verify_return_error', '-auth_level', '2'],
      { timeout: 60_000 },
      (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
    );
    child.stdin?.end();
  });
  const err = /verify error:num=(\d+):([^\n]*)/.exec(out);
  if (err) return { code: Number(err[1]), text: err[2]!.trim() };
  const rc = /Verify return code: (\d+) \(([^)]*)\)/.exec(out);
  if (rc) return { code: Number(rc[1]), text: rc[2]! };
  throw new Error(`could not read the openssl s_client verdict:\n${out}`);
}

/** openssl verify on a file: leaf plus the rest of the bundle as untrusted intermediates (no hostname). */
export async function opensslVerifyFile(leafPath: string, chainPath: string, caPath: string): Promise<{ code: number; text: string }> {
  const out = await new Promise<string>((resolve) => {
    // Security level 2 as Debian's default for TLS clients, so weak digests and keys count as they do in s_client.
    execFile('openssl', ['verify', '-auth_level', '2', '-CAfile', caPath, '-untrusted', chainPath, leafPath], { timeout: 60_000 }, (_e, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
  });
  const m = /error (\d+) at \d+ depth lookup: ([^\n]*)/.exec(out);
  if (m) return { code: Number(m[1]), text: m[2]!.trim() };
  if (/: OK\b/.test(out)) return { code: 0, text: 'ok' };
  throw new Error(`could not read the openssl verify verdict:\n${out}`);
}
