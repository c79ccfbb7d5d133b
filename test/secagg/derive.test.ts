import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateX25519KeyPair, exportX25519PrivateKey } from '../../src/crypto/x25519.js';
import {
  SHARE_PLAINTEXT_BYTES,
  decodeSharePayload,
  encodeSharePayload,
  maskSign,
  pairwiseMaskSeed,
  shareAssociatedData,
  shareChannelKey,
} from '../../src/secagg/derive.js';

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

/** The documented derivation, recomputed with node:crypto (OpenSSL) instead of WebCrypto. */
function reference(kind: string, privateRaw: Uint8Array, peerPublic: Uint8Array, sessionId: Uint8Array, round: number, low: string, high: string): Buffer {
  const shared = diffieHellman({
    privateKey: createPrivateKey({ key: Buffer.concat([PKCS8_X25519, privateRaw]), format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: Buffer.concat([SPKI_X25519, peerPublic]), format: 'der', type: 'spki' }),
  });
  const lp = (s: string): Buffer => {
    const b = Buffer.from(s, 'utf8');
    const n = Buffer.alloc(2);
    n.writeUInt16BE(b.length);
    return Buffer.concat([n, b]);
  };
  const r = Buffer.alloc(4);
  r.writeUInt32BE(round);
  const info = Buffer.concat([Buffer.from(`cohort/secagg/v1/${kind}`), r, lp(low), lp(high)]);
  return Buffer.from(hkdfSync('sha256', shared, sessionId, info, 32));
}

describe('SecAgg+ key derivations', () => {
  it('s_uv and k_uv are symmetric and match HKDF-SHA256(X25519(...)) with the documented info, computed by OpenSSL', async () => {
    const [a, b] = await Promise.all([generateX25519KeyPair(), generateX25519KeyPair()]);
    const aRaw = await exportX25519PrivateKey(a.privateKey);
    const sessionId = new Uint8Array(32).map((_, i) => i * 7);
    const pair = { lowId: 'hospital-a', highId: 'clinic-β' };
    const ab = await pairwiseMaskSeed(a.privateKey, b.publicKey, sessionId, 5, pair);
    const ba = await pairwiseMaskSeed(b.privateKey, a.publicKey, sessionId, 5, pair);
    expect(Buffer.from(ab)).toEqual(Buffer.from(ba));
    expect(Buffer.from(ab)).toEqual(reference('mask', aRaw, b.publicKey, sessionId, 5, pair.lowId, pair.highId));
    const key = await shareChannelKey(a.privateKey, b.publicKey, sessionId, 5, pair);
    expect(Buffer.from(key)).toEqual(reference('share-key', aRaw, b.publicKey, sessionId, 5, pair.lowId, pair.highId));
    expect(Buffer.from(key)).not.toEqual(Buffer.from(ab));
    // Bound to round, session and pair.
    const others = await Promise.all([
      pairwiseMaskSeed(a.privateKey, b.publicKey, sessionId, 6, pair),
      pairwiseMaskSeed(a.privateKey, b.publicKey, new Uint8Array(32), 5, pair),
      pairwiseMaskSeed(a.privateKey, b.publicKey, sessionId, 5, { lowId: pair.highId, highId: pair.lowId }),
    ]);
    for (const other of others) expect(Buffer.from(other)).not.toEqual(Buffer.from(ab));
  });

  it('associated data names direction, session and round', () => {
    const sid = new Uint8Array(32).fill(1);
    const forward = shareAssociatedData(sid, 3, 'u', 'v');
    expect(Buffer.from(forward).toString('hex')).toBe(
      Buffer.concat([Buffer.from('cohort/secagg/v1/share'), Buffer.from(sid), Buffer.from([0, 0, 0, 3]), Buffer.from([0, 1, 0x75]), Buffer.from([0, 1, 0x76])]).toString('hex'),
    );
    expect(Buffer.from(shareAssociatedData(sid, 3, 'v', 'u'))).not.toEqual(Buffer.from(forward));
  });

  it('share payloads round-trip and refuse a wrong length; signs are antisymmetric', () => {
    const payload = { sender: 3, receiver: 70000, selfMaskShare: { x: 70001 & 0xffff, y: 12345n }, keyShare: { x: 4, y: (1n << 256n) + 1n } };
    const bytes = encodeSharePayload(payload);
    expect(bytes.length).toBe(SHARE_PLAINTEXT_BYTES);
    expect(decodeSharePayload(bytes)).toEqual(payload);
    expect(() => decodeSharePayload(bytes.subarray(1))).toThrow(/share payload must be 78 bytes \(got 77\)/);
    expect(maskSign(1, 2)).toBe(1);
    expect(maskSign(2, 1)).toBe(-1);
  });
});
