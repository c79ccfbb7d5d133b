import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import {
  RISTRETTO255_ORDER,
  elGamalDecryptElement,
  elGamalRerandomize,
  exponentialElGamalAdd,
  exponentialElGamalAddPlain,
  exponentialElGamalDecrypt,
  exponentialElGamalEncrypt,
  exponentialElGamalMultiplyScalar,
  exponentialElGamalSum,
  generateElGamalKeyPair,
  ristretto255FromExponent,
} from '../../../src/crypto/elgamal/index.js';
import { expectCohortError } from './helpers.js';

const FC = { seed: 23, numRuns: 15 } as const;
const seeds = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const BOUND = 10_000;
const signed = { bound: BOUND, allowNegative: true } as const;
const small = fc.integer({ min: -999, max: 999 });

describe('exponential ElGamal (additively homomorphic)', () => {
  it('decrypts what it encrypts, to the element m·B and to m', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 0, max: BOUND - 1 }), (seed, value) => {
        const rng = new SeededRandom(seed);
        const { publicKey, privateKey } = generateElGamalKeyPair(rng);
        const ciphertext = exponentialElGamalEncrypt(publicKey, value, rng);
        expect(elGamalDecryptElement(privateKey, ciphertext).equals(ristretto255FromExponent(value))).toBe(true);
        expect(exponentialElGamalDecrypt(privateKey, ciphertext, { bound: BOUND })).toBe(value);
      }),
      FC,
    );
  });

  it('adds: Dec(Enc(a) ⊕ Enc(b)) = a + b, and the sum of many is the sum of the counts', () => {
    fc.assert(
      fc.property(seeds, small, small, (seed, a, b) => {
        const rng = new SeededRandom(seed);
        const { publicKey, privateKey } = generateElGamalKeyPair(rng);
        const sum = exponentialElGamalAdd(exponentialElGamalEncrypt(publicKey, a, rng), exponentialElGamalEncrypt(publicKey, b, rng));
        expect(exponentialElGamalDecrypt(privateKey, sum, signed)).toBe(a + b);
      }),
      FC,
    );
    const rng = new SeededRandom(24);
    const { publicKey, privateKey } = generateElGamalKeyPair(rng);
    const votes = [1, 0, 1, 1, 0, 1, 1, 1, 0, 1];
    const total = exponentialElGamalSum(votes.map((v) => exponentialElGamalEncrypt(publicKey, v, rng)));
    expect(exponentialElGamalDecrypt(privateKey, total, { bound: votes.length + 1 })).toBe(7);
  });

  it('adds a plaintext and multiplies by a public integer (including 0 and negatives)', () => {
    fc.assert(
      fc.property(seeds, small, small, fc.integer({ min: -9, max: 9 }), (seed, a, plain, factor) => {
        const rng = new SeededRandom(seed);
        const { publicKey, privateKey } = generateElGamalKeyPair(rng);
        const ciphertext = exponentialElGamalEncrypt(publicKey, a, rng);
        expect(exponentialElGamalDecrypt(privateKey, exponentialElGamalAddPlain(ciphertext, plain), signed)).toBe(a + plain);
        expect(exponentialElGamalDecrypt(privateKey, exponentialElGamalMultiplyScalar(ciphertext, factor), signed)).toBe(a * factor + 0); // + 0 turns −0 into 0
      }),
      FC,
    );
  });

  it('takes bigint values and reduces modulo the group order (ℓ − 3 decrypts to −3)', () => {
    const rng = new SeededRandom(25);
    const { publicKey, privateKey } = generateElGamalKeyPair(rng);
    const ciphertext = exponentialElGamalEncrypt(publicKey, RISTRETTO255_ORDER - 3n, rng);
    expect(exponentialElGamalDecrypt(privateKey, ciphertext, signed)).toBe(-3);
    expect(exponentialElGamalDecrypt(privateKey, exponentialElGamalMultiplyScalar(ciphertext, -2n), signed)).toBe(6);
  });

  it('re-randomisation keeps the count', () => {
    const rng = new SeededRandom(26);
    const { publicKey, privateKey } = generateElGamalKeyPair(rng);
    const ciphertext = exponentialElGamalEncrypt(publicKey, 17, rng);
    const fresh = elGamalRerandomize(publicKey, exponentialElGamalMultiplyScalar(ciphertext, 0), rng);
    expect(fresh.ephemeral.is0()).toBe(false);
    expect(exponentialElGamalDecrypt(privateKey, fresh, { bound: 10 })).toBe(0);
    expect(exponentialElGamalDecrypt(privateKey, elGamalRerandomize(publicKey, ciphertext, rng), { bound: 100 })).toBe(17);
  });

  it('refuses a plaintext outside the bound, and a ciphertext under another key', () => {
    const rng = new SeededRandom(27);
    const { publicKey, privateKey } = generateElGamalKeyPair(rng);
    const other = generateElGamalKeyPair(rng);
    const encrypt = (value: number) => exponentialElGamalEncrypt(publicKey, value, rng);
    expectCohortError(() => exponentialElGamalDecrypt(privateKey, encrypt(BOUND), { bound: BOUND }), 'PLAINTEXT_OUT_OF_RANGE', 'bound', /not in \[0, 10000\)/);
    expectCohortError(() => exponentialElGamalDecrypt(privateKey, encrypt(-1), { bound: BOUND }), 'PLAINTEXT_OUT_OF_RANGE', 'bound');
    expectCohortError(() => exponentialElGamalDecrypt(privateKey, encrypt(-BOUND), signed), 'PLAINTEXT_OUT_OF_RANGE', 'bound', /not in \(−10000, 10000\)/);
    expectCohortError(() => exponentialElGamalDecrypt(other.privateKey, encrypt(5), { bound: BOUND }), 'PLAINTEXT_OUT_OF_RANGE', 'bound');
  });

  it('validates its arguments', () => {
    const rng = new SeededRandom(28);
    const { publicKey, privateKey } = generateElGamalKeyPair(rng);
    const ciphertext = exponentialElGamalEncrypt(publicKey, 1, rng);
    expectCohortError(() => exponentialElGamalEncrypt(publicKey, 0.5, rng), 'INVALID_ARGUMENT', 'value', /safe integer or a bigint \(got 0.5\)/);
    expectCohortError(() => exponentialElGamalEncrypt(publicKey, 2 ** 60, rng), 'INVALID_ARGUMENT', 'value');
    expectCohortError(() => exponentialElGamalAddPlain(ciphertext, Number.NaN), 'INVALID_ARGUMENT', 'value');
    expectCohortError(() => exponentialElGamalMultiplyScalar(ciphertext, '2' as never), 'INVALID_ARGUMENT', 'factor');
    expectCohortError(() => exponentialElGamalSum([]), 'INVALID_ARGUMENT', 'ciphertexts', /non-empty array/);
    expectCohortError(() => exponentialElGamalSum([ciphertext, {} as never]), 'INVALID_ARGUMENT', 'ciphertexts[1].ephemeral');
    expectCohortError(() => exponentialElGamalDecrypt(privateKey, ciphertext, { bound: 0 }), 'INVALID_ARGUMENT', 'bound', /integer in \[1, 2\^40\]/);
    expectCohortError(() => exponentialElGamalDecrypt(privateKey, ciphertext, { bound: 2 ** 41 }), 'INVALID_ARGUMENT', 'bound');
    expectCohortError(() => exponentialElGamalDecrypt(privateKey, ciphertext, undefined as never), 'INVALID_ARGUMENT', 'options');
  });
});
