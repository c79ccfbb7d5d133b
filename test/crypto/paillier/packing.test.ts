import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncryptedVector, FastObfuscator, PackingScheme, generateKeypair } from '../../../src/crypto/paillier/index.js';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';

const rng = new SeededRandom(2020);
const { publicKey, privateKey } = generateKeypair({ bits: 512, rng });
const obfuscator = new FastObfuscator(publicKey.n, { rng });

describe('slot layout', () => {
  it('derives slot width, slot count and the overflow bound', () => {
    // Q = 1·2^15 = 32768, 2Q = 65536; N = 512 → 2QN = 2^25 needs 26 bits; ⌊511/26⌋ = 19 slots.
    const scheme = new PackingScheme(publicKey, { fractionalBits: 15, clippingRange: 1, maxSummands: 512 });
    expect([scheme.quantizedMax, scheme.slotBits, scheme.slotsPerCiphertext]).toEqual([32768, 26, 19]);
    // Given 26-bit slots, N = ⌊(2^26 − 1)/65536⌋ = 1023.
    expect(new PackingScheme(publicKey, { fractionalBits: 15, clippingRange: 1, slotBits: 26 }).maxSummands).toBe(1023);
  });

  it('refuses an N beyond the bound of the slots before encrypting anything', () => {
    expect(() => new PackingScheme(publicKey, { fractionalBits: 15, clippingRange: 1, slotBits: 26, maxSummands: 1024 })).toThrow(/exceeds the overflow bound/);
    expect(() => new PackingScheme(publicKey, { fractionalBits: 15, clippingRange: 1, slotBits: 16 })).toThrow(/cannot hold one value/);
    expect(() => new PackingScheme(publicKey, { fractionalBits: 40, clippingRange: 1000, maxSummands: 1 << 20 })).toThrow(CohortError);
  });
});

describe('the overflow bound', () => {
  // 2-bit values (Q = 1: slots hold 0, 1, 2), 4-bit slots: N = ⌊15/2⌋ = 7.
  const scheme = new PackingScheme(publicKey, { fractionalBits: 0, clippingRange: 1, slotBits: 4 });
  const extremes = [1, -1, 1, 0, -1, 1];

  it('sums exactly N extreme vectors without overflow', () => {
    expect(scheme.maxSummands).toBe(7);
    let sum = scheme.encrypt(extremes, obfuscator);
    for (let i = 1; i < scheme.maxSummands; i++) sum = sum.add(scheme.encrypt(extremes, obfuscator));
    expect(sum.weight).toBe(7);
    expect([...scheme.decrypt(sum, privateKey)]).toEqual(extremes.map((x) => 7 * x));
  });

  it('refuses the (N + 1)-th contribution, by add or by scalar multiply, with a CohortError', () => {
    let sum = scheme.encrypt(extremes, obfuscator);
    for (let i = 1; i < scheme.maxSummands; i++) sum = sum.add(scheme.encrypt(extremes, obfuscator));
    const one = scheme.encrypt(extremes, obfuscator);
    expect(() => sum.add(one)).toThrow(/beyond maxSummands 7/);
    expect(() => one.multiply(8)).toThrow(/beyond maxSummands 7/);
    expect(scheme.decrypt(one.multiply(7), privateKey)[0]).toBe(7);
  });

  it('the bound is tight: without the check, N + 1 maximal values overflow their slot', () => {
    // Slot 0 holds u = 2 per contribution; 8 of them make 16 = 2^4, carrying into slot 1.
    const [packed] = scheme.pack([1, 0]);
    const eight = (packed as bigint) * 8n;
    expect(eight & 15n).toBe(0n); // slot 0 wrapped to 0 …
    expect(eight >> 4n).toBe(8n * 1n + 1n); // … and its carry corrupted slot 1
    expect([...scheme.unpack([eight], 2, 7)]).not.toEqual([8, 0]);
  });
});

describe('packed arithmetic', () => {
  const scheme = new PackingScheme(publicKey, { fractionalBits: 16, clippingRange: 4, maxSummands: 64 });
  const vector = (length: number) => fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: length, maxLength: length });

  it('encrypted vector sum equals the sum of quantised values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }).chain((n) => fc.tuple(vector(n), vector(n), vector(n))), ([a, b, c]) => {
        const sum = scheme.encrypt(a, obfuscator).add(scheme.encrypt(b, obfuscator)).add(scheme.encrypt(c, obfuscator));
        const decrypted = scheme.decrypt(sum, privateKey);
        const q = (x: number) => Math.round(x * 65536) / 65536;
        decrypted.forEach((value, i) => expect(value).toBe(q(a[i] as number) + q(b[i] as number) + q(c[i] as number) + 0)); // + 0 turns −0 into 0
      }),
      { numRuns: 8 },
    );
  });

  it('scalar multiplication by small non-negative integers (weighted sums)', () => {
    const a = [0.5, -1.25, 3.75];
    const b = [-2, 1, 0.125];
    const weighted = scheme.encrypt(a, obfuscator).multiply(3).add(scheme.encrypt(b, obfuscator).multiply(5));
    expect(weighted.weight).toBe(8);
    expect([...scheme.decrypt(weighted, privateKey)]).toEqual(a.map((x, i) => 3 * x + 5 * (b[i] as number)));
    expect([...scheme.decrypt(weighted.multiply(0), privateKey)]).toEqual([0, 0, 0]);
  });

  it('clips to the range, re-randomises without changing values, round-trips bytes', () => {
    const e = scheme.encrypt([10, -10, 1.5], obfuscator);
    expect([...scheme.decrypt(e, privateKey)]).toEqual([4, -4, 1.5]);
    const fresh = e.rerandomize(obfuscator);
    expect(fresh.ciphertexts[0]).not.toBe(e.ciphertexts[0]);
    expect([...scheme.decrypt(fresh, privateKey)]).toEqual([4, -4, 1.5]);
    const bytes = e.toBytes();
    expect(bytes.length).toBe(128); // one 1024-bit ciphertext
    expect(EncryptedVector.fromBytes(scheme, bytes, 3, 1).ciphertexts).toEqual(e.ciphertexts);
    expect(() => EncryptedVector.fromBytes(scheme, bytes.subarray(1), 3, 1)).toThrow(CohortError);
    expect(() => scheme.encrypt([Number.NaN])).toThrow(/finite/);
  });

  it('refuses to mix layouts or lengths', () => {
    const other = new PackingScheme(publicKey, { fractionalBits: 8, clippingRange: 4, maxSummands: 64 });
    expect(() => scheme.encrypt([1], obfuscator).add(other.encrypt([1], obfuscator))).toThrow(CohortError);
    expect(() => scheme.encrypt([1], obfuscator).add(scheme.encrypt([1, 2], obfuscator))).toThrow(CohortError);
  });
});
