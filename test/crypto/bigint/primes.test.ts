import { describe, expect, it } from 'vitest';
import { SMALL_PRIMES, isProbablePrime, millerRabinRounds, randomPrime, randomSafePrime } from '../../../src/crypto/bigint/index.js';
import { SeededRandom } from '../../../src/crypto/random.js';

const rng = new SeededRandom(7);

describe('Miller–Rabin', () => {
  it('accepts known primes', () => {
    const primes = [
      2n,
      3n,
      2039n,
      65537n,
      2147483647n, // 2^31 − 1
      (1n << 61n) - 1n,
      (1n << 89n) - 1n,
      (1n << 127n) - 1n,
      (1n << 521n) - 1n, // Mersenne primes (Lucas–Lehmer)
      (1n << 255n) - 19n, // the Curve25519 field prime (RFC 7748)
      2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n, // P-256's field prime (FIPS 186-4 D.1.2.3)
    ];
    for (const p of primes) expect(isProbablePrime(p, { rng })).toBe(true);
  });

  it('rejects Carmichael numbers, strong pseudoprimes and composites', () => {
    // Carmichael numbers (OEIS A002997) fool the Fermat test for every coprime base.
    const carmichael = [561n, 1105n, 1729n, 2465n, 2821n, 6601n, 8911n, 41041n, 825265n, 321197185n, 5394826801n, 232250619601n, 9746347772161n];
    // Strong pseudoprimes to base 2 (OEIS A001262) and 3215031751, strong to bases 2, 3, 5, 7.
    const strong = [2047n, 3277n, 4033n, 4681n, 8321n, 3215031751n];
    const others = [0n, 1n, 4n, (1n << 67n) - 1n /* 193707721 · 761838257287 */, ((1n << 127n) - 1n) * ((1n << 89n) - 1n)];
    for (const n of [...carmichael, ...strong, ...others]) expect(isProbablePrime(n, { rng })).toBe(false);
  });

  it('uses the FIPS 186-5 Table B.1 round counts', () => {
    expect(millerRabinRounds(1024)).toBe(5); // 2048-bit modulus, error ≤ 2^-112
    expect(millerRabinRounds(1536)).toBe(4); // 3072-bit modulus, error ≤ 2^-128
    expect(millerRabinRounds(256)).toBe(40);
  });

  it('the small-prime table holds the primes below 2048', () => {
    expect(SMALL_PRIMES.length).toBe(309);
    expect(SMALL_PRIMES.slice(0, 5)).toEqual([2, 3, 5, 7, 11]);
    expect(SMALL_PRIMES.at(-1)).toBe(2039);
  });
});

describe('random primes', () => {
  it('have exactly the requested bits, the top two set, and are prime', () => {
    for (const bits of [16, 64, 256]) {
      const p = randomPrime(bits, { rng });
      expect(p.toString(2)).toMatch(new RegExp(`^11[01]{${bits - 2}}$`));
      expect(isProbablePrime(p, { rng })).toBe(true);
    }
  });

  it('safe primes p = 2p\' + 1 have p\' prime', () => {
    for (const bits of [32, 128]) {
      const p = randomSafePrime(bits, { rng });
      expect(p.toString(2).length).toBe(bits);
      expect(p >> BigInt(bits - 2)).toBe(3n);
      expect(isProbablePrime(p, { rng })).toBe(true);
      expect(isProbablePrime((p - 1n) / 2n, { rng })).toBe(true);
    }
  });
});
