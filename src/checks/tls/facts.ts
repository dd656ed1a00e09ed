import { X509Certificate } from 'node:crypto';
import { UsageError } from '../../core/errors.ts';

/**
 * What a certificate says about itself, as plain data: the verdicts work on these facts only, so
 * they can be table-tested without certificates.
 */
export interface CertFacts {
  subject: string;
  issuer: string;
  serialNumber: string;
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
  sans: string[];
  isCA: boolean;
  /** Subject equals issuer and the certificate verifies with its own key (a root, or a self-signed leaf). */
  selfSigned: boolean;
  signatureAlgorithm: string;
  /** Digest of the signature: md2, md5, sha1, sha256, ... or 'unknown'. */
  signatureHash: string;
  keyType: string;
  keyBits: number | null;
}

const SIGNATURE_OIDS: Record<string, { name: string; hash: string }> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', hash: 'md2' },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'sha1' },
  '1.3.14.3.2.29': { name: 'sha1WithRSA', hash: 'sha1' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', hash: 'sha224' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512' },
  '1.2.840.113549.1.1.10': { name: 'rsassaPss', hash: 'pss' },
  '1.2.840.10040.4.3': { name: 'dsa-with-sha1', hash: 'sha1' },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa-with-sha256', hash: 'sha256' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'sha1' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', hash: 'sha224' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512' },
  '1.3.101.112': { name: 'ED25519', hash: 'ed25519' },
  '1.3.101.113': { name: 'ED448', hash: 'ed448' },
};

const CURVE_BITS: Record<string, number> = {
  prime192v1: 192, secp192r1: 192, secp224r1: 224, prime256v1: 256, secp256r1: 256, secp256k1: 256,
  secp384r1: 384, secp521r1: 521, brainpoolP256r1: 256, brainpoolP384r1: 384, brainpoolP512r1: 512,
};

/** Reads one DER element header at `at`: tag, where its content starts and ends. */
function derElement(der: Uint8Array, at: number): { tag: number; start: number; end: number } {
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  if (start + len > der.length) throw new Error('truncated DER');
  return { tag, start, end: start + len };
}

function decodeOid(bytes: Uint8Array): string {
  const parts: number[] = [];
  let v = 0;
  for (const b of bytes) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const a = first < 80 ? Math.floor(first / 40) : 2;
  return [a, first - a * 40, ...parts].join('.');
}

/** The OID of Certificate.signatureAlgorithm (node:crypto does not expose it on Node 20). */
export function signatureAlgorithmOid(der: Uint8Array): string {
  const cert = derElement(der, 0);
  const tbs = derElement(der, cert.start);
  const alg = derElement(der, tbs.end);
  const oid = derElement(der, alg.start);
  if (cert.tag !== 0x30 || tbs.tag !== 0x30 || alg.tag !== 0x30 || oid.tag !== 0x06) throw new Error('not an X.509 certificate');
  return decodeOid(der.subarray(oid.start, oid.end));
}

/** Multi-line distinguished names from node:crypto, as one line. */
export function oneLineName(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

export function isSelfSigned(cert: X509Certificate): boolean {
  // Not checkIssued(): it also demands keyCertSign, which a self-signed server certificate lacks.
  try {
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

export function certFacts(cert: X509Certificate): CertFacts {
  const oid = signatureAlgorithmOid(cert.raw);
  const sig = SIGNATURE_OIDS[oid] ?? { name: oid, hash: 'unknown' };
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  let keyBits: number | null = null;
  if (details.modulusLength) keyBits = details.modulusLength;
  else if (details.namedCurve) keyBits = CURVE_BITS[details.namedCurve] ?? null;
  else if (key.asymmetricKeyType === 'ed25519') keyBits = 256;
  else if (key.asymmetricKeyType === 'ed448') keyBits = 448;
  const sans = (cert.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((s) => s.replace(/^IP Address:/, 'IP:'));
  return {
    subject: oneLineName(cert.subject),
    issuer: oneLineName(cert.issuer),
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    sans,
    isCA: cert.ca,
    selfSigned: isSelfSigned(cert),
    signatureAlgorithm: sig.name,
    signatureHash: sig.hash,
    keyType: key.asymmetricKeyType ?? 'unknown',
    keyBits,
  };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * Every CERTIFICATE block of a PEM text, in order. Other blocks (keys, CSRs) are skipped; a file
 * with no certificate or a block that does not parse is a UsageError naming the file.
 */
export function parsePemCertificates(text: string, where: string): X509Certificate[] {
  const certs: X509Certificate[] = [];
  let blocks = 0;
  for (const m of text.matchAll(PEM_BLOCK)) {
    blocks += 1;
    if (m[1] !== 'CERTIFICATE' && m[1] !== 'TRUSTED CERTIFICATE' && m[1] !== 'X509 CERTIFICATE') continue;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(`-----BEGIN CERTIFICATE-----${m[2]}-----END CERTIFICATE-----\n`);
      signatureAlgorithmOid(cert.raw);
    } catch (err) {
      throw new UsageError(`certificate #${certs.length + 1} does not parse (${(err as Error).message})`, where, 'expected PEM certificates (-----BEGIN CERTIFICATE-----)');
    }
    certs.push(cert);
  }
  if (certs.length === 0) {
    throw new UsageError(
      blocks > 0 ? 'contains PEM blocks but no certificate' : 'is not a PEM file: no -----BEGIN CERTIFICATE----- block found',
      where,
      'pass a PEM file with one or more certificates (convert DER with: openssl x509 -inform der -in FILE -out FILE.pem)',
    );
  }
  return certs;
}
