import { describe, expect, it } from 'vitest';
import { hkdfSha256 } from '../../../src/crypto/hkdf.js';
import { expectCohortError, hex, loadVectors, toHex } from './helpers.js';

interface HkdfVectors {
  source: string;
  cases: { name: string; ikm: string; salt: string; info: string; length: number; okm: string }[];
}

const vectors = loadVectors<HkdfVectors>('hkdf-sha256.json');

describe('HKDF-SHA256 (RFC 5869)', () => {
  it('has a cited source and the three SHA-256 test cases', () => {
    expect(vectors.source).toMatch(/RFC 5869/);
    expect(vectors.cases).toHaveLength(3);
  });

  for (const c of vectors.cases) {
    it(`matches ${c.name}`, async () => {
      const okm = await hkdfSha256(hex(c.ikm), hex(c.salt), hex(c.info), c.length);
      expect(toHex(okm)).toBe(c.okm);
    });
  }

  it('gives prefixes of one output stream for different lengths, and different streams for different info', async () => {
    const c = vectors.cases[0]!;
    const short = await hkdfSha256(hex(c.ikm), hex(c.salt), hex(c.info), 16);
    expect(toHex(short)).toBe(c.okm.slice(0, 32));
    const other = await hkdfSha256(hex(c.ikm), hex(c.salt), new Uint8Array([1]), 16);
    expect(toHex(other)).not.toBe(toHex(short));
  });

  it('rejects lengths outside [1, 255·32] naming lengthBytes', async () => {
    const c = vectors.cases[0]!;
    await expectCohortError(() => hkdfSha256(hex(c.ikm), hex(c.salt), hex(c.info), 0), 'INVALID_ARGUMENT', /lengthBytes must be an integer in \[1, 8160\].*got 0/);
    await expectCohortError(() => hkdfSha256(hex(c.ikm), hex(c.salt), hex(c.info), 8161), 'INVALID_ARGUMENT', /got 8161/);
    await expect(hkdfSha256(hex(c.ikm), hex(c.salt), hex(c.info), 8160)).resolves.toHaveLength(8160);
  });
});
