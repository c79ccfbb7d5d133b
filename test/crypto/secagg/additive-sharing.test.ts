import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { additiveSharesModP, additiveSharesUint32, combineAdditiveModP, combineAdditiveUint32 } from '../../../src/crypto/additive-sharing.js';
import { SeededRandom } from '../../../src/crypto/random.js';
import { SHAMIR_PRIME } from '../../../src/crypto/shamir.js';
import { chiSquare } from '../../dp/samplers/goodness-of-fit.js';
import { expectCohortError } from './helpers.js';

describe('additive sharing mod 2^32', () => {
  it('shares sum word-wise to the secret mod 2^32 (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 64 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 2 ** 31 }), (values, parties, seed) => {
        const secret = Uint32Array.from(values);
        const shares = additiveSharesUint32(secret, parties, new SeededRandom(seed));
        expect(shares).toHaveLength(parties);
        for (const share of shares) expect(share).toHaveLength(secret.length);
        expect(combineAdditiveUint32(shares)).toEqual(secret);
        // the sum computed independently in doubles
        for (let i = 0; i < secret.length; i++) expect(shares.reduce((a, s) => (a + s[i]!) % 2 ** 32, 0)).toBe(secret[i]);
      }),
      { numRuns: 100 },
    );
  });

  it('does not modify the secret; no share of several equals it; a single party holds the secret', () => {
    const secret = Uint32Array.from([1, 2, 0xffffffff]);
    const copy = new Uint32Array(secret);
    const shares = additiveSharesUint32(secret, 3, new SeededRandom(1));
    expect(secret).toEqual(copy);
    expect(shares.some((s) => s.every((w, i) => w === secret[i]))).toBe(false);
    expect(additiveSharesUint32(secret, 1, new SeededRandom(1))[0]).toEqual(secret);
  });

  it('the first n − 1 shares are uniform whatever the secret (chi-square on the top byte, α = 1e-4)', () => {
    const rng = new SeededRandom(2);
    const secret = new Uint32Array(4096).fill(0xdeadbeef);
    const observed = new Array<number>(256).fill(0);
    for (let r = 0; r < 4; r++) {
      const [first] = additiveSharesUint32(secret, 2, rng);
      for (const w of first!) observed[w >>> 24]!++;
    }
    const result = chiSquare(observed, new Array<number>(256).fill(1 / 256), 0.0001);
    expect(result.statistic).toBeLessThan(result.critical);
  });

  it('rejects bad arguments naming them', async () => {
    await expectCohortError(() => additiveSharesUint32(new Uint32Array(2), 0), 'INVALID_ARGUMENT', /parties must be a positive integer \(got 0\)/);
    await expectCohortError(() => combineAdditiveUint32([]), 'INVALID_ARGUMENT', /shares must be a non-empty array/);
    await expectCohortError(() => combineAdditiveUint32([new Uint32Array(2), new Uint32Array(3)]), 'INVALID_ARGUMENT', /shares\[1\] must be a Uint32Array of length 2/);
  });
});

describe('additive sharing mod p', () => {
  it('shares lie in [0, m) and sum to the secret mod m (property, small m and SHAMIR_PRIME)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.bigInt({ min: 2n, max: 1000n }), fc.constant(SHAMIR_PRIME), fc.constant(1n << 64n)),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (modulus, parties, seed, fraction) => {
          const secret = BigInt(Math.floor(fraction * 1e6)) % modulus;
          const shares = additiveSharesModP(secret, parties, modulus, new SeededRandom(seed));
          expect(shares).toHaveLength(parties);
          for (const s of shares) expect(s >= 0n && s < modulus).toBe(true);
          expect(combineAdditiveModP(shares, modulus)).toBe(secret);
          expect(shares.reduce((a, b) => a + b, 0n) % modulus).toBe(secret);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a single share is uniform over Z_7 whatever the secret (chi-square, α = 1e-4)', () => {
    const rng = new SeededRandom(3);
    for (const secret of [0n, 6n]) {
      const observed = new Array<number>(7).fill(0);
      for (let i = 0; i < 7000; i++) observed[Number(additiveSharesModP(secret, 2, 7n, rng)[1]!)]!++;
      const result = chiSquare(observed, new Array<number>(7).fill(1 / 7), 0.0001);
      expect(result.statistic).toBeLessThan(result.critical);
    }
  });

  it('rejects bad arguments naming them', async () => {
    await expectCohortError(() => additiveSharesModP(7n, 2, 7n), 'INVALID_ARGUMENT', /secret must be a bigint in \[0, 7n\) \(got 7n\)/);
    await expectCohortError(() => additiveSharesModP(1n, 2, 1n), 'INVALID_ARGUMENT', /modulus must be a bigint of at least 2 \(got 1n\)/);
    await expectCohortError(() => additiveSharesModP(1n, 1.5, 7n), 'INVALID_ARGUMENT', /parties must be a positive integer \(got 1.5\)/);
    await expectCohortError(() => combineAdditiveModP([1n, 9n], 7n), 'INVALID_ARGUMENT', /shares\[1\] must be a bigint in \[0, 7n\) \(got 9n\)/);
  });
});
