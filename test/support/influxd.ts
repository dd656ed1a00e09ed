import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, openSync, closeSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch } from 'undici';

/**
 * A throwaway InfluxDB 1.x for tests and benchmarks: its own config (loopback only, ephemeral
 * ports, temporary meta/data/wal dirs, no reporting, no monitor store), logs to a file in the
 * temp dir. The HTTP port is picked by influxd itself on the first start and kept across
 * restart() so that clients reconnect to the same URL.
 */
export interface Influxd {
  /** http://127.0.0.1:PORT (https with the tls option) */
  readonly url: string;
  /** The URL with a database in the path, the form the sink and --influx take. */
  database(name: string): string;
  /** Runs an InfluxQL query and returns the parsed JSON body. */
  query(q: string, db?: string): Promise<InfluxQueryResponse>;
  /** SIGTERM (SIGKILL after a timeout), then removes the temp dir. Idempotent; call it in t.after. */
  stop(): Promise<void>;
  /** Stops the server but keeps its data, so restart() brings the same database back (an outage). */
  halt(): Promise<void>;
  /** Starts it again on the same port with the same data (halting it first if it runs). */
  restart(): Promise<void>;
  /** SIGSTOP: the server holds connections but answers nothing, as a very slow server does. */
  pause(): void;
  resume(): void;
  readonly logFile: string;
}

export interface InfluxQueryResponse {
  results: Array<{ statement_id?: number; error?: string; series?: Array<{ name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }> }>;
  error?: string;
}

export function influxdPath(): string {
  const path = process.env.SYNCPROBE_INFLUXD ?? '/usr/bin/influxd';
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`influxd not found at ${path}: install Debian's influxdb package (apt-get install influxdb) or set SYNCPROBE_INFLUXD`);
  }
  return path;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test that forgets stop() must not leave an influxd behind the runner.
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

function config(dir: string, httpPort: number, level: 'info' | 'warn', auth: boolean, tls: boolean): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:0"

[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  wal-fsync-delay = "0s"
  query-log-enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = ${auth}
  https-enabled = ${tls}
  https-certificate = "${join(dir, 'server.pem')}"
  https-private-key = "${join(dir, 'server-key.pem')}"
  log-enabled = false
  pprof-enabled = false

[logging]
  level = "${level}"
  suppress-logo = true

[continuous_queries]
  enabled = false

[subscriber]
  enabled = false
`;
}

type Fetch = (url: string, init?: { method?: string; body?: string | URLSearchParams; headers?: Record<string, string>; signal?: AbortSignal }) => Promise<{ status: number; ok: boolean; text(): Promise<string>; json(): Promise<unknown> }>;

async function ping(fetchFn: Fetch, url: string): Promise<boolean> {
  try {
    const res = await fetchFn(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    await res.text();
    return res.status === 204;
  } catch {
    return false;
  }
}

export async function startInfluxd(opts: {
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  auth?: { username: string; password: string };
  /** Serve HTTPS with this certificate; the support code trusts caPem (and nothing else) itself. */
  tls?: { certPem: string; keyPem: string; caPem: string };
} = {}): Promise<Influxd> {
  const bin = influxdPath();
  const startTimeoutMs = opts.startTimeoutMs ?? 20_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
  const dir = mkdtempSync(join(tmpdir(), 'syncprobe-influxd-'));
  const confFile = join(dir, 'influxdb.conf');
  const logFile = join(dir, 'influxd.log');
  installExitHook();
  const scheme = opts.tls ? 'https' : 'http';
  let fetchFn: Fetch = fetch as unknown as Fetch;
  let agent: Agent | undefined;
  if (opts.tls) {
    writeFileSync(join(dir, 'server.pem'), opts.tls.certPem);
    writeFileSync(join(dir, 'server-key.pem'), opts.tls.keyPem, { mode: 0o600 });
    agent = new Agent({ connect: { ca: opts.tls.caPem } });
    fetchFn = ((u, init) => undiciFetch(u, { ...init, dispatcher: agent })) as Fetch;
  }

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;
  let paused = false;
  let disposed = false;

  const launch = async (): Promise<void> => {
    // The first start binds port 0 and reads the chosen port from the address line, logged at info.
    writeFileSync(confFile, config(dir, port, port === 0 ? 'info' : 'warn', Boolean(opts.auth), Boolean(opts.tls)));
    const logStart = (() => {
      try {
        return readFileSync(logFile).length;
      } catch {
        return 0;
      }
    })();
    const fd = openSync(logFile, 'a');
    const proc = spawn(bin, ['-config', confFile], { stdio: ['ignore', fd, fd], detached: false });
    closeSync(fd);
    child = proc;
    live.add(proc);
    let exitInfo: string | undefined;
    exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        exitInfo = `code ${code} signal ${signal}`;
        live.delete(proc);
        resolve();
      });
    });
    proc.once('error', (err) => {
      exitInfo = err.message;
    });

    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (exitInfo) {
        const tail = readLogTail(logFile, logStart);
        throw new Error(`influxd exited during start (${exitInfo}); log ${logFile}:\n${tail}`);
      }
      if (port === 0) {
        const m = /msg="Listening on HTTP".*?addr=127\.0\.0\.1:(\d+)/.exec(readLogTail(logFile, logStart));
        if (m) port = Number(m[1]);
      }
      if (port !== 0 && (await ping(fetchFn, `${scheme}://127.0.0.1:${port}`))) return;
      await sleep(50);
    }
    proc.kill('SIGKILL');
    await exited;
    throw new Error(`influxd did not answer /ping within ${startTimeoutMs} ms; log ${logFile}:\n${readLogTail(logFile, logStart)}`);
  };

  const halt = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    if (paused) {
      proc.kill('SIGCONT');
      paused = false;
    }
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), stopTimeoutMs);
    await exited;
    clearTimeout(timer);
    child = undefined;
  };

  try {
    await launch();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = `${scheme}://127.0.0.1:${port}`;
  if (opts.auth) {
    // The first admin user may be created without credentials; after that auth applies.
    const q = `CREATE USER "${opts.auth.username}" WITH PASSWORD '${opts.auth.password.replace(/'/g, "\\'")}' WITH ALL PRIVILEGES`;
    const res = await fetchFn(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q }) });
    const body = await res.text();
    if (!res.ok || body.includes('"error"')) {
      await halt();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`could not create the InfluxDB admin user: ${res.status} ${body}`);
    }
  }

  return {
    url,
    logFile,
    database: (name) => `${url}/${encodeURIComponent(name)}`,
    async query(q, db) {
      const params = new URLSearchParams({ q, epoch: 'ms' });
      if (db) params.set('db', db);
      const headers: Record<string, string> = opts.auth ? { authorization: 'Basic ' + Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64') } : {};
      const res = await fetchFn(`${url}/query`, { method: 'POST', body: params, headers });
      const body = (await res.json()) as InfluxQueryResponse;
      if (!res.ok || body.error) throw new Error(`influx query '${q}' failed: ${res.status} ${body.error ?? ''}`);
      const stmtError = body.results.find((r) => r.error)?.error;
      if (stmtError) throw new Error(`influx query '${q}' failed: ${stmtError}`);
      return body;
    },
    halt,
    async restart() {
      if (disposed) throw new Error('influxd was stopped for good; start a new one');
      await halt();
      await launch();
    },
    pause() {
      if (child && !paused) {
        child.kill('SIGSTOP');
        paused = true;
      }
    },
    resume() {
      if (child && paused) {
        child.kill('SIGCONT');
        paused = false;
      }
    },
    async stop() {
      disposed = true;
      await halt();
      await agent?.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLogTail(file: string, from: number): string {
  try {
    return readFileSync(file).subarray(from).toString('utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '(no log)';
  }
}
