import { describe, expect, it } from 'vitest';
import {
  exportX25519PrivateKey,
  generateX25519KeyPair,
  importX25519PrivateKey,
  x25519PublicKeyOf,
  x25519SharedSecret,
} from '../../../src/crypto/x25519.js';
import { expectCohortError, hex, loadVectors, toHex } from './helpers.js';

interface X25519Vectors {
  source: string;
  scalarMult: { scalar: string; u: string; output: string }[];
  diffieHellman: { alicePrivate: string; alicePublic: string; bobPrivate: string; bobPublic: string; shared: string };
  lowOrderPoints: string[];
}

const vectors = loadVectors<X25519Vectors>('x25519.json');

describe('X25519 (RFC 7748)', () => {
  it('has a cited source', () => {
    expect(vectors.source).toMatch(/RFC 7748/);
  });

  it('matches the §6.1 Alice/Bob public keys and shared secret', async () => {
    const dh = vectors.diffieHellman;
    expect(toHex(await x25519PublicKeyOf(hex(dh.alicePrivate)))).toBe(dh.alicePublic);
    expect(toHex(await x25519PublicKeyOf(hex(dh.bobPrivate)))).toBe(dh.bobPublic);
    const alice = await importX25519PrivateKey(hex(dh.alicePrivate));
    const bob = await importX25519PrivateKey(hex(dh.bobPrivate));
    expect(toHex(await x25519SharedSecret(alice, hex(dh.bobPublic)))).toBe(dh.shared);
    expect(toHex(await x25519SharedSecret(bob, hex(dh.alicePublic)))).toBe(dh.shared);
  });

  it('matches the §5.2 scalar-multiplication vectors (unclamped scalars, u with the top bit set)', async () => {
    for (const v of vectors.scalarMult) {
      const key = await importX25519PrivateKey(hex(v.scalar));
      expect(toHex(await x25519SharedSecret(key, hex(v.u)))).toBe(v.output);
    }
  });

  it('exports and re-imports the 32 raw private-key bytes unchanged', async () => {
    const raw = hex(vectors.diffieHellman.alicePrivate);
    const key = await importX25519PrivateKey(raw);
    expect(toHex(await exportX25519PrivateKey(key))).toBe(vectors.diffieHellman.alicePrivate);
    expect(toHex(raw)).toBe(vectors.diffieHellman.alicePrivate); // the caller's bytes are not touched
  });

  it('generates key pairs whose agreement is symmetric and whose exported key gives the same public key', async () => {
    const a = await generateX25519KeyPair();
    const b = await generateX25519KeyPair();
    expect(a.publicKey).toHaveLength(32);
    expect(toHex(a.publicKey)).not.toBe(toHex(b.publicKey));
    const ab = await x25519SharedSecret(a.privateKey, b.publicKey);
    const ba = await x25519SharedSecret(b.privateKey, a.publicKey);
    expect(ab).toHaveLength(32);
    expect(toHex(ab)).toBe(toHex(ba));
    const raw = await exportX25519PrivateKey(a.privateKey);
    expect(raw).toHaveLength(32);
    expect(toHex(await x25519PublicKeyOf(raw))).toBe(toHex(a.publicKey));
    const reimported = await importX25519PrivateKey(raw);
    expect(toHex(await x25519SharedSecret(reimported, b.publicKey))).toBe(toHex(ab));
  });

  it('refuses every low-order peer key (all-zero shared secret, RFC 7748 §6.1) with INVALID_DATA', async () => {
    const { privateKey } = await generateX25519KeyPair();
    expect(vectors.lowOrderPoints.length).toBe(7);
    for (const point of vectors.lowOrderPoints) {
      const error = await expectCohortError(() => x25519SharedSecret(privateKey, hex(point)), 'INVALID_DATA', /all-zero/);
      expect(error.message).toContain(point);
      expect(error.subject).toBe('peerPublicKey');
    }
  });

  it('rejects malformed arguments with INVALID_ARGUMENT naming the argument', async () => {
    const { privateKey, publicKey } = await generateX25519KeyPair();
    await expectCohortError(() => x25519SharedSecret(privateKey, new Uint8Array(31)), 'INVALID_ARGUMENT', /peerPublicKey must be 32 bytes \(got 31 bytes\)/);
    await expectCohortError(() => importX25519PrivateKey(new Uint8Array(33)), 'INVALID_ARGUMENT', /raw must be 32 bytes \(got 33 bytes\)/);
    await expectCohortError(() => x25519PublicKeyOf(new Uint8Array(16)), 'INVALID_ARGUMENT', /privateRaw must be 32 bytes/);
    const aes = await globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, true, ['encrypt']);
    await expectCohortError(() => x25519SharedSecret(aes, publicKey), 'INVALID_ARGUMENT', /privateKey must be an X25519 private CryptoKey \(got a secret AES-GCM CryptoKey\)/);
    const locked = (await globalThis.crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
    await expectCohortError(() => exportX25519PrivateKey(locked.privateKey), 'INVALID_ARGUMENT', /privateKey must be extractable/);
  });
});
