import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UsageError } from '../core/errors.ts';

/** Reads one OpenAPI 3.x document (YAML or JSON). Missing, unparsable or not-OpenAPI files are a UsageError naming the file. */
export function loadOpenApi(file: string): Record<string, any> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? 'no such file' : `cannot read: ${(err as Error).message}`, file, 'pass the path of an OpenAPI 3 document (YAML or JSON)');
  }
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: true });
  } catch (err) {
    throw new UsageError(`not parsable YAML/JSON: ${(err as Error).message.split('\n')[0]}`, file, 'fix the document');
  }
  if (!doc || typeof doc !== 'object' || typeof (doc as Record<string, unknown>).openapi !== 'string' || !String((doc as Record<string, unknown>).openapi).startsWith('3.')) {
    throw new UsageError("not an OpenAPI 3 document (no 'openapi: 3.x' field)", file);
  }
  if (!(doc as Record<string, unknown>).paths || typeof (doc as Record<string, unknown>).paths !== 'object') {
    throw new UsageError("an OpenAPI document needs 'paths'", file);
  }
  return doc as Record<string, any>;
}
