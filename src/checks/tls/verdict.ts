import type { Status } from '../../core/status.ts';
import { daysLeft, expirySeverity, statusOf, type CheckProblem, type ExpiryThresholds } from '../verdict.ts';
import type { TrustAssessment } from './chain.ts';
import type { CertFacts } from './facts.ts';

/**
 * Certificate verdicts: facts and thresholds in, problems out. No I/O; the same rules serve
 * `check tls` (a presented chain) and `check cert-file` (a PEM bundle).
 */
export interface CertVerdictInput {
  /** Leaf first, then the rest as presented (or as in the file). */
  chain: CertFacts[];
  nowMs: number;
  thresholds: ExpiryThresholds;
  /** null: trust not evaluated (a certificate file checked without --ca). */
  trust: TrustAssessment | null;
  /** null: no host to match (certificate files). */
  hostname: { name: string; matches: boolean } | null;
  /** Negotiated protocol, e.g. TLSv1.3; null for files. */
  tlsVersion: string | null;
}

export interface CertVerdict {
  status: Status;
  problems: CheckProblem[];
  daysLeft: number;
  chainDaysLeft: number;
}

const WEAK_HASHES = new Set(['md2', 'md4', 'md5', 'sha1']);
const LEGACY_PROTOCOLS = new Set(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1']);

function label(c: CertFacts, i: number): string {
  return i === 0 ? `the certificate (${c.subject})` : `chain certificate #${i + 1} (${c.subject})`;
}

export function minimumKeyBits(keyType: string): number | null {
  if (keyType === 'rsa' || keyType === 'rsa-pss' || keyType === 'dsa') return 2048;
  if (keyType === 'ec') return 256;
  return null;
}

export function evaluateCertificates(input: CertVerdictInput): CertVerdict {
  const { chain, nowMs, thresholds } = input;
  const leaf = chain[0];
  if (!leaf) throw new Error('evaluateCertificates needs at least one certificate');
  const problems: CheckProblem[] = [];
  const add = (severity: CheckProblem['severity'], code: string, message: string) => problems.push({ code, message, severity });

  // Validity of every certificate in the chain: a lapsed intermediate breaks the path as surely as the leaf.
  let earliest = Infinity;
  let earliestIdx = 0;
  chain.forEach((c, i) => {
    const notAfter = Date.parse(c.notAfter);
    const notBefore = Date.parse(c.notBefore);
    if (notAfter < earliest) {
      earliest = notAfter;
      earliestIdx = i;
    }
    if (notAfter <= nowMs) {
      add('critical', 'expired', `${label(c, i)} expired on ${c.notAfter} (${-daysLeft(notAfter, nowMs)} days ago): renew it and deploy the new certificate`);
    } else if (notBefore > nowMs) {
      add('critical', 'not-yet-valid', `${label(c, i)} is not valid before ${c.notBefore}: check the issuing date or this host's clock`);
    }
  });
  if (earliest > nowMs) {
    const sev = expirySeverity(earliest, nowMs, thresholds);
    if (sev) {
      const c = chain[earliestIdx]!;
      const days = daysLeft(earliest, nowMs);
      add(sev, 'expiring', `${label(c, earliestIdx)} expires on ${c.notAfter}, in ${days} day${days === 1 ? '' : 's'} (${sev} below ${sev === 'critical' ? thresholds.critDays : thresholds.warnDays} days): renew it`);
    }
  }

  if (input.hostname && !input.hostname.matches) {
    const names = leaf.sans.length ? leaf.sans.join(', ') : `no subjectAltName, subject ${leaf.subject}`;
    add('critical', 'hostname-mismatch', `the certificate is not valid for ${input.hostname.name} (it names ${names}): use --servername with a name it covers, or reissue it with this name`);
  }

  const trust = input.trust;
  if (trust) {
    if (trust.trust === 'self-signed') {
      add('critical', 'self-signed', `the certificate is self-signed (${leaf.subject}) and not trusted: use a CA-issued certificate, or pass this certificate with --ca if it is pinned on purpose`);
    } else if (trust.trust === 'untrusted-root') {
      add('critical', 'untrusted-root', `the chain ends at a root that is not trusted (${trust.path[trust.path.length - 1]}): add that root to the trust store or pass it with --ca`);
    } else if (trust.trust === 'incomplete-chain') {
      add('critical', 'incomplete-chain', `no certificate for issuer ${trust.missingIssuer} was presented and it is not a trusted root: the server probably does not send its intermediate certificate (configure the full chain), or the issuing CA is not trusted here`);
    }
  }

  chain.forEach((c, i) => {
    // A root's self-signature is never relied on, so its digest does not matter.
    if (!c.selfSigned && WEAK_HASHES.has(c.signatureHash)) {
      add('critical', 'weak-signature', `${label(c, i)} is signed with ${c.signatureAlgorithm} (${c.signatureHash.toUpperCase()}), which clients refuse: reissue it with SHA-256`);
    }
    const min = minimumKeyBits(c.keyType);
    if (min !== null && c.keyBits !== null && c.keyBits < min) {
      add('critical', 'weak-key', `${label(c, i)} has a ${c.keyBits}-bit ${c.keyType.toUpperCase()} key, below ${min} bits: reissue it with a stronger key`);
    }
  });

  if (input.tlsVersion && LEGACY_PROTOCOLS.has(input.tlsVersion)) {
    add('critical', 'legacy-protocol', `the server negotiated ${input.tlsVersion}, below TLS 1.2, which current clients refuse: enable TLS 1.2 or 1.3 on it`);
  }

  return {
    status: statusOf(problems),
    problems,
    daysLeft: daysLeft(Date.parse(leaf.notAfter), nowMs),
    chainDaysLeft: daysLeft(earliest, nowMs),
  };
}
