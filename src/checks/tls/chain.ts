import { rootCertificates } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isSelfSigned, oneLineName } from './facts.ts';

/**
 * Path building from the certificates a server presented to a trust anchor, done here rather than
 * by the TLS stack so that a chain that fails verification can still be inspected and named.
 */
export type Trust = 'trusted' | 'self-signed' | 'untrusted-root' | 'incomplete-chain';

export interface TrustAssessment {
  trust: Trust;
  /** Subjects from the leaf to the anchor (or to where the path stops). */
  path: string[];
  /** The anchor the path ends at, when trusted. */
  anchor?: string;
  /** For incomplete-chain: the issuer that was neither presented nor trusted. */
  missingIssuer?: string;
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

export function assessTrust(presented: X509Certificate[], anchors: X509Certificate[]): TrustAssessment {
  const leaf = presented[0];
  if (!leaf) throw new Error('no certificate presented');
  const anchorPrints = new Set(anchors.map((a) => a.fingerprint256));
  const path: X509Certificate[] = [leaf];
  let current = leaf;
  for (let depth = 0; depth < 16; depth++) {
    if (anchorPrints.has(current.fingerprint256)) {
      return { trust: 'trusted', path: path.map((c) => oneLineName(c.subject)), anchor: oneLineName(current.subject) };
    }
    const anchor = anchors.find((a) => issuedBy(current, a));
    if (anchor) {
      return { trust: 'trusted', path: [...path, anchor].map((c) => oneLineName(c.subject)), anchor: oneLineName(anchor.subject) };
    }
    if (isSelfSigned(current)) {
      return { trust: path.length === 1 ? 'self-signed' : 'untrusted-root', path: path.map((c) => oneLineName(c.subject)) };
    }
    const next = presented.find((c) => !path.includes(c) && issuedBy(current, c));
    if (!next) {
      return { trust: 'incomplete-chain', path: path.map((c) => oneLineName(c.subject)), missingIssuer: oneLineName(current.issuer) };
    }
    path.push(next);
    current = next;
  }
  return { trust: 'incomplete-chain', path: path.map((c) => oneLineName(c.subject)), missingIssuer: oneLineName(current.issuer) };
}

let systemAnchors: X509Certificate[] | undefined;

const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

/**
 * The system trust store: Node's bundled Mozilla roots plus the operating system bundle
 * (SSL_CERT_FILE, or the usual Debian / Red Hat paths), parsed once.
 */
export function systemTrustAnchors(): X509Certificate[] {
  if (systemAnchors) return systemAnchors;
  const pems = [...rootCertificates];
  for (const file of [process.env.SSL_CERT_FILE, ...SYSTEM_BUNDLES]) {
    if (!file) continue;
    try {
      pems.push(...(readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []));
      break;
    } catch {
      // not present on this system
    }
  }
  const seen = new Set<string>();
  systemAnchors = pems.flatMap((pem) => {
    try {
      const c = new X509Certificate(pem);
      if (seen.has(c.fingerprint256)) return [];
      seen.add(c.fingerprint256);
      return [c];
    } catch {
      return [];
    }
  });
  return systemAnchors;
}
