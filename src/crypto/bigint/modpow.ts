/**
 * Modular exponentiation on native bigint.
 * - `modPow`: left-to-right sliding-window exponentiation (HAC Alg. 14.85), window width by
 *   exponent size (HAC Table 14.16), one reduction per product.
 * - `modPowBinary`: plain right-to-left square-and-multiply (HAC Alg. 14.76), kept as the
 *   reference the tests and the benchmark compare against.
 * Measured here on 2048-bit exponents mod a 4096-bit modulus: sliding window does ~2350 modular
 * products against ~3070 for square-and-multiply. Montgomery and Barrett reduction built from
 * bigint operations were slower than bigint `%` (three full products against one product and
 * one division), so they are not used. See docs/paillier.md.
 */
import { check } from '../../errors.js';
import { mod, modInverse } from './arithmetic.js';

/** Window width minimising squarings + table products for an exponent of `bits` bits. */
export function windowWidth(bits: number): number {
  if (bits <= 18) return 1;
  if (bits <= 48) return 3;
  if (bits <= 144) return 4;
  if (bits <= 400) return 5;
  if (bits <= 1000) return 6;
  return 7;
}

/** base^exponent mod modulus. A negative exponent inverts base first. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  check(modulus > 0n, 'modulus', modulus, 'positive');
  if (modulus === 1n) return 0n;
  if (exponent < 0n) return modPow(modInverse(base, modulus), -exponent, modulus);
  base = mod(base, modulus);
  if (exponent === 0n) return 1n;
  if (base <= 1n) return base;
  const bits = exponent.toString(2);
  const width = windowWidth(bits.length);
  if (width === 1) return squareAndMultiplyLeftToRight(base, bits, modulus);
  // Odd powers base^1, base^3, …, base^(2^width − 1).
  const odd: bigint[] = new Array<bigint>(1 << (width - 1));
  odd[0] = base;
  const square = (base * base) % modulus;
  for (let i = 1; i < odd.length; i++) odd[i] = ((odd[i - 1] as bigint) * square) % modulus;

  let result = 1n;
  let started = false;
  let i = 0;
  const length = bits.length;
  while (i < length) {
    if (bits.charCodeAt(i) === 48 /* '0' */) {
      if (started) result = (result * result) % modulus;
      i++;
      continue;
    }
    // Longest window of at most `width` bits starting at i that ends in a 1.
    let end = Math.min(i + width, length);
    while (bits.charCodeAt(end - 1) === 48) end--;
    let value = 0;
    for (let j = i; j < end; j++) {
      value = (value << 1) | (bits.charCodeAt(j) - 48);
      if (started) result = (result * result) % modulus;
    }
    const factor = odd[value >> 1] as bigint;
    result = started ? (result * factor) % modulus : factor;
    started = true;
    i = end;
  }
  return result;
}

function squareAndMultiplyLeftToRight(base: bigint, bits: string, modulus: bigint): bigint {
  let result = base;
  for (let i = 1; i < bits.length; i++) {
    result = (result * result) % modulus;
    if (bits.charCodeAt(i) === 49) result = (result * base) % modulus;
  }
  return result;
}

/** Reference right-to-left binary exponentiation, exponent ≥ 0. */
export function modPowBinary(base: bigint, exponent: bigint, modulus: bigint): bigint {
  check(modulus > 0n, 'modulus', modulus, 'positive');
  check(exponent >= 0n, 'exponent', exponent, 'non-negative');
  if (modulus === 1n) return 0n;
  let result = 1n;
  base = mod(base, modulus);
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % modulus;
    exponent >>= 1n;
    if (exponent > 0n) base = (base * base) % modulus;
  }
  return result;
}
