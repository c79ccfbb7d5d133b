/**
 * Basic modular arithmetic on native bigint: non-negative remainder, gcd, inverse, CRT.
 * Formulas: extended Euclid and Garner's CRT (Menezes, van Oorschot & Vanstone, Handbook of
 * Applied Cryptography, 1996, Alg. 2.107 and 14.71).
 */
import { CohortError, check } from '../../errors.js';

/** x mod m in [0, m), also for negative x. */
export function mod(x: bigint, modulus: bigint): bigint {
  check(modulus > 0n, 'modulus', modulus, 'positive');
  const r = x % modulus;
  return r < 0n ? r + modulus : r;
}

/** Number of bits of |x| (0 for 0). */
export function bitLength(x: bigint): number {
  if (x < 0n) x = -x;
  if (x === 0n) return 0;
  // toString(16) is linear and far cheaper than a shift loop on big numbers.
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0] as string, 16)));
}

export function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function lcm(a: bigint, b: bigint): bigint {
  check(a !== 0n && b !== 0n, 'lcm arguments', `${a}, ${b}`, 'non-zero');
  const l = (a / gcd(a, b)) * b;
  return l < 0n ? -l : l;
}

/** a⁻¹ mod m by the extended Euclidean algorithm; throws when gcd(a, m) ≠ 1. */
export function modInverse(a: bigint, modulus: bigint): bigint {
  check(modulus > 1n, 'modulus', modulus, 'greater than 1');
  let r0 = mod(a, modulus);
  let r1 = modulus;
  let s0 = 1n;
  let s1 = 0n;
  while (r1 !== 0n) {
    const quotient = r0 / r1;
    [r0, r1] = [r1, r0 - quotient * r1];
    [s0, s1] = [s1, s0 - quotient * s1];
  }
  if (r0 !== 1n) {
    throw new CohortError('INVALID_ARGUMENT', `${a} has no inverse modulo ${modulus} (gcd ${r0})`, { subject: 'a' });
  }
  return mod(s0, modulus);
}

/**
 * Precomputed two-modulus Chinese remaindering (Garner): x ≡ xp (mod p), x ≡ xq (mod q)
 * → x = xp + p·((xq − xp)·p⁻¹ mod q), in [0, p·q). p and q must be coprime.
 */
export class Crt2 {
  readonly p: bigint;
  readonly q: bigint;
  readonly modulus: bigint;
  private readonly pInverseModQ: bigint;

  constructor(p: bigint, q: bigint) {
    check(p > 1n, 'p', p, 'greater than 1');
    check(q > 1n, 'q', q, 'greater than 1');
    this.p = p;
    this.q = q;
    this.modulus = p * q;
    this.pInverseModQ = modInverse(p, q);
  }

  combine(residueP: bigint, residueQ: bigint): bigint {
    const u = mod((residueQ - residueP) * this.pInverseModQ, this.q);
    return residueP + u * this.p;
  }
}

/** General CRT over pairwise coprime moduli: the unique x in [0, Π moduli). */
export function crt(residues: readonly bigint[], moduli: readonly bigint[]): bigint {
  check(residues.length === moduli.length && moduli.length > 0, 'residues', residues.length, `as many as the moduli (${moduli.length}), at least one`);
  let x = mod(residues[0] as bigint, moduli[0] as bigint);
  let m = moduli[0] as bigint;
  for (let i = 1; i < moduli.length; i++) {
    const combined = new Crt2(m, moduli[i] as bigint);
    x = combined.combine(x, mod(residues[i] as bigint, moduli[i] as bigint));
    m = combined.modulus;
  }
  return x;
}

/** ⌊√x⌋ by Newton's method. */
export function isqrt(x: bigint): bigint {
  check(x >= 0n, 'x', x, 'non-negative');
  if (x < 2n) return x;
  let y = 1n << BigInt(Math.ceil(bitLength(x) / 2));
  for (;;) {
    const next = (y + x / y) >> 1n;
    if (next >= y) return y;
    y = next;
  }
}
