/**
 * Exact non-negative rationals for sampler parameters. The exact samplers of Canonne, Kamath &
 * Steinke (NeurIPS 2020) take their parameters as rationals so that every decision is an integer
 * comparison; a double is converted to the rational it exactly denotes (every finite double is
 * m·2^e), never approximated.
 */
import { CohortError, check } from '../../errors.js';

/** numerator/denominator, reduced, denominator ≥ 1. */
export interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** A rational given as a number (converted exactly), a bigint, or a numerator/denominator pair. */
export type RationalInput =
  | number
  | bigint
  | { readonly numerator: number | bigint; readonly denominator: number | bigint };

export function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) {
    const r = x % y;
    x = y;
    y = r;
  }
  return x;
}

export function reduce(numerator: bigint, denominator: bigint): Rational {
  const g = gcd(numerator, denominator);
  return g <= 1n ? { numerator, denominator } : { numerator: numerator / g, denominator: denominator / g };
}

/** The exact rational value of a finite double: doubling is exact until the value is an integer. */
export function exactRationalOfNumber(x: number, name = 'value'): Rational {
  check(Number.isFinite(x), name, x, 'a finite number');
  let scaled = x;
  let denominator = 1n;
  // At most 1074 doublings (the smallest subnormal is 2^-1074); each one is exact.
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    denominator *= 2n;
  }
  return reduce(BigInt(scaled), denominator);
}

function toBigIntegerPart(value: number | bigint, name: string): bigint {
  if (typeof value === 'bigint') return value;
  check(Number.isSafeInteger(value), name, value, 'a safe integer (or a bigint)');
  return BigInt(value);
}

/** Parses a rational input, requiring it to be ≥ 0 (or > 0 with `positive`). */
export function toRational(input: RationalInput, name: string, options: { positive?: boolean } = {}): Rational {
  let result: Rational;
  if (typeof input === 'number') {
    result = exactRationalOfNumber(input, name);
  } else if (typeof input === 'bigint') {
    result = { numerator: input, denominator: 1n };
  } else if (typeof input === 'object' && input !== null && 'numerator' in input && 'denominator' in input) {
    const numerator = toBigIntegerPart(input.numerator, `${name}.numerator`);
    const denominator = toBigIntegerPart(input.denominator, `${name}.denominator`);
    check(denominator > 0n, `${name}.denominator`, denominator, 'positive');
    result = reduce(numerator, denominator);
  } else {
    throw new CohortError('INVALID_ARGUMENT', `${name} must be a number, a bigint or {numerator, denominator}`, {
      subject: name,
    });
  }
  if (options.positive) {
    check(result.numerator > 0n, name, formatRational(result), 'positive');
  } else {
    check(result.numerator >= 0n, name, formatRational(result), 'non-negative');
  }
  return result;
}

export function formatRational(r: Rational): string {
  return r.denominator === 1n ? `${r.numerator}` : `${r.numerator}/${r.denominator}`;
}

/** The double nearest to r (for reporting only; never used in a sampling decision). */
export function rationalToNumber(r: Rational): number {
  const n = r.numerator;
  const d = r.denominator;
  if (n <= BigInt(Number.MAX_SAFE_INTEGER) && d <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(n) / Number(d);
  // Keep the top 64 bits of each, divide, then scale by the dropped powers of two in steps that
  // cannot overflow or underflow on the way.
  const negative = n < 0n;
  const a = negative ? -n : n;
  const shiftA = Math.max(0, a.toString(2).length - 64);
  const shiftD = Math.max(0, d.toString(2).length - 64);
  let value = Number(a >> BigInt(shiftA)) / Number(d >> BigInt(shiftD));
  let exponent = shiftA - shiftD;
  while (exponent > 0) {
    const step = Math.min(exponent, 1000);
    value *= 2 ** step;
    exponent -= step;
  }
  while (exponent < 0) {
    const step = Math.min(-exponent, 1000);
    value /= 2 ** step;
    exponent += step;
  }
  return negative ? -value : value;
}

/** floor(sqrt(n)) for n ≥ 0 (Newton's method on bigints). */
export function integerSqrt(n: bigint): bigint {
  if (n < 0n) throw new CohortError('INVALID_ARGUMENT', `integerSqrt needs n ≥ 0 (got ${n}n)`, { subject: 'n' });
  if (n < 2n) return n;
  // Newton's iteration from a start above √n decreases monotonically to floor(√n).
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  return x;
}
