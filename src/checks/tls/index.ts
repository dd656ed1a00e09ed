import { readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { UsageError } from '../../core/errors.ts';
import type { Point } from '../../core/outputs.ts';
import { EXIT_CODE, type CheckDocument, type Status } from '../../core/status.ts';
import { DEFAULT_THRESHOLDS, daysLeft, type CheckProblem, type ExpiryThresholds } from '../verdict.ts';
import { assessTrust, systemTrustAnchors, type Trust } from './chain.ts';
import { tlsHandshake } from './connect.ts';
import { certFacts, parsePemCertificates, type CertFacts } from './facts.ts';
import { evaluateCertificates } from './verdict.ts';

export { evaluateCertificates } from './verdict.ts';
export { assessTrust } from './chain.ts';
export { certFacts, parsePemCertificates } from './facts.ts';
export type { CertFacts } from './facts.ts';

export interface ChainEntry extends CertFacts {
  daysLeft: number;
}

export interface TlsCheckDocument extends CheckDocument {
  check: 'tls';
  target: string;
  host: string;
  port: number;
  servername: string | null;
  problems: CheckProblem[];
  daysLeft: number | null;
  chainDaysLeft: number | null;
  notBefore: string | null;
  notAfter: string | null;
  subject: string | null;
  issuer: string | null;
  sans: string[];
  /** The certificates as the server presented them, leaf first. */
  chain: ChainEntry[];
  trust: Trust | null;
  trustPath: string[];
  tlsVersion: string | null;
  cipher: string | null;
  handshakeMs: number | null;
  checkedAt: string;
}

export interface CertFileCheckDocument extends CheckDocument {
  check: 'cert-file';
  file: string;
  problems: CheckProblem[];
  daysLeft: number;
  chainDaysLeft: number;
  notBefore: string;
  notAfter: string;
  subject: string;
  issuer: string;
  sans: string[];
  certificates: ChainEntry[];
  trust: Trust | null;
  trustPath: string[];
  checkedAt: string;
}

export interface TlsCheckOptions {
  /** PEM text of the trust anchors; default: the system trust store. */
  caPem?: string;
  servername?: string;
  /** Missing fields fall back to 30 / 7 days. */
  thresholds?: Partial<ExpiryThresholds>;
  timeoutMs?: number;
  /** Clock for the verdict (tests). */
  now?: () => number;
}

export interface TlsTarget {
  host: string;
  port: number;
}

/** host:port, [v6]:port, a bare host (port 443) or an https:// URL. */
export function parseTlsTarget(raw: string): TlsTarget {
  const bad = () => new UsageError(`'${raw}' is not a TLS target`, 'target', 'give host:port (e.g. erp.example.com:443), [::1]:8443 or an https:// URL');
  const text = raw.trim();
  if (!text) throw bad();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw bad();
    }
    if (url.protocol !== 'https:') throw new UsageError(`'${raw}' is not an https:// URL`, 'target', 'a TLS check needs https:// or host:port');
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 443 };
  }
  let host = text;
  let port = 443;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1]!;
    if (v6[2]) port = Number(v6[2]);
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const m = /^([^:/\s]+)(?::(\d+))?$/.exec(text);
    if (!m) throw bad();
    host = m[1]!;
    if (m[2]) port = Number(m[2]);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`port ${port} in '${raw}' is out of range`, 'target', 'ports are 1..65535');
  return { host, port };
}

function anchorsFrom(caPem: string | undefined, where: string): X509Certificate[] {
  return caPem === undefined ? systemTrustAnchors() : parsePemCertificates(caPem, where);
}

function hostMatches(cert: X509Certificate, name: string): boolean {
  return isIP(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name) !== undefined;
}

function withDays(facts: CertFacts[], nowMs: number): ChainEntry[] {
  return facts.map((f) => ({ ...f, daysLeft: daysLeft(Date.parse(f.notAfter), nowMs) }));
}

/** The figures both TLS documents carry: the verdict and the leaf certificate's identity and validity. */
function certificateFigures(verdict: ReturnType<typeof evaluateCertificates>, leaf: CertFacts) {
  return {
    status: verdict.status,
    problems: verdict.problems,
    daysLeft: verdict.daysLeft,
    chainDaysLeft: verdict.chainDaysLeft,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    subject: leaf.subject,
    issuer: leaf.issuer,
    sans: leaf.sans,
  };
}

export async function checkTls(target: string, opts: TlsCheckOptions = {}): Promise<TlsCheckDocument> {
  const { host, port } = parseTlsTarget(target);
  const anchors = anchorsFrom(opts.caPem, '--ca');
  const thresholds = { ...DEFAULT_THRESHOLDS, ...opts.thresholds };
  const servername = opts.servername ?? host;
  const hs = await tlsHandshake({ host, port, servername, timeoutMs: opts.timeoutMs ?? 10_000 });
  const nowMs = (opts.now ?? Date.now)();
  const base = {
    check: 'tls' as const,
    target,
    host,
    port,
    servername: opts.servername ?? (isIP(host) ? null : host),
    checkedAt: new Date(nowMs).toISOString(),
  };
  if (!hs.ok) {
    return {
      ...base,
      status: 'critical',
      problems: [{ code: hs.code, message: hs.message, severity: 'critical' }],
      daysLeft: null,
      chainDaysLeft: null,
      notBefore: null,
      notAfter: null,
      subject: null,
      issuer: null,
      sans: [],
      chain: [],
      trust: null,
      trustPath: [],
      tlsVersion: null,
      cipher: null,
      handshakeMs: null,
    };
  }
  const facts = hs.presented.map(certFacts);
  const trust = assessTrust(hs.presented, anchors);
  const verdict = evaluateCertificates({
    chain: facts,
    nowMs,
    thresholds,
    trust,
    hostname: { name: servername, matches: hostMatches(hs.presented[0]!, servername) },
    tlsVersion: hs.tlsVersion,
  });
  return {
    ...base,
    ...certificateFigures(verdict, facts[0]!),
    chain: withDays(facts, nowMs),
    trust: trust.trust,
    trustPath: trust.path,
    tlsVersion: hs.tlsVersion,
    cipher: hs.cipher,
    handshakeMs: hs.handshakeMs,
  };
}

export interface CertFileCheckOptions {
  /** PEM text of trust anchors: when given, the bundle's chain is verified against them. */
  caPem?: string;
  thresholds?: Partial<ExpiryThresholds>;
  now?: () => number;
}

/** PEM (one or more certificates) or a single DER certificate, as partners send .cer files either way. */
function parseCertificateFile(bytes: Buffer, path: string): X509Certificate[] {
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN') && bytes[0] === 0x30) {
    try {
      const cert = new X509Certificate(bytes);
      certFacts(cert);
      return [cert];
    } catch (err) {
      throw new UsageError(`is neither PEM nor a DER certificate (${(err as Error).message})`, path, 'pass a PEM or DER certificate file');
    }
  }
  return parsePemCertificates(text, path);
}

/** Verdicts for a certificate file (PEM with one certificate or a bundle, leaf first; or DER). Unreadable or garbage files are a UsageError. */
export async function checkCertFile(path: string, opts: CertFileCheckOptions = {}): Promise<CertFileCheckDocument> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : `cannot be read (${(err as Error).message})`, path, 'give the path of a readable PEM certificate file');
  }
  const certs = parseCertificateFile(bytes, path);
  const nowMs = (opts.now ?? Date.now)();
  const facts = certs.map(certFacts);
  const trust = opts.caPem !== undefined ? assessTrust(certs, anchorsFrom(opts.caPem, '--ca')) : null;
  const verdict = evaluateCertificates({ chain: facts, nowMs, thresholds: { ...DEFAULT_THRESHOLDS, ...opts.thresholds }, trust, hostname: null, tlsVersion: null });
  return {
    check: 'cert-file',
    file: path,
    ...certificateFigures(verdict, facts[0]!),
    certificates: withDays(facts, nowMs),
    trust: trust?.trust ?? null,
    trustPath: trust?.path ?? [],
    checkedAt: new Date(nowMs).toISOString(),
  };
}

/** InfluxDB points for a TLS or certificate-file check: measurement tls_cert, tags target and env. */
export function toPoints(doc: TlsCheckDocument | CertFileCheckDocument, ctx: { target: string; environment: string }): Point[] {
  const fields: Point['fields'] = { status: doc.status, status_code: EXIT_CODE[doc.status as Status] };
  if (doc.daysLeft !== null) fields.days_left = doc.daysLeft;
  if (doc.chainDaysLeft !== null) fields.chain_days_left = doc.chainDaysLeft;
  if (doc.check === 'tls' && doc.handshakeMs !== null) fields.handshake_ms = doc.handshakeMs;
  fields.problems = doc.problems.map((p) => p.code).join(',');
  return [{ measurement: 'tls_cert', tags: { target: ctx.target, env: ctx.environment }, fields, timestamp: Date.parse(doc.checkedAt) }];
}
