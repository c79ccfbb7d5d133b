/** The shape shared by the exact integer samplers, and the vector fill they use. */
import { CohortError, check } from '../../errors.js';

export interface IntegerSampler {
  /** One exact sample. */
  sample(): number;
  /** Fills `out` with independent samples and returns it. An Int32Array is checked for overflow. */
  fill<T extends Int32Array | Float64Array>(out: T): T;
  /** Zeroes the randomness this sampler buffered. Call when done (the vector helpers do). */
  dispose(): void;
}

export function fillWith<T extends Int32Array | Float64Array>(out: T, sample: () => number, what: string): T {
  if (out instanceof Int32Array) {
    for (let i = 0; i < out.length; i++) {
      const y = sample();
      if (y > 2147483647 || y < -2147483648) {
        throw new CohortError('UNSUPPORTED', `${what} sample ${y} does not fit an Int32Array; pass a Float64Array`, {
          subject: 'out',
        });
      }
      out[i] = y;
    }
  } else {
    for (let i = 0; i < out.length; i++) out[i] = sample();
  }
  return out;
}

export function checkLength(n: number): void {
  check(Number.isSafeInteger(n) && n >= 0, 'n', n, 'a non-negative integer');
}

/** A bigint sample as a number; samples beyond 2^53 cannot be returned exactly. */
export function bigSampleToNumber(y: bigint, what: string): number {
  if (y > BigInt(Number.MAX_SAFE_INTEGER) || y < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CohortError('UNSUPPORTED', `${what} sample ${y} exceeds 2^53 and cannot be returned as a number`, {
      subject: 'scale',
    });
  }
  return Number(y);
}
