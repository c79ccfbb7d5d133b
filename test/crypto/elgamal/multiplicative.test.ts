import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import {
  RISTRETTO255_ORDER,
  elGamalDecryptElement,
  elGamalEncryptElement,
  elGamalMultiply,
  elGamalPrivateKeyFromScalar,
  elGamalRerandomize,
  generateElGamalKeyPair,
  parseElGamalCiphertext,
  randomRistretto255Element,
  ristretto255FromExponent,
  ristretto255Generator,
  serializeElGamalCiphertext,
  type ElGamalCiphertext,
} from '../../../src/crypto/elgamal/index.js';
import { expectCohortError } from './helpers.js';

// Properties run on a seeded source so a failure reproduces; fast-check prints its own seed too.
const FC = { seed: 7, numRuns: 15 } as const;
const seeds = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const sameCiphertext = (a: ElGamalCiphertext, b: ElGamalCiphertext): boolean =>
  a.ephemeral.equals(b.ephemeral) && a.masked.equals(b.masked);

describe('multiplicative ElGamal over ristretto255', () => {
  it('decrypts what it encrypts', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const rng = new SeededRandom(seed);
        const { publicKey, privateKey } = generateElGamalKeyPair(rng);
        const message = randomRistretto255Element(rng);
        const ciphertext = elGamalEncryptElement(publicKey, message, rng);
        expect(elGamalDecryptElement(privateKey, ciphertext).equals(message)).toBe(true);
      }),
      FC,
    );
  });

  it('follows the textbook formulas: c1 = r·B, c2 = M + r·h, and decryption is c2 − x·c1', () => {
    // With x = 5 and the seeded nonce r read back from a twin generator, every component is known.
    const privateKey = elGamalPrivateKeyFromScalar(5n);
    expect(privateKey.publicKey.element.equals(ristretto255FromExponent(5))).toBe(true);
    const message = ristretto255FromExponent(11);
    const ciphertext = elGamalEncryptElement(privateKey.publicKey, message, new SeededRandom(99));
    const nonce = new SeededRandom(99).uniformBigInt(RISTRETTO255_ORDER - 1n) + 1n;
    expect(ciphertext.ephemeral.equals(ristretto255FromExponent(nonce))).toBe(true);
    expect(ciphertext.masked.equals(ristretto255FromExponent(11n + 5n * nonce))).toBe(true);
  });

  it('is homomorphic: Dec(Enc(M1) ⊙ Enc(M2)) = M1 + M2 (the group operation)', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const rng = new SeededRandom(seed);
        const { publicKey, privateKey } = generateElGamalKeyPair(rng);
        const m1 = randomRistretto255Element(rng);
        const m2 = randomRistretto255Element(rng);
        const product = elGamalMultiply(elGamalEncryptElement(publicKey, m1, rng), elGamalEncryptElement(publicKey, m2, rng));
        expect(elGamalDecryptElement(privateKey, product).equals(m1.add(m2))).toBe(true);
      }),
      FC,
    );
  });

  it('re-randomisation changes the ciphertext but not the plaintext', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const rng = new SeededRandom(seed);
        const { publicKey, privateKey } = generateElGamalKeyPair(rng);
        const message = randomRistretto255Element(rng);
        const original = elGamalEncryptElement(publicKey, message, rng);
        const fresh = elGamalRerandomize(publicKey, original, rng);
        expect(fresh.ephemeral.equals(original.ephemeral)).toBe(false);
        expect(fresh.masked.equals(original.masked)).toBe(false);
        expect(serializeElGamalCiphertext(fresh)).not.toBe(serializeElGamalCiphertext(original));
        expect(elGamalDecryptElement(privateKey, fresh).equals(message)).toBe(true);
      }),
      FC,
    );
  });

  it('encrypts the same message differently each time, and reproducibly from one seed', () => {
    const { publicKey } = generateElGamalKeyPair(new SeededRandom(1));
    const message = ristretto255Generator();
    const rng = new SeededRandom(2);
    const first = elGamalEncryptElement(publicKey, message, rng);
    const second = elGamalEncryptElement(publicKey, message, rng);
    expect(sameCiphertext(first, second)).toBe(false);
    expect(sameCiphertext(first, elGamalEncryptElement(publicKey, message, new SeededRandom(2)))).toBe(true);
  });

  it('decrypts the identity and a ciphertext with c1 = identity (e.g. Enc(M) ⊙ Enc(−M)-style sums)', () => {
    const rng = new SeededRandom(3);
    const { publicKey, privateKey } = generateElGamalKeyPair(rng);
    const message = randomRistretto255Element(rng);
    const ciphertext = elGamalEncryptElement(publicKey, message, rng);
    const inverse = { ephemeral: ciphertext.ephemeral.negate(), masked: ciphertext.masked.negate() };
    const zero = elGamalMultiply(ciphertext, inverse);
    expect(zero.ephemeral.is0()).toBe(true);
    expect(elGamalDecryptElement(privateKey, zero).is0()).toBe(true);
    const identity = elGamalEncryptElement(publicKey, message.subtract(message), rng);
    expect(elGamalDecryptElement(privateKey, identity).is0()).toBe(true);
  });

  it('works after the public key builds its fixed-base table (past 32 encryptions)', () => {
    const rng = new SeededRandom(4);
    const { publicKey, privateKey } = generateElGamalKeyPair(rng);
    for (let i = 0; i < 40; i++) {
      const message = ristretto255FromExponent(i + 1);
      const ciphertext = elGamalEncryptElement(publicKey, message, rng);
      expect(elGamalDecryptElement(privateKey, ciphertext).equals(message), `encryption ${i}`).toBe(true);
    }
  });

  it('refuses arguments that are not keys, elements or ciphertexts, naming them', () => {
    const rng = new SeededRandom(5);
    const { publicKey, privateKey } = generateElGamalKeyPair(rng);
    const message = ristretto255Generator();
    const ciphertext = elGamalEncryptElement(publicKey, message, rng);
    expectCohortError(() => elGamalEncryptElement(privateKey as never, message, rng), 'INVALID_ARGUMENT', 'publicKey', /ElGamal public key/);
    expectCohortError(() => elGamalEncryptElement(publicKey, 'B' as never, rng), 'INVALID_ARGUMENT', 'message', /ristretto255 element/);
    expectCohortError(() => elGamalDecryptElement(publicKey as never, ciphertext), 'INVALID_ARGUMENT', 'privateKey');
    expectCohortError(() => elGamalDecryptElement(privateKey, { ephemeral: message } as never), 'INVALID_ARGUMENT', 'ciphertext.masked');
    expectCohortError(() => elGamalMultiply(ciphertext, null as never), 'INVALID_ARGUMENT', 'b', /got null/);
    expectCohortError(
      () => elGamalDecryptElement({ ...privateKey, secretScalar: RISTRETTO255_ORDER }, ciphertext),
      'INVALID_ARGUMENT',
      'privateKey',
      /secretScalar must be a bigint in \[1, ℓ\)/,
    );
    expectCohortError(() => elGamalPrivateKeyFromScalar(0n), 'INVALID_ARGUMENT', 'secretScalar');
    expect(() => parseElGamalCiphertext(serializeElGamalCiphertext(ciphertext))).not.toThrow();
  });

  it('refuses a seeded generator for keys and encryption outside a test run', () => {
    const saved = process.env['VITEST'];
    const savedNodeEnv = process.env['NODE_ENV'];
    delete process.env['VITEST'];
    delete process.env['NODE_ENV'];
    try {
      expectCohortError(() => generateElGamalKeyPair(new SeededRandom(1)), 'INSECURE_RANDOMNESS', 'rng', /ElGamal key generation/);
      const { publicKey } = generateElGamalKeyPair(); // the platform CSPRNG is fine
      expectCohortError(() => elGamalEncryptElement(publicKey, ristretto255Generator(), new SeededRandom(1)), 'INSECURE_RANDOMNESS', 'rng');
      const ciphertext = elGamalEncryptElement(publicKey, ristretto255Generator());
      expectCohortError(() => elGamalRerandomize(publicKey, ciphertext, new SeededRandom(1)), 'INSECURE_RANDOMNESS', 'rng');
    } finally {
      if (saved !== undefined) process.env['VITEST'] = saved;
      if (savedNodeEnv !== undefined) process.env['NODE_ENV'] = savedNodeEnv;
    }
  });
});
