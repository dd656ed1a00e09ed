import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.ts';

/** The parts of a Pact (V3/V4) file syncprobe reads. */
export interface PactInteraction {
  type?: string;
  description: string;
  providerStates?: { name: string; params?: Record<string, unknown> }[];
  providerState?: string;
  request?: { method: string; path: string; query?: Record<string, string[] | string>; headers?: Record<string, unknown>; body?: unknown };
  response?: { status: number; headers?: Record<string, unknown>; body?: unknown };
  contents?: unknown;
  pending?: boolean;
}

export interface PactFile {
  file: string;
  consumer: string;
  provider: string;
  specification: string;
  interactions: PactInteraction[];
}

export function isHttpInteraction(i: PactInteraction): boolean {
  return (i.type === undefined || i.type === 'Synchronous/HTTP') && !!i.request;
}

/** V4 bodies are {content, contentType, encoded}; V3 bodies are the JSON itself. */
export function bodyContent(body: unknown): unknown {
  if (body && typeof body === 'object' && 'content' in (body as Record<string, unknown>) && 'contentType' in (body as Record<string, unknown>)) {
    return (body as { content: unknown }).content;
  }
  return body;
}

export function statesOf(i: PactInteraction): { name: string; params: Record<string, unknown> }[] {
  if (i.providerStates) return i.providerStates.map((s) => ({ name: s.name, params: s.params ?? {} }));
  return i.providerState ? [{ name: i.providerState, params: {} }] : [];
}

export function parsePactFile(file: string): PactFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read pact file: ${(err as Error).message}`, file);
  }
  let doc: Record<string, any>;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`pact file is not valid JSON: ${(err as Error).message}`, file, 'regenerate it with npm test (the consumer contracts write contracts/pacts)');
  }
  const consumer = doc?.consumer?.name;
  const provider = doc?.provider?.name;
  const interactions = doc?.interactions ?? doc?.messages;
  if (typeof consumer !== 'string' || typeof provider !== 'string' || !Array.isArray(interactions)) {
    throw new UsageError('not a pact file (needs consumer.name, provider.name and interactions)', file);
  }
  return {
    file,
    consumer,
    provider,
    specification: String(doc?.metadata?.pactSpecification?.version ?? doc?.metadata?.['pact-specification']?.version ?? '2.0.0'),
    interactions: interactions as PactInteraction[],
  };
}

/** Every pact file in a directory; an unreadable directory or file is a UsageError naming it. */
export function loadPactDir(dir: string): PactFile[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir);
  } catch (err) {
    throw new UsageError(`cannot read the pact directory: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as Error).message}`, dir, 'pass --pacts DIR with the pact files (contracts/pacts by default)');
  }
  return names
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .sort()
    .map((n) => parsePactFile(join(dir, n)));
}

export function pactsForProvider(pacts: PactFile[], provider: string, where: string): PactFile[] {
  const mine = pacts.filter((p) => p.provider === provider);
  if (mine.length === 0) {
    const known = [...new Set(pacts.map((p) => p.provider))].sort();
    throw new UsageError(`no pact for provider '${provider}'`, where, `providers with pacts: ${known.join(', ') || 'none'}`);
  }
  return mine;
}
