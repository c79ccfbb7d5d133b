/**
 * Sources of the random factor r^n mod n² that makes Paillier encryption probabilistic
 * (Paillier 1999, §4: c = g^m · r^n mod n²). python-paillier calls multiplying by it "obfuscating".
 * - `StandardObfuscator`: r uniform in [1, n) (as python-paillier), r^n by sliding-window modPow.
 * - `CrtObfuscator`: for the key holder. r^n mod p² is a uniform element of the order-(p − 1)
 *   subgroup of Z*_{p²}, i.e. u^p mod p² for u uniform in Z*_p (x ↦ x^q is a bijection there since
 *   gcd(q, p − 1) = 1); same for q, joined by CRT. Same distribution as the standard factor for
 *   r uniform in Z*_n, at two exponentiations with |p|-bit exponents modulo |p|²-bit numbers.
 * The short-exponent fixed-base source (fast mode) lives in fast-mode.ts, the pool in pool.ts.
 */
import { check } from '../../errors.js';
import { Crt2 } from '../bigint/arithmetic.js';
import { modPow } from '../bigint/modpow.js';
import { requireSecure, type RandomSource } from '../random.js';

/** Produces random n-th residues r^n mod n² for one public key. */
export interface ObfuscatorSource {
  /** The modulus n the factors belong to. */
  readonly n: bigint;
  /** A fresh random r^n mod n². */
  next(): bigint;
}

export class StandardObfuscator implements ObfuscatorSource {
  readonly n: bigint;
  private readonly nSquared: bigint;
  private readonly rng: RandomSource;

  constructor(n: bigint, rng?: RandomSource) {
    check(n > 2n, 'n', n, 'greater than 2');
    this.n = n;
    this.nSquared = n * n;
    this.rng = requireSecure(rng, 'Paillier encryption randomness');
  }

  next(): bigint {
    const r = 1n + this.rng.uniformBigInt(this.n - 1n); // python-paillier: randrange(1, n)
    return modPow(r, this.n, this.nSquared);
  }

  /** r^n mod n² for a given r (known-answer tests). */
  static factorFor(n: bigint, r: bigint): bigint {
    check(r >= 1n && r < n, 'r', r, 'in [1, n)');
    return modPow(r, n, n * n);
  }
}

export class CrtObfuscator implements ObfuscatorSource {
  readonly n: bigint;
  private readonly p: bigint;
  private readonly q: bigint;
  private readonly pSquared: bigint;
  private readonly qSquared: bigint;
  private readonly crt: Crt2;
  private readonly rng: RandomSource;

  constructor(p: bigint, q: bigint, rng?: RandomSource) {
    check(p > 2n && q > 2n && p !== q, 'p, q', `${p}, ${q}`, 'distinct odd primes');
    this.p = p;
    this.q = q;
    this.n = p * q;
    this.pSquared = p * p;
    this.qSquared = q * q;
    this.crt = new Crt2(this.pSquared, this.qSquared);
    this.rng = requireSecure(rng, 'Paillier encryption randomness');
  }

  next(): bigint {
    const up = 1n + this.rng.uniformBigInt(this.p - 1n);
    const uq = 1n + this.rng.uniformBigInt(this.q - 1n);
    return this.crt.combine(modPow(up, this.p, this.pSquared), modPow(uq, this.q, this.qSquared));
  }
}
