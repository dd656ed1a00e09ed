import type { Point } from '../core/outputs.ts';

/**
 * InfluxDB line protocol (1.x, also accepted by the 2.x/3.x compatibility /write endpoints),
 * millisecond precision. Pure; table-tested in test/sinks/line-protocol.test.ts.
 *
 * - measurement: comma and space escaped;
 * - tag keys/values and field keys: comma, equals and space escaped; empty tag values are
 *   left out (InfluxDB rejects them); a newline cannot live in a tag, so it becomes the two
 *   characters `\n`; a backslash right before a separator or at the end becomes '/' (1.x cannot
 *   represent it);
 * - string fields: double-quoted with `"` and `\` escaped; newlines stay as they are (valid
 *   inside a quoted field);
 * - every number is written as a float, so a field never flips between integer and float type
 *   across points (which InfluxDB would reject as a field type conflict);
 * - booleans as true/false.
 */
export class InvalidPointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPointError';
  }
}

const NEWLINE = /\r?\n|\r/g;

// InfluxDB 1.x cannot represent a backslash right before a separator or at the end of a name
// (it would escape what follows), so such a backslash becomes '/'.
const UNREPRESENTABLE_BACKSLASH = /\\+(?=[,= ]|$)/g;

export function escapeMeasurement(name: string): string {
  return name
    .replace(NEWLINE, '\\n')
    .replace(UNREPRESENTABLE_BACKSLASH, (m) => '/'.repeat(m.length))
    .replace(/[, ]/g, (c) => '\\' + c);
}

/** Tag keys, tag values and field keys. */
export function escapeKey(text: string): string {
  return text
    .replace(NEWLINE, '\\n')
    .replace(UNREPRESENTABLE_BACKSLASH, (m) => '/'.repeat(m.length))
    .replace(/[,= ]/g, (c) => '\\' + c);
}

export function escapeStringField(text: string): string {
  return '"' + text.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

export function formatFieldValue(key: string, value: number | string | boolean): string {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidPointError(`field '${key}' is ${value}, not a finite number`);
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return escapeStringField(value);
    default:
      throw new InvalidPointError(`field '${key}' has unsupported type ${typeof value}`);
  }
}

/** One point as one line (no trailing newline). Throws InvalidPointError for a point InfluxDB could never take. */
export function formatPoint(point: Point): string {
  if (!point.measurement) throw new InvalidPointError('measurement name is empty');
  if (!Number.isFinite(point.timestamp)) throw new InvalidPointError(`timestamp is ${point.timestamp}, not epoch milliseconds`);
  let line = escapeMeasurement(point.measurement);
  const tagKeys = Object.keys(point.tags)
    .filter((k) => k !== '' && point.tags[k] !== undefined && point.tags[k] !== null && point.tags[k] !== '')
    .sort();
  for (const k of tagKeys) line += ',' + escapeKey(k) + '=' + escapeKey(String(point.tags[k]));
  let fields = '';
  for (const k of Object.keys(point.fields)) {
    const v = point.fields[k];
    if (v === undefined || v === null || k === '') continue;
    fields += (fields ? ',' : '') + escapeKey(k) + '=' + formatFieldValue(k, v);
  }
  if (!fields) throw new InvalidPointError(`point '${point.measurement}' has no fields`);
  return line + ' ' + fields + ' ' + Math.round(point.timestamp);
}
