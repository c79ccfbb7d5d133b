/** Argument checks for byte-string inputs of the crypto primitives, with the length in the message. */
import { CohortError } from '../errors.js';

/**
 * Throws INVALID_ARGUMENT "`name` must be `requirement` (got N bytes)" unless `value` is a
 * Uint8Array whose length satisfies `ok`.
 */
export function checkBytes(value: unknown, name: string, ok: (length: number) => boolean, requirement: string): asserts value is Uint8Array {
  if (value instanceof Uint8Array && ok(value.length)) return;
  const got = value instanceof Uint8Array ? `${value.length} bytes` : `a ${value === null ? 'null' : typeof value}, not a Uint8Array`;
  throw new CohortError('INVALID_ARGUMENT', `${name} must be ${requirement} (got ${got})`, { subject: name });
}
