import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { loadPactDir, pactsForProvider, parsePactFile, statesOf, type PactFile, type PactInteraction } from './pacts.ts';
import type { Problem } from '../core/status.ts';
import { describeInteraction, interpretVerification, parseVerifierOutput, type InteractionReport, type PlannedInteraction, type VerifierJson } from './verify-report.ts';
import { DEFAULT_PACTS_DIR, type ContractDocument } from './verify.ts';

/**
 * Message pact verification, the producer's side of an asynchronous contract: for every message
 * interaction the Pact verifier (native core) asks the producer for the message, and syncprobe's
 * `produce` function makes the real producer publish it and hands back what it sent. The verifier
 * then matches content and metadata against the pact. Messages cannot be replayed against a base
 * URL: whoever calls this knows how to make its producer publish.
 */
export interface ProducedMessage {
  /** The message body as the producer sent it. */
  content: unknown;
  /** Message metadata (contentType, destination...). */
  metadata?: Record<string, string>;
}

export interface MessageState {
  name: string;
  params: Record<string, unknown>;
}

/** Makes the producer publish the message of one interaction; throws with a reason when it cannot. */
export type MessageProducer = (description: string, states: MessageState[]) => Promise<ProducedMessage>;

export interface MessageVerifyOptions {
  provider: string;
  /** Names the producer in the document (its `baseUrl` field), e.g. "built-in sandbox (WMS producers)". */
  producer: string;
  pactsDir?: string;
  pactFiles?: string[];
  /** Per message: how long the producer may take to publish, ms. */
  timeoutMs?: number;
}

export function isMessageInteraction(i: PactInteraction): boolean {
  if (i.type !== undefined) return i.type === 'Asynchronous/Messages';
  return !i.request && i.contents !== undefined;
}

/** "POST {middleware}/events/inventory" -> {method: POST, path: {middleware}/events/inventory}; else MESSAGE and the destination. */
function target(i: PactInteraction): { method: string; path: string } {
  const destination = (i as { metadata?: Record<string, unknown> }).metadata?.destination;
  if (typeof destination === 'string') {
    const m = /^([A-Z]+) (\S+)$/.exec(destination);
    return m ? { method: m[1]!, path: m[2]! } : { method: 'MESSAGE', path: destination };
  }
  return { method: 'MESSAGE', path: i.description };
}

function planned(pacts: PactFile[]): PlannedInteraction[] {
  return pacts.flatMap((p) =>
    p.interactions.filter(isMessageInteraction).map((i) => ({
      description: i.description,
      states: statesOf(i).map((s) => s.name),
      ...target(i),
      ...(i.pending ? { pending: true } : {}),
    })),
  );
}

/** The provider's pacts holding message interactions; UsageError (exit 3) when there are none. */
export function selectMessagePacts(opts: Pick<MessageVerifyOptions, 'provider' | 'pactsDir' | 'pactFiles'>): PactFile[] {
  const dir = opts.pactsDir ?? DEFAULT_PACTS_DIR;
  const all = opts.pactFiles ? opts.pactFiles.map(parsePactFile) : loadPactDir(dir);
  const mine = pactsForProvider(all, opts.provider, opts.pactFiles ? opts.pactFiles.join(', ') : dir).filter((p) => p.interactions.some(isMessageInteraction));
  if (mine.length === 0) throw new UsageError(`the pacts of '${opts.provider}' hold no message interactions`, opts.pactFiles ? opts.pactFiles.join(', ') : dir);
  return mine;
}

/** True when every pact of the provider holds message interactions only (nothing to replay over HTTP). */
export function isMessageOnlyProvider(pacts: PactFile[]): boolean {
  return pacts.length > 0 && pacts.every((p) => p.interactions.length > 0 && p.interactions.every(isMessageInteraction));
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing published within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** In this process; the native verifier prints its progress on stdout (see verifyMessageProviderIsolated). */
export async function verifyMessageProvider(opts: MessageVerifyOptions, produce: MessageProducer): Promise<ContractDocument> {
  const started = Date.now();
  const pacts = selectMessagePacts(opts);
  const files = pacts.map((p) => p.file);
  const plan = planned(pacts);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const producerErrors = new Map<string, string>();
  const byDescription = new Map(plan.map((p) => [p.description, p]));
  const statesByDescription = new Map(pacts.flatMap((p) => p.interactions.filter(isMessageInteraction).map((i) => [i.description, statesOf(i)] as const)));

  const messageProviders: Record<string, (m: { description?: string }) => Promise<unknown>> = {};
  for (const p of plan) {
    messageProviders[p.description] = async () => {
      try {
        const m = await withTimeout(produce(p.description, statesByDescription.get(p.description) ?? []), timeoutMs, p.description);
        return { __pactMessageMetadata: m.metadata ?? {}, message: m.content };
      } catch (err) {
        const planned = byDescription.get(p.description)!;
        producerErrors.set(`${planned.method} ${planned.path}`, `the producer did not publish: ${redact((err as Error).message ?? String(err))}`);
        // The verifier then reports this interaction failed; the reason is attached as providerSaid.
        return { __pactMessageMetadata: {}, message: null };
      }
    };
  }
  // States reach `produce` with the interaction; the verifier's own state calls need only an answer.
  const stateHandlers: Record<string, () => Promise<undefined>> = {};
  for (const name of new Set(plan.flatMap((p) => p.states))) stateHandlers[name] = async () => undefined;

  const { Verifier } = await import('@pact-foundation/pact');
  const verifier = new Verifier({
    provider: opts.provider,
    pactUrls: files,
    logLevel: 'error',
    timeout: timeoutMs + 5_000,
    messageProviders: messageProviders as never,
    stateHandlers: stateHandlers as never,
  });
  let json: VerifierJson;
  try {
    json = parseVerifierOutput(await verifier.verifyProvider());
  } catch (err) {
    json = parseVerifierOutput((err as Error).message ?? String(err));
  }
  const verdict = interpretVerification(json, plan, { providerErrors: producerErrors });
  // A message never produced has no content to compare: the verifier's null-body mismatches would only hide why.
  const interactions = verdict.interactions.map((i): InteractionReport => {
    const reason = producerErrors.get(`${i.request.method} ${i.request.path}`);
    if (!reason || i.result === 'passed') return i;
    const { providerSaid: _said, ...rest } = i;
    return { ...rest, mismatches: [{ kind: 'other', message: reason }] };
  });
  const { status } = verdict;
  const problems: Problem[] = interactions
    .filter((i) => i.result !== 'passed')
    .map((i) => ({ code: i.result === 'failed' ? 'contract.mismatch' : 'contract.pending-mismatch', message: redact(describeInteraction(i)) }));
  return {
    provider: opts.provider,
    baseUrl: opts.producer,
    pactFiles: files,
    durationMs: Date.now() - started,
    status,
    problems,
    interactions,
    passed: interactions.filter((i) => i.result === 'passed').length,
    failed: interactions.filter((i) => i.result !== 'passed').length,
  };
}

/** Messages between verifyMessageProviderIsolated and its child process. */
export type ToWorker = { kind: 'verify'; opts: MessageVerifyOptions } | { kind: 'produced'; id: number; message?: ProducedMessage; error?: string };
export type FromWorker =
  | { kind: 'produce'; id: number; description: string; states: MessageState[] }
  | { kind: 'done'; ok: true; doc: ContractDocument }
  | { kind: 'done'; ok: false; usage?: { message: string; where?: string; hint?: string }; error?: string };

/**
 * The same verification in a child process, so the verifier's stdout never mixes with a --json
 * document. `produce` runs here, in the caller's process, where the producer lives: the child asks
 * for each message over IPC.
 */
export async function verifyMessageProviderIsolated(opts: MessageVerifyOptions, produce: MessageProducer, onOutput?: (text: string) => void): Promise<ContractDocument> {
  // Bad input is reported before a process is started.
  selectMessagePacts(opts);
  const worker = fileURLToPath(new URL('./verify-messages-worker.ts', import.meta.url));
  return new Promise<ContractDocument>((resolve, reject) => {
    const child = fork(worker, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: process.env });
    let settled = false;
    const out = (b: Buffer) => onOutput?.(redact(b.toString('utf8')));
    child.stdout!.on('data', out);
    child.stderr!.on('data', out);
    const send = (m: ToWorker) => {
      if (child.connected) child.send(m);
    };
    child.on('message', (m: FromWorker) => {
      if (m.kind === 'produce') {
        produce(m.description, m.states).then(
          (message) => send({ kind: 'produced', id: m.id, message: { content: message.content, ...(message.metadata ? { metadata: message.metadata } : {}) } }),
          (err: unknown) => send({ kind: 'produced', id: m.id, error: err instanceof Error ? err.message : String(err) }),
        );
        return;
      }
      settled = true;
      if (m.ok) resolve(m.doc);
      else if (m.usage) reject(new UsageError(m.usage.message, m.usage.where, m.usage.hint));
      else reject(new Error(m.error));
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`message verification process ended (code ${code}) without a result`));
    });
    child.send({ kind: 'verify', opts } satisfies ToWorker);
  });
}

/**
 * Whether the provider's pacts hold message interactions only. Reads the pacts: an unreadable
 * directory or file, or no pact for the provider, is a UsageError naming it.
 */
export function hasOnlyMessagePacts(opts: Pick<MessageVerifyOptions, 'provider' | 'pactsDir' | 'pactFiles'>): boolean {
  const dir = opts.pactsDir ?? DEFAULT_PACTS_DIR;
  const all = opts.pactFiles ? opts.pactFiles.map(parsePactFile) : loadPactDir(dir);
  return isMessageOnlyProvider(pactsForProvider(all, opts.provider, opts.pactFiles ? opts.pactFiles.join(', ') : dir));
}
