import type { ResponseContext, ResponseProblem, ResponseValidator } from '../http/client.ts';
import { DRIFT_PROBLEM_CODE, type DriftFinding } from './drift.ts';
import { defaultRegistry, type SchemaRegistry } from './schemas.ts';

/**
 * Live drift: the response validator the engine installs on every system client. It validates each
 * JSON response against the lookup's schema (or, when the lookup names none, the schema the routes
 * give for that system and operation). Breaking drift fails the milestone as a data failure, compatible
 * drift is a warning.
 */
export interface SchemaValidatorOptions {
  /** Every non-empty set of findings, with the response it came from (e.g. to write contract_drift points). */
  onFindings?(findings: DriftFinding[], ctx: ResponseContext & { schemaId: string }): void;
}

export function createSchemaValidator(registry: SchemaRegistry = defaultRegistry(), opts: SchemaValidatorOptions = {}): ResponseValidator {
  return (body: unknown, ctx: ResponseContext): ResponseProblem[] => {
    const path = ctx.path.split('?')[0]!;
    const schemaId = ctx.schema ? registry.resolve(ctx.schema) : registry.schemaFor(ctx.system, ctx.method, path);
    if (!schemaId) {
      return ctx.schema ? [{ code: 'drift.unknown-schema', message: `${ctx.system} ${ctx.method} ${path}: no schema '${ctx.schema}' in ${registry.dir}`, breaking: false }] : [];
    }
    const findings = registry.validate(schemaId, body);
    if (findings.length && opts.onFindings) {
      try {
        opts.onFindings(findings, { ...ctx, schemaId });
      } catch {
        /* an output failing never affects a probe */
      }
    }
    return findings.map((f) => ({
      code: DRIFT_PROBLEM_CODE[f.classification],
      message: `${ctx.system} ${ctx.method} ${path} (${schemaId}) ${f.pointer || '/'}: ${f.message}`,
      breaking: f.classification === 'breaking',
      pointer: f.pointer,
    }));
  };
}
