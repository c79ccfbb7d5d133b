import { describe, expect, it } from 'vitest';
import { AES_GCM_NONCE_BYTES, AES_GCM_TAG_BYTES, aesGcmEncryptWithNonceForTests, aesGcmOpen, aesGcmSeal } from '../../../src/crypto/aes-gcm.js';
import { SeededRandom } from '../../../src/crypto/random.js';
import { expectCohortError, hex, loadVectors, toHex } from './helpers.js';

interface GcmVectors {
  source: string;
  cases: { name: string; key: string; nonce: string; plaintext: string; associatedData: string; ciphertext: string; tag: string }[];
}

const vectors = loadVectors<GcmVectors>('aes-gcm.json');
const rng = new SeededRandom(6);

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  rng.fillBytes(out);
  return out;
}

describe('AES-GCM (NIST SP 800-38D)', () => {
  it('has a cited source', () => {
    expect(vectors.source).toMatch(/McGrew & Viega/);
  });

  for (const c of vectors.cases) {
    it(`encrypts ${c.name} to the published ciphertext and tag`, async () => {
      const out = await aesGcmEncryptWithNonceForTests(hex(c.key), hex(c.nonce), hex(c.plaintext), hex(c.associatedData));
      expect(toHex(out)).toBe(c.ciphertext + c.tag);
    });

    it(`opens ${c.name} in the sealed layout nonce ‖ ciphertext ‖ tag`, async () => {
      const sealed = hex(c.nonce + c.ciphertext + c.tag);
      expect(toHex(await aesGcmOpen(hex(c.key), sealed, hex(c.associatedData)))).toBe(c.plaintext);
    });
  }

  it('round-trips with 16- and 32-byte keys, including an empty plaintext and empty associated data', async () => {
    for (const keyBytes of [16, 32]) {
      for (const length of [0, 1, 15, 16, 17, 1000]) {
        const key = randomBytes(keyBytes);
        const plaintext = randomBytes(length);
        const ad = randomBytes(length % 7);
        const sealed = await aesGcmSeal(key, plaintext, ad);
        expect(sealed).toHaveLength(AES_GCM_NONCE_BYTES + length + AES_GCM_TAG_BYTES);
        expect(toHex(await aesGcmOpen(key, sealed, ad))).toBe(toHex(plaintext));
      }
    }
  });

  it('draws a fresh nonce per message from the random source', async () => {
    const key = randomBytes(16);
    const plaintext = new Uint8Array(8);
    const a = await aesGcmSeal(key, plaintext, new Uint8Array(0));
    const b = await aesGcmSeal(key, plaintext, new Uint8Array(0));
    expect(toHex(a.subarray(0, 12))).not.toBe(toHex(b.subarray(0, 12)));
    expect(toHex(a)).not.toBe(toHex(b));
    // With an injected (test-only) seeded source the nonce is exactly its first 12 bytes.
    const expectedNonce = new Uint8Array(12);
    new SeededRandom(99).fillBytes(expectedNonce);
    const c = await aesGcmSeal(key, plaintext, new Uint8Array(0), new SeededRandom(99));
    expect(toHex(c.subarray(0, 12))).toBe(toHex(expectedNonce));
  });

  it('refuses any altered nonce, ciphertext, tag, associated data or key with INVALID_DATA', async () => {
    const key = randomBytes(32);
    const plaintext = randomBytes(40);
    const ad = new TextEncoder().encode('session|round 3|alice->bob');
    const sealed = await aesGcmSeal(key, plaintext, ad);
    const flips = [0, 11, 12, 12 + 39, sealed.length - 16, sealed.length - 1]; // nonce, ciphertext, tag
    for (const index of flips) {
      const tampered = new Uint8Array(sealed);
      tampered[index]! ^= 0x01;
      await expectCohortError(() => aesGcmOpen(key, tampered, ad), 'INVALID_DATA', /failed AES-GCM authentication/);
    }
    const otherAd = new TextEncoder().encode('session|round 3|bob->alice');
    await expectCohortError(() => aesGcmOpen(key, sealed, otherAd), 'INVALID_DATA', /failed AES-GCM authentication/);
    const otherKey = new Uint8Array(key);
    otherKey[0]! ^= 0x80;
    await expectCohortError(() => aesGcmOpen(otherKey, sealed, ad), 'INVALID_DATA', /failed AES-GCM authentication/);
    await expectCohortError(() => aesGcmOpen(key, sealed.subarray(0, sealed.length - 1), ad), 'INVALID_DATA');
    await expectCohortError(() => aesGcmOpen(key, sealed.subarray(0, 27), ad), 'INVALID_DATA', /sealed must be at least 28 bytes .*got 27/);
    // the untouched message still opens
    expect(toHex(await aesGcmOpen(key, sealed, ad))).toBe(toHex(plaintext));
  });

  it('rejects keys that are not 16 or 32 bytes and nonces that are not 12 bytes', async () => {
    await expectCohortError(() => aesGcmSeal(new Uint8Array(24), new Uint8Array(1), new Uint8Array(0)), 'INVALID_ARGUMENT', /key must be 16 or 32 bytes .*got 24 bytes/);
    await expectCohortError(() => aesGcmOpen(new Uint8Array(15), new Uint8Array(40), new Uint8Array(0)), 'INVALID_ARGUMENT', /got 15 bytes/);
    await expectCohortError(() => aesGcmEncryptWithNonceForTests(new Uint8Array(16), new Uint8Array(16), new Uint8Array(1), new Uint8Array(0)), 'INVALID_ARGUMENT', /nonce must be 12 bytes/);
  });
});
