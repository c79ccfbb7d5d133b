import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Crt2,
  FixedBaseTable,
  base64urlDecode,
  base64urlEncode,
  base64urlToBigint,
  bigintToBase64url,
  bigintToBytes,
  bitLength,
  bytesToBigint,
  crt,
  gcd,
  isqrt,
  lcm,
  mod,
  modInverse,
  modPow,
  modPowBinary,
} from '../../../src/crypto/bigint/index.js';
import { CohortError } from '../../../src/errors.js';

const big = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });

describe('modular arithmetic', () => {
  it('mod is non-negative and bitLength counts bits', () => {
    expect(mod(-7n, 5n)).toBe(3n);
    expect(mod(7n, 5n)).toBe(2n);
    expect(bitLength(0n)).toBe(0);
    expect(bitLength(1n)).toBe(1);
    expect(bitLength(255n)).toBe(8);
    expect(bitLength(256n)).toBe(9);
    expect(bitLength(-(1n << 100n))).toBe(101);
    expect(() => mod(1n, 0n)).toThrow(CohortError);
  });

  it('gcd, lcm and inverse agree with their definitions', () => {
    fc.assert(
      fc.property(big(200), fc.bigInt({ min: 2n, max: 1n << 200n }), (a, m) => {
        const g = gcd(a, m);
        expect(a % (g === 0n ? 1n : g)).toBe(0n);
        expect(m % g).toBe(0n);
        if (g === 1n) expect((modInverse(a, m) * a) % m).toBe(1n % m);
        else expect(() => modInverse(a, m)).toThrow(CohortError);
      }),
    );
    expect(lcm(4n, 6n)).toBe(12n);
  });

  it('CRT recovers x from its residues (two moduli and several)', () => {
    const p = 1000003n;
    const q = 999983n;
    const c = new Crt2(p, q);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: p * q - 1n }), (x) => {
        expect(c.combine(x % p, x % q)).toBe(x);
        expect(crt([x % 7n, x % 11n, x % 13n], [7n, 11n, 13n])).toBe(x % 1001n);
      }),
    );
  });

  it('isqrt is the floor of the square root', () => {
    fc.assert(
      fc.property(big(300), (x) => {
        const r = isqrt(x);
        expect(r * r <= x && (r + 1n) * (r + 1n) > x).toBe(true);
      }),
    );
  });
});

describe('modPow', () => {
  it('sliding window equals square-and-multiply and a schoolbook loop', () => {
    fc.assert(
      fc.property(big(600), big(700), fc.bigInt({ min: 2n, max: 1n << 600n }), (base, exponent, modulus) => {
        expect(modPow(base, exponent, modulus)).toBe(modPowBinary(base, exponent, modulus));
      }),
      { numRuns: 60 },
    );
    let naive = 1n;
    for (let i = 0; i < 100; i++) naive = (naive * 7n) % 1000000007n;
    expect(modPow(7n, 100n, 1000000007n)).toBe(naive);
  });

  it('handles the edge cases', () => {
    expect(modPow(5n, 0n, 7n)).toBe(1n);
    expect(modPow(0n, 5n, 7n)).toBe(0n);
    expect(modPow(5n, 3n, 1n)).toBe(0n);
    expect(modPow(-2n, 3n, 7n)).toBe(6n); // -8 mod 7
    expect(modPow(3n, -1n, 7n)).toBe(5n); // 3·5 = 15 ≡ 1
    // Fermat: a^(p−1) ≡ 1 for the Mersenne prime 2^127 − 1.
    const p = (1n << 127n) - 1n;
    expect(modPow(123456789n, p - 1n, p)).toBe(1n);
  });

  it('the fixed-base table equals modPow', () => {
    const modulus = (1n << 521n) - 1n;
    for (const window of [1, 4, 8]) {
      const table = new FixedBaseTable(987654321987654321n, modulus, 100, window);
      fc.assert(fc.property(big(100), (e) => {
        expect(table.pow(e)).toBe(modPow(987654321987654321n, e, modulus));
      }), { numRuns: 30 });
    }
    const table = new FixedBaseTable(3n, 1000003n, 16);
    expect(() => table.pow(1n << 16n)).toThrow(CohortError);
  });
});

describe('bytes and base64url', () => {
  it('matches the RFC 4648 test vectors (base64url alphabet, no padding)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [text, encoded] of vectors) {
      const bytes = new TextEncoder().encode(text);
      expect(base64urlEncode(bytes)).toBe(encoded);
      expect(base64urlDecode(encoded)).toEqual(bytes);
    }
    expect(base64urlEncode(Uint8Array.of(0xfb, 0xff))).toBe('-_8'); // the URL-safe characters
  });

  it('round-trips bytes and integers; JWK integers are minimal big-endian', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        expect(base64urlDecode(base64urlEncode(bytes))).toEqual(bytes);
      }),
    );
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 1n << 2100n }), (x) => {
      expect(base64urlToBigint(bigintToBase64url(x))).toBe(x);
    }));
    expect(bigintToBase64url(65537n)).toBe('AQAB'); // RFC 7517 Appendix A.1, "e"
    expect(bigintToBytes(1n, 4)).toEqual(Uint8Array.of(0, 0, 0, 1));
    expect(bytesToBigint(Uint8Array.of(1, 0))).toBe(256n);
  });

  it('rejects malformed base64url', () => {
    for (const bad of ['A', 'Zm9v=', 'Zm+v', 'Zm/v', 'Zh', 'é']) expect(() => base64urlDecode(bad)).toThrow(CohortError);
    expect(() => base64urlToBigint('')).toThrow(CohortError);
    expect(() => bigintToBytes(256n, 1)).toThrow(CohortError);
  });
});
