import { UsageError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { verifyProvider, type VerifyOptions } from './verify.ts';

// Child process of verifyProviderIsolated: one verification, the result over IPC, then exit.
process.once('message', (opts: VerifyOptions) => {
  verifyProvider(opts).then(
    (doc) => process.send!({ ok: true, doc }, () => process.exit(0)),
    (err: unknown) => {
      const msg =
        err instanceof UsageError
          ? { ok: false, usage: { message: err.message, where: err.where, hint: err.hint } }
          : { ok: false, error: redact(err instanceof Error ? err.message : String(err)) };
      process.send!(msg, () => process.exit(0));
    },
  );
});
