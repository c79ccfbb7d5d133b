/**
 * The `details` a ledger entry records (what the spend paid for: noise multiplier, sample rate,
 * steps, accountant...). Stored as canonical JSON — keys sorted — so a retried spend with the same
 * details compares equal whatever order its keys were built in.
 */
import { CohortError, check } from '../errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const MAX_DEPTH = 32;
/** Details describe a spend; they are not a place for data. */
export const MAX_DETAILS_CHARS = 65_536;

function canonical(value: unknown, path: string, depth: number): string {
  check(depth <= MAX_DEPTH, path, '…', `nested at most ${MAX_DEPTH} levels deep`);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    check(Number.isFinite(value), path, value, 'a finite number (JSON has no NaN or Infinity)');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => canonical(item, `${path}[${i}]`, depth + 1)).join(',')}]`;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    const parts = keys.map((key) => `${JSON.stringify(key)}:${canonical(record[key], `${path}.${key}`, depth + 1)}`);
    return `{${parts.join(',')}}`;
  }
  throw new CohortError(
    'INVALID_ARGUMENT',
    `${path} must be JSON: null, boolean, finite number, string, array or plain object (got ${typeof value})`,
    { subject: path },
  );
}

/** Canonical JSON text of a plain JSON object, validated; throws INVALID_ARGUMENT naming the path. */
export function canonicalDetails(details: unknown, name = 'details'): string {
  check(
    typeof details === 'object' && details !== null && !Array.isArray(details),
    name,
    details === null ? 'null' : Array.isArray(details) ? 'an array' : typeof details,
    'a plain JSON object',
  );
  const text = canonical(details, name, 0);
  check(text.length <= MAX_DETAILS_CHARS, name, `${text.length} characters`, `at most ${MAX_DETAILS_CHARS} characters of JSON`);
  return text;
}
