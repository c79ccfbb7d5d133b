import { describe, expect, it } from 'vitest';
import { PackingScheme, ThresholdKeyShare, dealThresholdKey } from '../../../src/crypto/paillier/index.js';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';

const rng = new SeededRandom(2001);
// 512-bit test keys: 256-bit safe primes take well under a second; see docs for 2048-bit cost.
const { parameters, shares } = dealThresholdKey({ bits: 512, parties: 3, threshold: 2, rng });
const { publicKey } = parameters;

function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  return items.flatMap((item, i) => subsets(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]));
}

describe('2-of-3 threshold Paillier (Damgård–Jurik 2001 with a trusted dealer)', () => {
  const message = 31415926535897932384626433832795028841971n;
  const ciphertext = publicKey.rawEncrypt(message);
  const partials = shares.map((share) => share.partialDecrypt(ciphertext));

  it('uses safe primes and Δ = 3!', () => {
    expect(parameters.delta).toBe(6n);
    expect(publicKey.bits).toBe(512);
  });

  it('any 2 of the 3 parties decrypt', () => {
    for (const pair of subsets(partials, 2)) expect(parameters.combine(pair)).toBe(message);
    expect(parameters.combine(partials)).toBe(message);
  });

  it('1 party cannot: combine refuses, and Lagrange over one share gives a wrong value', () => {
    for (const single of partials) {
      expect(() => parameters.combine([single])).toThrow(/needs partial decryptions from 2 distinct parties/);
      expect(parameters.combineUnchecked([single])).not.toBe(message);
    }
    expect(() => parameters.combine([partials[0]!, partials[0]!])).toThrow(CohortError); // a duplicate is not a second party
  });

  it('decrypts homomorphic sums of standard Paillier ciphertexts, floats included', () => {
    const sum = publicKey.encrypt(1.25).add(publicKey.encrypt(-3.5));
    const parts = shares.slice(1).map((share) => share.partialDecrypt(sum.ciphertext));
    expect(parameters.decryptEncoded(sum, parts).decode()).toBe(-2.25);
  });

  it('decrypts packed vectors (the encrypted-aggregation path)', () => {
    const scheme = new PackingScheme(publicKey, { fractionalBits: 10, clippingRange: 2, maxSummands: 4 });
    const total = scheme.encrypt([0.5, -1, 2]).add(scheme.encrypt([1, 1, -2]));
    const decryptor = { rawDecrypt: (c: bigint) => parameters.combine([shares[0]!.partialDecrypt(c), shares[2]!.partialDecrypt(c)]) };
    expect([...scheme.decrypt(total, decryptor)]).toEqual([1.5, 0, 0]);
  });

  it('key shares round-trip through JSON', () => {
    const restored = ThresholdKeyShare.fromJson(JSON.parse(JSON.stringify(shares[1]!.toJson())) as never);
    expect(restored.partialDecrypt(ciphertext)).toEqual(partials[1]);
  });
});

describe('3-of-5', () => {
  const { parameters: p5, shares: s5 } = dealThresholdKey({ bits: 256, parties: 5, threshold: 3, rng });
  const message = 123456789n;
  const ciphertext = p5.publicKey.rawEncrypt(message);
  const partials = s5.map((share) => share.partialDecrypt(ciphertext));

  it('every 3-subset decrypts; no 2-subset does', () => {
    for (const triple of subsets(partials, 3)) expect(p5.combine(triple)).toBe(message);
    for (const pair of subsets(partials, 2)) {
      expect(() => p5.combine(pair)).toThrow(CohortError);
      expect(p5.combineUnchecked(pair)).not.toBe(message);
    }
  });
});

describe.skipIf(!process.env['COHORT_SLOW'])('2048-bit dealing (slow)', () => {
  it('deals and decrypts with 1024-bit safe primes', () => {
    const key = dealThresholdKey({ bits: 2048, parties: 3, threshold: 2 });
    const c = key.parameters.publicKey.rawEncrypt(42n);
    expect(key.parameters.combine(key.shares.slice(0, 2).map((s) => s.partialDecrypt(c)))).toBe(42n);
  }, 1_800_000);
});
