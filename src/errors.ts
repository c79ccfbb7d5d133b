/**
 * The one error type Cohort throws for bad input or refused operations.
 * `code` is stable (callers and the CLI switch on it); `message` names the argument and the value.
 * This module is the shared kernel: every layer, including crypto/, may import it.
 */
export type CohortErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_DATA'
  | 'UNKNOWN_DATASET'
  | 'FILE_NOT_FOUND'
  | 'UNSUPPORTED'
  | 'INSECURE_RANDOMNESS'
  | 'DP_BUDGET_EXCEEDED'
  | 'DP_TARGET_UNREACHABLE'
  | 'STORE_ERROR'
  | 'PLAINTEXT_OUT_OF_RANGE'
  | 'ROUND_INCOMPLETE'
  | 'AUTH_FAILED'
  | 'NETWORK_ERROR'
  | 'INTERNAL';

export class CohortError extends Error {
  readonly code: CohortErrorCode;
  /** The flag, argument or file the error is about, when there is one. */
  readonly subject: string | undefined;

  constructor(code: CohortErrorCode, message: string, options?: { subject?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CohortError';
    this.code = code;
    this.subject = options?.subject;
  }
}

/** Throws INVALID_ARGUMENT naming `name` and `value` unless `ok`. */
export function check(ok: boolean, name: string, value: unknown, requirement: string): asserts ok {
  if (!ok) {
    throw new CohortError('INVALID_ARGUMENT', `${name} must be ${requirement} (got ${formatValue(value)})`, {
      subject: name,
    });
  }
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}
