import { UsageError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { verifyProvider, type VerifyOptions } from './verify.ts';

// Child process of verifyProvidersIsolated: the verifications in order, the results over IPC, then exit.
process.once('message', (list: VerifyOptions[]) => {
  (async () => {
    const docs = [];
    for (const opts of list) docs.push(await verifyProvider(opts));
    return docs;
  })().then(
    (docs) => process.send!({ ok: true, docs }, () => process.exit(0)),
    (err: unknown) => {
      const msg =
        err instanceof UsageError
          ? { ok: false, usage: { message: err.message, where: err.where, hint: err.hint } }
          : { ok: false, error: redact(err instanceof Error ? err.message : String(err)) };
      process.send!(msg, () => process.exit(0));
    },
  );
});
