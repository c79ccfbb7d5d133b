import { expect } from 'vitest';
import { CohortError, type CohortErrorCode } from '../../../src/errors.js';

/** Runs `action`, asserting it throws a CohortError with this code, subject and message pattern. */
export function expectCohortError(action: () => unknown, code: CohortErrorCode, subject: string, message?: RegExp): CohortError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a CohortError to be thrown').toBeInstanceOf(CohortError);
  const error = caught as CohortError;
  expect(error.code).toBe(code);
  expect(error.subject).toBe(subject);
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}
