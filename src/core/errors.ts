/**
 * Typed errors. Each carries the context a person needs to act, and maps to one failure class:
 * a schema violation (data) is deliberately a different error from a transport failure.
 */
export type FailureClass = 'transport' | 'application' | 'data' | 'business';

export abstract class SyncprobeError extends Error {
  abstract readonly failureClass: FailureClass;
  constructor(message: string, readonly context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Could not reach, connect, handshake or got no answer in time. */
export class TransportError extends SyncprobeError {
  readonly failureClass = 'transport' as const;
}

/** The endpoint answered, but with an error status (4xx/5xx) or an unusable body. */
export class ApplicationError extends SyncprobeError {
  readonly failureClass = 'application' as const;
  constructor(message: string, readonly status: number | undefined, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, { ...context, status }, options);
  }
}

/** The payload arrived but does not match the contract or what was placed (schema, quantities, UoM). */
export class DataError extends SyncprobeError {
  readonly failureClass = 'data' as const;
}

/** Systems behaved technically but the business outcome is wrong (never created, never shipped). */
export class BusinessError extends SyncprobeError {
  readonly failureClass = 'business' as const;
}

/**
 * syncprobe itself could not evaluate: bad config, bad arguments, unreadable input file. Exit 3.
 * `where` names the file, field or flag; `hint` says what to do.
 */
export class UsageError extends Error {
  constructor(message: string, readonly where?: string, readonly hint?: string) {
    super(message);
    this.name = 'UsageError';
  }
  describe(): string {
    return [this.where ? `${this.where}: ${this.message}` : this.message, this.hint].filter(Boolean).join('\n  ');
  }
}
