/** Small helpers shared by the SecAgg primitive tests. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { CohortError, type CohortErrorCode } from '../../../src/errors.js';

export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

/** Asserts that `run` throws (or rejects with) a CohortError with `code` whose message matches `message`. */
export async function expectCohortError(run: () => unknown, code: CohortErrorCode, message?: RegExp): Promise<CohortError> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CohortError);
  const error = caught as CohortError;
  expect(error.code).toBe(code);
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}
