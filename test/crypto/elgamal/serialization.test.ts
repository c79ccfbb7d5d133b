import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import {
  RISTRETTO255_ORDER,
  elGamalEncryptElement,
  elGamalPrivateKeyFromScalar,
  elGamalPublicKeyFromElement,
  exponentialElGamalDecrypt,
  exponentialElGamalEncrypt,
  generateElGamalKeyPair,
  parseElGamalCiphertext,
  parseElGamalPrivateKey,
  parseElGamalPublicKey,
  randomRistretto255Element,
  ristretto255Identity,
  serializeElGamalCiphertext,
  serializeElGamalPrivateKey,
  serializeElGamalPublicKey,
} from '../../../src/crypto/elgamal/index.js';
import { expectCohortError } from './helpers.js';

const FC = { seed: 11, numRuns: 15 } as const;
const seeds = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const littleEndianHex = (value: bigint): string => {
  let hex = '';
  for (let i = 0; i < 32; i++) hex += Number((value >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, '0');
  return hex;
};
// RFC 9496 A.1: the encoding of 2·B, a valid element used to build malformed ciphertexts.
const TWO_B_HEX = '6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919';
// RFC 9496 A.2: a "non-square x^2" encoding that must be rejected.
const INVALID_HEX = '26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371';

describe('ElGamal key and ciphertext serialisation', () => {
  it('round-trips keys and ciphertexts in hex and base64url', () => {
    fc.assert(
      fc.property(seeds, fc.constantFrom('hex' as const, 'base64url' as const), (seed, encoding) => {
        const rng = new SeededRandom(seed);
        const { publicKey, privateKey } = generateElGamalKeyPair(rng);
        const publicText = serializeElGamalPublicKey(publicKey, encoding);
        const privateText = serializeElGamalPrivateKey(privateKey, encoding);
        expect(publicText).toHaveLength(encoding === 'hex' ? 64 : 43);
        expect(privateText).toHaveLength(encoding === 'hex' ? 64 : 43);
        expect(parseElGamalPublicKey(publicText).element.equals(publicKey.element)).toBe(true);
        const parsedPrivate = parseElGamalPrivateKey(privateText);
        expect(parsedPrivate.secretScalar).toBe(privateKey.secretScalar);
        expect(parsedPrivate.publicKey.element.equals(publicKey.element)).toBe(true);

        const ciphertext = elGamalEncryptElement(publicKey, randomRistretto255Element(rng), rng);
        const text = serializeElGamalCiphertext(ciphertext, encoding);
        expect(text).toHaveLength(encoding === 'hex' ? 128 : 86);
        const parsed = parseElGamalCiphertext(text);
        expect(parsed.ephemeral.equals(ciphertext.ephemeral)).toBe(true);
        expect(parsed.masked.equals(ciphertext.masked)).toBe(true);
        expect(serializeElGamalCiphertext(parsed, encoding)).toBe(text);
      }),
      FC,
    );
  });

  it('stores the private key as 32 bytes little-endian and the public key as its RFC 9496 encoding', () => {
    const privateKey = elGamalPrivateKeyFromScalar(2n);
    expect(serializeElGamalPrivateKey(privateKey, 'hex')).toBe(`02${'00'.repeat(31)}`);
    expect(serializeElGamalPublicKey(privateKey.publicKey, 'hex')).toBe(TWO_B_HEX);
    expect(parseElGamalPrivateKey(littleEndianHex(RISTRETTO255_ORDER - 1n)).secretScalar).toBe(RISTRETTO255_ORDER - 1n);
  });

  it('keeps a parsed ciphertext decryptable with a parsed key', () => {
    const rng = new SeededRandom(12);
    const { publicKey, privateKey } = generateElGamalKeyPair(rng);
    const text = serializeElGamalCiphertext(exponentialElGamalEncrypt(parseElGamalPublicKey(serializeElGamalPublicKey(publicKey)), 42, rng));
    const key = parseElGamalPrivateKey(serializeElGamalPrivateKey(privateKey, 'hex'));
    expect(exponentialElGamalDecrypt(key, parseElGamalCiphertext(text), { bound: 100 })).toBe(42);
  });

  it('refuses malformed public keys with a message naming what is wrong', () => {
    expectCohortError(() => parseElGamalPublicKey(''), 'INVALID_ARGUMENT', 'publicKey', /got 0 characters/);
    expectCohortError(() => parseElGamalPublicKey(TWO_B_HEX + '00'), 'INVALID_ARGUMENT', 'publicKey', /got 66 characters/);
    expectCohortError(() => parseElGamalPublicKey(INVALID_HEX), 'INVALID_ARGUMENT', 'publicKey', /not a valid ristretto255 encoding/);
    expectCohortError(() => parseElGamalPublicKey('00'.repeat(32)), 'INVALID_ARGUMENT', 'publicKey', /identity element/);
    expectCohortError(() => elGamalPublicKeyFromElement(ristretto255Identity()), 'INVALID_ARGUMENT', 'publicKey', /identity/);
    expectCohortError(() => parseElGamalPublicKey(`${TWO_B_HEX.slice(0, 63)}z`), 'INVALID_ARGUMENT', 'publicKey', /not valid hex/);
  });

  it('refuses private keys that are zero, not canonical (≥ ℓ) or malformed', () => {
    expectCohortError(() => parseElGamalPrivateKey('00'.repeat(32)), 'INVALID_ARGUMENT', 'privateKey', /zero/);
    expectCohortError(() => parseElGamalPrivateKey(littleEndianHex(RISTRETTO255_ORDER)), 'INVALID_ARGUMENT', 'privateKey', /not below the group order/);
    expectCohortError(() => parseElGamalPrivateKey('ff'.repeat(32)), 'INVALID_ARGUMENT', 'privateKey', /not below the group order/);
    expectCohortError(() => parseElGamalPrivateKey('AAAA'), 'INVALID_ARGUMENT', 'privateKey', /got 4 characters/);
  });

  it('refuses malformed ciphertexts, saying which element is bad', () => {
    expectCohortError(() => parseElGamalCiphertext(TWO_B_HEX), 'INVALID_ARGUMENT', 'ciphertext', /128 hex characters or 86 unpadded base64url characters/);
    expectCohortError(() => parseElGamalCiphertext(INVALID_HEX + TWO_B_HEX), 'INVALID_ARGUMENT', 'ciphertext', /first element, c1\) is not a valid ristretto255 encoding/);
    expectCohortError(() => parseElGamalCiphertext(TWO_B_HEX + INVALID_HEX), 'INVALID_ARGUMENT', 'ciphertext', /second element, c2\) is not a valid ristretto255 encoding/);
    expectCohortError(() => parseElGamalCiphertext(`${'A'.repeat(85)}=`), 'INVALID_ARGUMENT', 'ciphertext', /not valid base64url/);
    expectCohortError(() => parseElGamalCiphertext({} as never), 'INVALID_ARGUMENT', 'ciphertext', /must be a string/);
    expectCohortError(() => serializeElGamalCiphertext({ ephemeral: 1, masked: 2 } as never), 'INVALID_ARGUMENT', 'ciphertext.ephemeral');
    // The identity is a valid element in a ciphertext (e.g. 0 ⊗ Enc(m)).
    expect(parseElGamalCiphertext('00'.repeat(64)).ephemeral.is0()).toBe(true);
  });
});
