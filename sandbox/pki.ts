import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

/**
 * The sandbox's own certificate authority: a root CA and server certificates for the services,
 * generated in process (EC P-256, ECDSA with SHA-256). Clients trust the sandbox by trusting caPath.
 */
export interface Pki {
  dir: string;
  caPath: string;
  caPem: string;
  issueServerCert(opts?: IssueServerCertOptions): Promise<{ keyPem: string; certPem: string; keys: CryptoKeyPair }>;
  cleanup(): Promise<void>;
}

export interface IssueServerCertOptions {
  /** IP addresses and DNS names for the subjectAltName; default ['127.0.0.1', 'localhost']. */
  hosts?: string[];
  /** Days from now until notAfter; default 365. Negative values give an already expired certificate. */
  expiresInDays?: number;
  /** Days from now until notBefore; default -1 (valid since yesterday). Positive values give a not-yet-valid certificate. */
  notBeforeDaysFromNow?: number;
  commonName?: string;
  /** Certify this key pair again (a renewal) instead of a new one: SPKI pins on the old certificate stay valid. */
  keys?: CryptoKeyPair;
}

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

function randomSerial(): string {
  // Positive 16-byte serial: clear the top bit so DER does not read it as negative.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

export async function createPki(opts: { dir?: string; commonName?: string } = {}): Promise<Pki> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'syncprobe-pki-')));
  if (opts.dir) await mkdir(dir, { recursive: true });
  const ownsDir = !opts.dir;
  const caName = `CN=${opts.commonName ?? 'syncprobe sandbox CA'}, O=syncprobe sandbox`;
  const caKeys = (await crypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: caName,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    keys: caKeys,
    signingAlgorithm: SIGN_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const caPem = caCert.toString('pem') + '\n';
  const caPath = join(dir, 'ca.pem');
  await writeFile(caPath, caPem, { mode: 0o644 });

  return {
    dir,
    caPath,
    caPem,
    async issueServerCert(o: IssueServerCertOptions = {}) {
      const hosts = o.hosts && o.hosts.length > 0 ? o.hosts : ['127.0.0.1', 'localhost'];
      const expiresInDays = o.expiresInDays ?? 365;
      const notBeforeDays = o.notBeforeDaysFromNow ?? -1;
      const t = Date.now();
      const notBefore = new Date(t + notBeforeDays * DAY_MS);
      const notAfter = new Date(t + expiresInDays * DAY_MS);
      if (notAfter.getTime() <= notBefore.getTime()) notBefore.setTime(notAfter.getTime() - DAY_MS);
      const keys = o.keys ?? ((await crypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair);
      const san = hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: `CN=${o.commonName ?? hosts[0]}, O=syncprobe sandbox`,
        issuer: caCert.subject,
        notBefore,
        notAfter,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: SIGN_ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(san),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
          await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
        ],
      });
      const certPem = cert.toString('pem') + '\n';
      const keyPem = await privateKeyPem(keys.privateKey);
      return { keyPem, certPem, keys };
    },
    async cleanup() {
      if (ownsDir) await rm(dir, { recursive: true, force: true });
      else await rm(caPath, { force: true });
    },
  };
}
