import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { UsageError } from '../core/errors.ts';
import { redact, registerSecret } from '../core/redact.ts';
import type { CheckDocument } from '../core/status.ts';
import { TokenSource, type ResolvedOAuth } from '../http/oauth.ts';
import { isHttpInteraction, loadPactDir, pactsForProvider, parsePactFile, statesOf, type PactFile } from './pacts.ts';
import { interpretVerification, parseVerifierOutput, type InteractionReport, type PlannedInteraction, type VerifierJson } from './verify-report.ts';
import { DEFAULT_CONTRACTS_DIR } from './schemas.ts';

/**
 * Provider verification: replays the pacts of one provider against a live base URL with the Pact
 * verifier (native core, in process), setting provider states through the provider's own API and
 * sending a current OAuth bearer with every request.
 *
 * The verifier talks plain HTTP to a loopback forwarder, and the forwarder talks HTTPS to the provider
 * with the provider's CA (never with verification off): the native core then needs no trust settings,
 * and the trust is scoped to this one verification instead of the process.
 */
export const DEFAULT_PACTS_DIR = join(DEFAULT_CONTRACTS_DIR, 'pacts');

export interface VerifyOptions {
  provider: string;
  baseUrl: string;
  /** Directory of pact files (default contracts/pacts) or explicit files. */
  pactsDir?: string;
  pactFiles?: string[];
  /** PEM of the CA the provider's certificate chains to, in addition to the system trust store. */
  caPem?: string;
  /** OAuth client credentials: a bearer is put on every replayed request. */
  auth?: ResolvedOAuth;
  /** The provider's own state-setup endpoint: POST {state, params}; its JSON answer feeds provider-state values. */
  providerStatesUrl?: string;
  /** Per request, ms. */
  timeoutMs?: number;
}

export interface ContractDocument extends CheckDocument {
  provider: string;
  baseUrl: string;
  pactFiles: string[];
  interactions: InteractionReport[];
  passed: number;
  failed: number;
  durationMs: number;
}

function planned(pacts: PactFile[]): PlannedInteraction[] {
  return pacts.flatMap((p) =>
    p.interactions.filter(isHttpInteraction).map((i) => ({
      description: i.description,
      states: statesOf(i).map((s) => s.name),
      method: i.request!.method.toUpperCase(),
      path: i.request!.path,
      ...(i.pending ? { pending: true } : {}),
    })),
  );
}

function transportReason(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  const code = e.cause?.code ?? e.code;
  const msg = e.cause?.message ?? e.message ?? String(err);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'ETIMEDOUT') return 'timed out';
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return `TLS: ${msg} (pass the provider's CA with --ca FILE)`;
  return msg;
}

/** Undefined when the endpoint answers at all (any status); otherwise why it cannot be reached. */
export async function unreachableReason(url: string, caPem?: string, timeoutMs = 10_000): Promise<string | undefined> {
  const dispatcher = new Agent({ connect: caPem ? { ca: caPem } : {}, connectTimeout: timeoutMs });
  try {
    return await reachable(url, dispatcher, timeoutMs);
  } finally {
    await dispatcher.close();
  }
}

/** A monitored endpoint that cannot be reached is a finding about it (critical), not an evaluation failure. */
async function reachable(baseUrl: string, dispatcher: Agent, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await request(baseUrl, { method: 'GET', dispatcher, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await res.body.dump();
    return undefined;
  } catch (err) {
    return transportReason(err);
  }
}

function baseDocument(opts: VerifyOptions, files: string[], started: number): { provider: string; baseUrl: string; pactFiles: string[]; durationMs: number } {
  return { provider: opts.provider, baseUrl: opts.baseUrl, pactFiles: files, durationMs: Date.now() - started };
}

/** Selects the pacts, checks the inputs; UsageError (exit 3) for anything syncprobe cannot evaluate. */
export function selectPacts(opts: Pick<VerifyOptions, 'provider' | 'pactsDir' | 'pactFiles'>): PactFile[] {
  const dir = opts.pactsDir ?? DEFAULT_PACTS_DIR;
  const all = opts.pactFiles ? opts.pactFiles.map(parsePactFile) : loadPactDir(dir);
  const mine = pactsForProvider(all, opts.provider, opts.pactFiles ? opts.pactFiles.join(', ') : dir);
  if (!mine.some((p) => p.interactions.some(isHttpInteraction))) {
    throw new UsageError(`the pacts of '${opts.provider}' hold no HTTP interactions (message pacts are verified against their producer: verifyMessageProvider in src/contracts/verify-messages.ts)`, mine.map((p) => p.file).join(', '));
  }
  return mine;
}

interface Preflight {
  kind: 'ready';
  base: URL;
  pacts: PactFile[];
  files: string[];
  timeoutMs: number;
  started: number;
}

/** Inputs and reachability: a UsageError for bad input, a critical document for an unreachable provider. */
async function preflight(opts: VerifyOptions, dispatcher: Agent): Promise<Preflight | { kind: 'done'; doc: ContractDocument }> {
  const started = Date.now();
  let base: URL;
  try {
    base = new URL(opts.baseUrl);
  } catch {
    throw new UsageError(`not a URL: '${opts.baseUrl}'`, '--base-url');
  }
  const pacts = selectPacts(opts);
  const files = pacts.map((p) => p.file);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const unreachable = await reachable(base.href, dispatcher, timeoutMs);
  if (unreachable) {
    const doc: ContractDocument = {
      ...baseDocument(opts, files, started),
      status: 'critical',
      problems: [{ code: 'contract.unreachable', message: `provider '${opts.provider}' at ${base.origin} cannot be reached: ${unreachable}` }],
      interactions: [],
      passed: 0,
      failed: 0,
    };
    return { kind: 'done', doc };
  }
  return { kind: 'ready', base, pacts, files, timeoutMs, started };
}

function newDispatcher(opts: VerifyOptions): Agent {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Agent({ connect: opts.caPem ? { ca: opts.caPem } : {}, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: timeoutMs });
}

export async function verifyProvider(opts: VerifyOptions): Promise<ContractDocument> {
  if (opts.auth) registerSecret(opts.auth.clientSecret);
  const dispatcher = newDispatcher(opts);
  let forwarder: http.Server | undefined;
  try {
    const pre = await preflight(opts, dispatcher);
    if (pre.kind === 'done') return pre.doc;
    const { base, pacts, files, timeoutMs, started } = pre;
    const plan = planned(pacts);

    const tokens = opts.auth ? new TokenSource(opts.auth, dispatcher, timeoutMs) : undefined;
    const providerErrors = new Map<string, string>();
    const stateErrors = new Map<string, string>();

    forwarder = http.createServer((req, res) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (v === undefined || ['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(k)) continue;
          headers[k] = Array.isArray(v) ? v.join(', ') : v;
        }
        const target = new URL(req.url ?? '/', base);
        target.pathname = `${base.pathname.replace(/\/$/, '')}${(req.url ?? '/').split('?')[0]}`;
        try {
          const r = await request(target, { method: req.method as 'GET', headers, body: chunks.length ? Buffer.concat(chunks) : undefined, dispatcher });
          const body = Buffer.from(await r.body.arrayBuffer());
          if (r.statusCode >= 400) providerErrors.set(`${req.method} ${(req.url ?? '').split('?')[0]}`, `HTTP ${r.statusCode} ${redact(body.toString('utf8'))}`);
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !['transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
          res.writeHead(r.statusCode, out);
          res.end(body);
        } catch (err) {
          const reason = transportReason(err);
          providerErrors.set(`${req.method} ${(req.url ?? '').split('?')[0]}`, `no answer: ${reason}`);
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'provider_unreachable', message: `${target.origin}: ${reason}` } }));
        }
      })();
    });
    await new Promise<void>((resolve, reject) => {
      forwarder!.once('error', reject);
      forwarder!.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (forwarder.address() as AddressInfo).port;

    const stateNames = [...new Set(pacts.flatMap((p) => p.interactions.filter(isHttpInteraction).flatMap((i) => statesOf(i).map((s) => s.name))))];
    const stateHandlers: Record<string, (params?: unknown) => Promise<Record<string, unknown> | undefined>> = {};
    for (const name of stateNames) {
      stateHandlers[name] = async (params) => {
        if (!opts.providerStatesUrl) {
          stateErrors.set(name, 'no provider-states endpoint given (--provider-states URL)');
          return undefined;
        }
        try {
          const r = await request(opts.providerStatesUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ state: name, params: params ?? {} }),
            dispatcher,
          });
          const text = await r.body.text();
          if (r.statusCode >= 300) {
            stateErrors.set(name, `${opts.providerStatesUrl} answered HTTP ${r.statusCode}: ${redact(text)}`);
            return undefined;
          }
          const json = text ? (JSON.parse(text) as unknown) : {};
          return json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
        } catch (err) {
          // Never throw here: the Pact proxy would print the error to stdout, which belongs to --json.
          stateErrors.set(name, `${opts.providerStatesUrl}: ${transportReason(err)}`);
          return undefined;
        }
      };
    }

    const { Verifier } = await import('@pact-foundation/pact');
    const verifier = new Verifier({
      provider: opts.provider,
      providerBaseUrl: `http://127.0.0.1:${port}`,
      pactUrls: files,
      logLevel: 'error',
      timeout: timeoutMs,
      stateHandlers: stateHandlers as never,
      requestFilter: (req: { headers: Record<string, unknown> }, _res: unknown, next: (err?: unknown) => void) => {
        if (!tokens) return next();
        tokens.token().then(
          (t) => {
            req.headers.authorization = `Bearer ${t}`;
            next();
          },
          (err: Error) => next(err),
        );
      },
    });
    let json: VerifierJson;
    try {
      json = parseVerifierOutput(await verifier.verifyProvider());
    } catch (err) {
      json = parseVerifierOutput((err as Error).message ?? String(err));
    }
    const { interactions, status, problems } = interpretVerification(json, plan, { providerErrors, stateErrors });
    return {
      ...baseDocument(opts, files, started),
      status,
      problems,
      interactions,
      passed: interactions.filter((i) => i.result === 'passed').length,
      failed: interactions.filter((i) => i.result !== 'passed').length,
    };
  } finally {
    if (forwarder) await new Promise<void>((r) => forwarder!.close(() => r()));
    await dispatcher.close();
  }
}

/**
 * The same verification in a child process. The native verifier prints its progress on file
 * descriptor 1, which belongs to the --json document; in the child that output is captured and
 * handed to `onOutput` (the CLI sends it to stderr).
 */
export async function verifyProviderIsolated(opts: VerifyOptions, onOutput?: (text: string) => void): Promise<ContractDocument> {
  return (await verifyProvidersIsolated([opts], onOutput))[0]!;
}

/** Several providers, one child process (its start-up is most of the cost of a small verification). */
export async function verifyProvidersIsolated(list: VerifyOptions[], onOutput?: (text: string) => void): Promise<ContractDocument[]> {
  const results: (ContractDocument | undefined)[] = new Array(list.length);
  const todo: number[] = [];
  for (const [i, opts] of list.entries()) {
    if (opts.auth) registerSecret(opts.auth.clientSecret);
    const dispatcher = newDispatcher(opts);
    try {
      const pre = await preflight(opts, dispatcher);
      if (pre.kind === 'done') results[i] = pre.doc;
      else todo.push(i);
    } finally {
      await dispatcher.close();
    }
  }
  if (todo.length === 0) return results as ContractDocument[];
  const worker = fileURLToPath(new URL('./verify-worker.ts', import.meta.url));
  const docs = await new Promise<ContractDocument[]>((resolve, reject) => {
    const child = fork(worker, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: process.env });
    let settled = false;
    const out = (b: Buffer) => onOutput?.(redact(b.toString('utf8')));
    child.stdout!.on('data', out);
    child.stderr!.on('data', out);
    child.on('message', (m: { ok: boolean; docs?: ContractDocument[]; usage?: { message: string; where?: string; hint?: string }; error?: string }) => {
      settled = true;
      if (m.ok) resolve(m.docs!);
      else if (m.usage) reject(new UsageError(m.usage.message, m.usage.where, m.usage.hint));
      else reject(new Error(m.error));
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`contract verification process ended (code ${code}) without a result`));
    });
    child.send(todo.map((i) => list[i]!));
  });
  todo.forEach((i, k) => (results[i] = docs[k]));
  return results as ContractDocument[];
}
