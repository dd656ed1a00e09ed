import { UsageError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { verifyMessageProvider, type FromWorker, type MessageState, type ProducedMessage, type ToWorker } from './verify-messages.ts';

// Child process of verifyMessageProviderIsolated: each message is produced by the parent over IPC.
let nextId = 0;
const waiting = new Map<number, { resolve: (m: ProducedMessage) => void; reject: (e: Error) => void }>();
const reply = (m: FromWorker, then?: () => void) => (then ? process.send!(m, undefined, undefined, then) : process.send!(m));

function produce(description: string, states: MessageState[]): Promise<ProducedMessage> {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    reply({ kind: 'produce', id, description, states });
  });
}

process.on('message', (m: ToWorker) => {
  if (m.kind === 'produced') {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined || !m.message) w?.reject(new Error(m.error ?? 'no message'));
    else w?.resolve(m.message);
    return;
  }
  verifyMessageProvider(m.opts, produce).then(
    (doc) => reply({ kind: 'done', ok: true, doc }, () => process.exit(0)),
    (err: unknown) => {
      const msg: FromWorker =
        err instanceof UsageError
          ? { kind: 'done', ok: false, usage: { message: err.message, ...(err.where ? { where: err.where } : {}), ...(err.hint ? { hint: err.hint } : {}) } }
          : { kind: 'done', ok: false, error: redact(err instanceof Error ? err.message : String(err)) };
      reply(msg, () => process.exit(0));
    },
  );
});
