/**
 * Exact conversions between IEEE-754 doubles and integers/rationals, so that floats encode and
 * decode exactly as Python does it (python-paillier relies on `math.frexp`, `fractions.Fraction`
 * and Python's correctly rounded int / int division).
 */
import { CohortError } from '../../errors.js';

const view = new DataView(new ArrayBuffer(8));

/** x = mantissa · 2^exponent exactly (mantissa a signed integer, |mantissa| < 2^53). */
export function decomposeDouble(x: number): { mantissa: bigint; exponent: number } {
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const biased = (high >>> 20) & 0x7ff;
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  const negative = high >>> 31 === 1;
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = biased === 0 ? -1074 : biased - 1075;
  return { mantissa: negative ? -mantissa : mantissa, exponent };
}

/** The exponent of C's frexp: x = m·2^e with 0.5 ≤ |m| < 1; 0 for x = 0. */
export function frexpExponent(x: number): number {
  if (x === 0) return 0;
  const { mantissa, exponent } = decomposeDouble(x);
  const magnitude = mantissa < 0n ? -mantissa : mantissa;
  return exponent + magnitude.toString(2).length;
}

/** Round numerator / 2^shift to the nearest integer, ties to even (Python's round on a Fraction). */
export function roundShiftHalfEven(numerator: bigint, shift: number): bigint {
  if (shift <= 0) return numerator << BigInt(-shift);
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const s = BigInt(shift);
  let quotient = magnitude >> s;
  const remainder = magnitude - (quotient << s);
  const half = 1n << (s - 1n);
  if (remainder > half || (remainder === half && (quotient & 1n) === 1n)) quotient += 1n;
  return negative ? -quotient : quotient;
}

/** Round numerator / denominator (denominator > 0) to the nearest integer, ties to even. */
export function roundDivideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  let quotient = magnitude / denominator;
  const twiceRemainder = 2n * (magnitude - quotient * denominator);
  if (twiceRemainder > denominator || (twiceRemainder === denominator && (quotient & 1n) === 1n)) quotient += 1n;
  return negative ? -quotient : quotient;
}

/**
 * numerator / 2^shift as the nearest double, ties to even — what Python's `int / int` returns
 * for a power-of-two denominator. Throws when the result is too large for a double, as Python
 * raises OverflowError.
 */
export function ratioPowerOfTwoToNumber(numerator: bigint, shift: number): number {
  if (numerator === 0n) return 0;
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const bits = magnitude.toString(2).length;
  const topExponent = bits - 1 - shift; // the result lies in [2^topExponent, 2^(topExponent+1))
  // Significant bits the result can keep: 53, fewer in the subnormal range.
  const precision = topExponent >= -1022 ? 53 : 53 - (-1022 - topExponent);
  if (precision <= 0) {
    // Below half the smallest subnormal rounds to 0; between half and one rounds up (ties to even: exactly half → 0).
    const halfSmallest = -1075;
    if (topExponent < halfSmallest) return negative ? -0 : 0;
    const exactlyHalf = topExponent === halfSmallest && (magnitude & ((1n << BigInt(bits - 1)) - 1n)) === 0n;
    const value = exactlyHalf ? 0 : Number.MIN_VALUE;
    return negative ? -value : value;
  }
  const drop = bits - precision;
  const rounded = drop > 0 ? roundShiftHalfEven(magnitude, drop) : magnitude;
  const value = scaleByPowerOfTwo(Number(rounded), (drop > 0 ? drop : 0) - shift);
  if (!Number.isFinite(value)) {
    throw new CohortError('INVALID_DATA', 'decoded result too large for a float', { subject: 'ciphertext' });
  }
  return negative ? -value : value;
}

/** x·2^k in steps that stay exact whenever the final result is representable. */
function scaleByPowerOfTwo(x: number, k: number): number {
  while (k > 1000) {
    x *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    x *= 2 ** -1000;
    k += 1000;
  }
  return x * 2 ** k;
}
