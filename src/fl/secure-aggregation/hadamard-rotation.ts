/**
 * The randomised Hadamard rotation of the distributed discrete Gaussian (Kairouz, Liu & Steinke,
 * ICML 2021, Section 4.2): x ↦ H·D·x/√d, with D a diagonal of random signs and H the d×d
 * Walsh–Hadamard matrix (d a power of two; shorter vectors are padded with zeros). H/√d is
 * orthonormal and symmetric, so the rotation keeps the L2 norm (the clipping bound survives it)
 * and its inverse is y ↦ D·H·y/√d. It spreads a vector's energy over all coordinates, which keeps
 * rounding and the per-coordinate range small.
 *
 * The signs are PUBLIC: every client and the server derive the same ones from a public seed and
 * the round number (a reproducible generator, as the paper's shared randomness). Privacy does not
 * rest on them — the accounting needs only the norm bound, which holds for any signs — so a
 * seeded generator is the right tool here, not the CSPRNG.
 */
import { SeededRandom } from '../../crypto/random.js';
import { check } from '../../errors.js';

/** The smallest power of two ≥ n (n ≥ 1). */
export function paddedLength(n: number): number {
  check(Number.isSafeInteger(n) && n >= 1 && n <= 2 ** 30, 'n', n, 'an integer in [1, 2^30]');
  let d = 1;
  while (d < n) d *= 2;
  return d;
}

/** In-place fast Walsh–Hadamard transform (unnormalised: applying it twice multiplies by d). */
export function fastWalshHadamard(x: Float64Array): Float64Array {
  const d = x.length;
  check(d >= 1 && (d & (d - 1)) === 0, 'x.length', d, 'a power of two');
  for (let half = 1; half < d; half *= 2) {
    for (let start = 0; start < d; start += 2 * half) {
      for (let i = start; i < start + half; i++) {
        const a = x[i] as number;
        const b = x[i + half] as number;
        x[i] = a + b;
        x[i + half] = a - b;
      }
    }
  }
  return x;
}

/** splitmix32's finaliser: a well-mixed 32-bit value from a 32-bit input. */
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** The public sign diagonal D (entries ±1) of `round`, from the federation's public seed. */
export function rotationSigns(publicSeed: number, round: number, dimension: number): Int8Array {
  check(Number.isInteger(publicSeed) && publicSeed >= 0 && publicSeed < 2 ** 32, 'publicSeed', publicSeed, 'an integer in [0, 2^32)');
  check(Number.isSafeInteger(round) && round >= 0, 'round', round, 'an integer ≥ 0');
  check(Number.isSafeInteger(dimension) && dimension >= 1, 'dimension', dimension, 'an integer ≥ 1');
  const generator = new SeededRandom(mix32(mix32(publicSeed) ^ mix32(round % 2 ** 32) ^ Math.floor(round / 2 ** 32)));
  const signs = new Int8Array(dimension);
  let word = 0;
  for (let i = 0; i < dimension; i++) {
    if ((i & 31) === 0) word = generator.uint32();
    signs[i] = (word >>> (i & 31)) & 1 ? 1 : -1;
  }
  return signs;
}

/** x ← H·D·x/√d in place (x.length = signs.length, a power of two). */
export function rotate(x: Float64Array, signs: Int8Array): Float64Array {
  check(x.length === signs.length, 'x.length', x.length, `equal to signs.length = ${signs.length}`);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * (signs[i] as number);
  fastWalshHadamard(x);
  const norm = 1 / Math.sqrt(x.length);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * norm;
  return x;
}

/** The inverse: y ← D·H·y/√d in place. */
export function unrotate(y: Float64Array, signs: Int8Array): Float64Array {
  check(y.length === signs.length, 'y.length', y.length, `equal to signs.length = ${signs.length}`);
  fastWalshHadamard(y);
  const norm = 1 / Math.sqrt(y.length);
  for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) * norm * (signs[i] as number);
  return y;
}
