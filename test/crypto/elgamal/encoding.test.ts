import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64urlLength, decodeBytes, encodeBytes } from '../../../src/crypto/elgamal/encoding.js';
import {
  RISTRETTO255_ORDER,
  decodeRistretto255Element,
  encodeRistretto255Element,
  ristretto255FromExponent,
  ristretto255Generator,
  ristretto255Identity,
} from '../../../src/crypto/elgamal/index.js';
import { expectCohortError } from './helpers.js';

interface RistrettoVectors {
  source: string;
  generatorMultiples: string[];
  invalidEncodings: Record<string, string[]>;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../vectors/ristretto255.json', import.meta.url), 'utf8'),
) as RistrettoVectors;

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('byte encodings', () => {
  it('writes base64url as RFC 4648 §10 does (without padding)', () => {
    // RFC 4648 §10 test vectors for base64; these contain no '+' or '/', so base64url is the same.
    const expected: Array<[string, string]> = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of expected) {
      expect(encodeBytes(ascii(plain), 'base64url')).toBe(encoded);
      expect(base64urlLength(plain.length)).toBe(encoded.length);
    }
    // RFC 4648 §10 base16 vector.
    expect(encodeBytes(ascii('foobar'), 'hex')).toBe('666f6f626172');
  });

  it('uses the url-safe alphabet and agrees with Node for random bytes', () => {
    expect(encodeBytes(Uint8Array.of(0xfb, 0xff), 'base64url')).toBe('-_8');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const b64 = encodeBytes(bytes, 'base64url');
        expect(b64).toBe(Buffer.from(bytes).toString('base64url'));
        expect(decodeBytes(b64, 32, 'x')).toEqual(bytes);
        const hex = encodeBytes(bytes, 'hex');
        expect(hex).toBe(Buffer.from(bytes).toString('hex'));
        expect(decodeBytes(hex, 32, 'x')).toEqual(bytes);
        expect(decodeBytes(hex.toUpperCase(), 32, 'x')).toEqual(bytes);
      }),
      { seed: 20240601, numRuns: 200 },
    );
  });

  it('refuses wrong lengths, foreign characters, padding and non-canonical trailing bits', () => {
    const zeros = '0'.repeat(64);
    expectCohortError(() => decodeBytes(zeros.slice(1), 32, 'publicKey'), 'INVALID_ARGUMENT', 'publicKey', /64 hex characters or 43 unpadded base64url characters .*got 63/);
    expectCohortError(() => decodeBytes(`${'0'.repeat(62)}0g`, 32, 'publicKey'), 'INVALID_ARGUMENT', 'publicKey', /not valid hex: "0g" at character 62/);
    expectCohortError(() => decodeBytes(`${'0'.repeat(62)}+1`, 32, 'publicKey'), 'INVALID_ARGUMENT', 'publicKey', /not valid hex/);
    expectCohortError(() => decodeBytes(`${'A'.repeat(42)}=`, 32, 'publicKey'), 'INVALID_ARGUMENT', 'publicKey', /not valid base64url: "=" at character 42/);
    expectCohortError(() => decodeBytes(`${'A'.repeat(42)}/`, 32, 'publicKey'), 'INVALID_ARGUMENT', 'publicKey', /not valid base64url/);
    // 43 characters carry 258 bits: the last character's 2 low bits must be zero.
    expectCohortError(() => decodeBytes(`${'A'.repeat(42)}B`, 32, 'publicKey'), 'INVALID_ARGUMENT', 'publicKey', /not canonical base64url/);
    expect(decodeBytes(`${'A'.repeat(42)}E`, 32, 'publicKey')[31]).toBe(1);
    expectCohortError(() => decodeBytes(42 as unknown as string, 32, 'publicKey'), 'INVALID_ARGUMENT', 'publicKey', /must be a string \(got number\)/);
  });
});

describe('ristretto255 element encoding (RFC 9496 Appendix A)', () => {
  it('encodes k·B for k = 0..15 as RFC 9496 A.1 lists, and decodes each back', () => {
    expect(vectors.source).toMatch(/RFC 9496/);
    let multiple = ristretto255Identity();
    vectors.generatorMultiples.forEach((hex, k) => {
      expect(encodeRistretto255Element(multiple, 'hex'), `${k}·B`).toBe(hex);
      expect(encodeRistretto255Element(ristretto255FromExponent(k), 'hex'), `${k}·B by exponent`).toBe(hex);
      expect(decodeRistretto255Element(hex).equals(multiple)).toBe(true);
      const b64 = encodeRistretto255Element(multiple, 'base64url');
      expect(b64).toHaveLength(43);
      expect(decodeRistretto255Element(b64).equals(multiple)).toBe(true);
      multiple = multiple.add(ristretto255Generator());
    });
  });

  it('refuses every invalid encoding of RFC 9496 A.2, naming the argument', () => {
    const all = Object.entries(vectors.invalidEncodings).flatMap(([kind, list]) => list.map((hex) => [kind, hex] as const));
    expect(all).toHaveLength(29);
    for (const [kind, hex] of all) {
      const error = expectCohortError(() => decodeRistretto255Element(hex, 'publicKey'), 'INVALID_ARGUMENT', 'publicKey', /not a valid ristretto255 encoding/);
      expect(error.message, kind).toMatch(/RFC 9496/);
      const b64 = Buffer.from(hex, 'hex').toString('base64url');
      expectCohortError(() => decodeRistretto255Element(b64, 'publicKey'), 'INVALID_ARGUMENT', 'publicKey');
    }
  });

  it('maps exponents modulo the group order (−k and ℓ − k give the same element)', () => {
    expect(ristretto255FromExponent(-3).equals(ristretto255FromExponent(RISTRETTO255_ORDER - 3n))).toBe(true);
    expect(ristretto255FromExponent(RISTRETTO255_ORDER).is0()).toBe(true);
    expectCohortError(() => ristretto255FromExponent(1.5), 'INVALID_ARGUMENT', 'exponent');
    expectCohortError(() => encodeRistretto255Element(ristretto255Generator(), 'base64' as 'hex'), 'INVALID_ARGUMENT', 'encoding');
  });
});
