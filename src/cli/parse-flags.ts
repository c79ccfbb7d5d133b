/**
 * Flag parsers for commander: each turns a string into a checked value or throws a CohortError
 * that names the flag and the value, which main.ts prints as one line with exit status 2.
 */
import { CohortError } from '../errors.js';

export interface NumberRule {
  readonly integer?: boolean;
  /** Inclusive bounds unless the exclusive variants are given. */
  readonly min?: number;
  readonly max?: number;
  readonly greaterThan?: number;
  readonly lessThan?: number;
}

export function parseNumberFlag(flag: string, raw: string, rule: NumberRule = {}): number {
  const value = Number(raw);
  const fail = (requirement: string): never => {
    throw new CohortError('INVALID_ARGUMENT', `${flag} must be ${requirement} (got ${JSON.stringify(raw)})`, {
      subject: flag,
    });
  };
  if (raw.trim() === '' || !Number.isFinite(value)) fail(rule.integer ? 'an integer' : 'a number');
  if (rule.integer && !Number.isInteger(value)) fail('an integer');
  if (rule.min !== undefined && value < rule.min) fail(`at least ${rule.min}`);
  if (rule.max !== undefined && value > rule.max) fail(`at most ${rule.max}`);
  if (rule.greaterThan !== undefined && value <= rule.greaterThan) fail(`greater than ${rule.greaterThan}`);
  if (rule.lessThan !== undefined && value >= rule.lessThan) fail(`less than ${rule.lessThan}`);
  return value;
}

/** A commander argParser for a numeric flag. */
export function numberFlag(flag: string, rule: NumberRule = {}): (raw: string) => number {
  return (raw: string) => parseNumberFlag(flag, raw, rule);
}

export function parseChoiceFlag<T extends string>(flag: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) {
    throw new CohortError('INVALID_ARGUMENT', `${flag} must be one of ${choices.join(', ')} (got ${JSON.stringify(raw)})`, {
      subject: flag,
    });
  }
  return raw as T;
}
