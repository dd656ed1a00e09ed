import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * One TLS handshake that reports what the server presented, whatever its quality. Verification is
 * left to assessTrust(): the handshake runs with an empty trust store (so the peer chain is exactly
 * what was sent), rejectUnauthorized:false and security level 0 (so SHA-1, small keys and old
 * protocols can still be seen and named instead of ending in a handshake error).
 */
export interface Handshake {
  ok: true;
  presented: X509Certificate[];
  tlsVersion: string | null;
  cipher: string | null;
  handshakeMs: number;
}

export interface ConnectFailure {
  ok: false;
  code: 'unreachable' | 'not-tls' | 'timeout' | 'handshake-failed';
  message: string;
}

export async function tlsHandshake(opts: { host: string; port: number; servername?: string | undefined; timeoutMs: number }): Promise<Handshake | ConnectFailure> {
  const where = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
  const sni = opts.servername && !isIP(opts.servername) ? opts.servername : undefined;
  const started = performance.now();
  return new Promise((resolve) => {
    let tcpConnected = false;
    let settled = false;
    const socket = tls.connect({
      host: opts.host,
      port: opts.port,
      ...(sni ? { servername: sni } : {}),
      ca: [],
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    const finish = (r: Handshake | ConnectFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => {
      const secs = opts.timeoutMs / 1000;
      finish({
        ok: false,
        code: 'timeout',
        message: tcpConnected
          ? `${where} accepted the connection but did not complete a TLS handshake within ${secs}s`
          : `${where} did not accept a connection within ${secs}s (filtered port or unreachable host)`,
      });
    }, opts.timeoutMs);
    socket.once('connect', () => {
      tcpConnected = true;
    });
    socket.once('secureConnect', () => {
      const presented: X509Certificate[] = [];
      const seen = new Set<string>();
      let peer = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
      while (peer && peer.raw && !seen.has(peer.fingerprint256)) {
        seen.add(peer.fingerprint256);
        presented.push(new X509Certificate(peer.raw));
        peer = peer.issuerCertificate;
      }
      if (presented.length === 0) {
        finish({ ok: false, code: 'handshake-failed', message: `${where} completed a TLS handshake without presenting a certificate` });
        return;
      }
      finish({
        ok: true,
        presented,
        tlsVersion: socket.getProtocol() ?? null,
        cipher: socket.getCipher()?.name ?? null,
        handshakeMs: Math.round((performance.now() - started) * 10) / 10,
      });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish(classify(err, tcpConnected, where)));
    socket.once('close', () => finish({ ok: false, code: 'not-tls', message: `${where} closed the connection before a TLS handshake completed: it does not speak TLS on this port` }));
  });
}

/** OpenSSL's "80AC...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:file:line:" as "wrong version number". */
function opensslReason(message: string): string {
  const m = /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(message);
  return (m ? m[1]! : message).trim();
}

function classify(err: NodeJS.ErrnoException, tcpConnected: boolean, where: string): ConnectFailure {
  const code = err.code ?? '';
  if (!tcpConnected) {
    const why: Record<string, string> = {
      ECONNREFUSED: 'connection refused (nothing listens on this port)',
      ENOTFOUND: 'host name does not resolve',
      EAI_AGAIN: 'host name lookup failed temporarily',
      EHOSTUNREACH: 'host unreachable',
      ENETUNREACH: 'network unreachable',
      ETIMEDOUT: 'connection timed out',
      ECONNRESET: 'connection reset',
    };
    return { ok: false, code: 'unreachable', message: `${where} is unreachable: ${why[code] ?? err.message}` };
  }
  // A TLS alert from the peer proves it speaks TLS; anything else after connect means it does not.
  if (/alert|no protocols available|unsupported protocol|no shared cipher|handshake failure/i.test(err.message) && !/wrong version number|packet length too long|record layer failure|http request/i.test(err.message)) {
    const reason = opensslReason(err.message);
    const hint = /handshake failure|certificate required/i.test(reason) ? ' (a server that requires a client certificate answers this way; no protocol or cipher in common is the other usual cause)' : '';
    return { ok: false, code: 'handshake-failed', message: `${where} speaks TLS but the handshake failed: ${reason}${hint}` };
  }
  return { ok: false, code: 'not-tls', message: `${where} does not speak TLS on this port (${opensslReason(err.message)})` };
}
