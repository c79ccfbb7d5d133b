/**
 * Fast mode (opt-in): the short-exponent, fixed-base randomiser of Damgård, Jurik & Nielsen,
 * "A generalization of Paillier's public-key system with applications to electronic voting",
 * Int. J. Inf. Secur. 9 (2010), §4.2 (s = 1):
 *   h = −x² mod n for x uniform in Z*_n,   h_s = h^n mod n²,
 *   r^n is replaced by h_s^a mod n² with a uniform in [0, 2^ℓ),
 * so c = (1 + m·n) · h_s^a mod n². h_s is fixed, so h_s^a comes from a precomputed table
 * (fixed-base windowing, ⌈ℓ/w⌉ − 1 products, no squarings).
 *
 * Security. The factor is no longer a uniform n-th residue but a short-exponent power of one.
 * IND-CPA then rests on two assumptions: (1) DCR (Paillier 1999), and (2) short-exponent
 * indistinguishability in ⟨h_s⟩: h_s^a with a uniform in [0, 2^ℓ) cannot be told from h_s^a with a
 * uniform modulo ord(h_s). DJN 2010 make (2) with ℓ = ⌈k/2⌉ (k = |n|); the default here, ℓ = 256
 * = 2κ for κ = 128, is the shorter choice whose best known attack (Pollard's lambda on the short
 * exponent, van Oorschot & Wiener 1996) costs about 2^(ℓ/2) = 2^128 group operations. Set
 * `exponentBits` to ⌈k/2⌉ for DJN's parameter. See docs/paillier.md.
 */
import { check } from '../../errors.js';
import { FixedBaseTable } from '../bigint/fixed-base.js';
import { gcd } from '../bigint/arithmetic.js';
import { modPow } from '../bigint/modpow.js';
import { randomBits } from '../bigint/primes.js';
import { requireSecure, type RandomSource } from '../random.js';
import type { ObfuscatorSource } from './obfuscators.js';

export const DEFAULT_SHORT_EXPONENT_BITS = 256;
/** Shortest exponent accepted: 2 × 112 bits (the security of a 2048-bit modulus, NIST SP 800-57). */
export const MIN_SHORT_EXPONENT_BITS = 224;

export interface FastObfuscatorOptions {
  /** ℓ, the bit length of the short exponent a (default 256). */
  readonly exponentBits?: number;
  /** Window width of the fixed-base table (default 8: ⌈ℓ/8⌉ − 1 products, ⌈ℓ/8⌉·255 stored powers). */
  readonly windowBits?: number;
  /** h_s = h^n mod n², to share one table across threads; drawn afresh when absent. */
  readonly generator?: bigint;
  readonly rng?: RandomSource;
}

export class FastObfuscator implements ObfuscatorSource {
  readonly n: bigint;
  /** h_s = h^n mod n² (public: it reveals nothing about the factorisation). */
  readonly generator: bigint;
  readonly exponentBits: number;
  private readonly table: FixedBaseTable;
  private readonly rng: RandomSource;

  constructor(n: bigint, options: FastObfuscatorOptions = {}) {
    check(n > 2n, 'n', n, 'greater than 2');
    const exponentBits = options.exponentBits ?? DEFAULT_SHORT_EXPONENT_BITS;
    check(
      Number.isInteger(exponentBits) && exponentBits >= MIN_SHORT_EXPONENT_BITS && exponentBits <= 8192,
      'exponentBits',
      exponentBits,
      `an integer in [${MIN_SHORT_EXPONENT_BITS}, 8192]`,
    );
    this.n = n;
    this.exponentBits = exponentBits;
    this.rng = requireSecure(options.rng, 'Paillier fast-mode randomness');
    const nSquared = n * n;
    if (options.generator !== undefined) {
      check(options.generator > 1n && options.generator < nSquared && gcd(options.generator, n) === 1n, 'generator', options.generator, 'a unit modulo n² other than 1');
      this.generator = options.generator;
    } else {
      this.generator = FastObfuscator.drawGenerator(n, this.rng);
    }
    this.table = new FixedBaseTable(this.generator, nSquared, exponentBits, options.windowBits ?? 8);
  }

  /** h_s = (−x²)^n mod n² for x uniform in Z*_n (DJN 2010 §4.2). */
  static drawGenerator(n: bigint, rng?: RandomSource): bigint {
    const source = requireSecure(rng, 'Paillier fast-mode generator');
    for (;;) {
      const x = 1n + source.uniformBigInt(n - 1n);
      if (gcd(x, n) !== 1n) continue;
      const h = n - ((x * x) % n);
      return modPow(h, n, n * n);
    }
  }

  next(): bigint {
    return this.table.pow(randomBits(this.exponentBits, this.rng));
  }
}
