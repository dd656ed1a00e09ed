import { UsageError } from '../core/errors.ts';

export interface ConfigProblem {
  /** The file the problem is in. */
  file: string;
  /** Dotted path of the field, e.g. environments.prod.systems.erp.auth.clientSecretEnv. */
  field: string;
  /** What is wrong and what is expected. */
  message: string;
}

/** Every problem in the config and scenarios at once; nothing runs on an invalid config (exit 3). */
export class ConfigError extends UsageError {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration:\n` +
        problems.map((p) => `  - ${p.file}: ${p.field}: ${p.message}`).join('\n'),
      undefined,
      'fix these and run again; nothing was run',
    );
    this.name = 'ConfigError';
  }
}
