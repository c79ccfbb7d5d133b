/**
 * Key derivations and byte layouts shared by the SecAgg+ client and server.
 *
 * - Pairwise mask seed (Bonawitz et al. CCS 2017, §4 "s_{u,v} = KA.agree(s_u^SK, s_v^PK)"):
 *     s_uv = HKDF-SHA256(ikm = X25519(s_sk_u, s_pk_v), salt = sessionId,
 *                        info = "cohort/secagg/v1/mask" ‖ round ‖ id_low ‖ id_high, 32 bytes)
 *   (RFC 5869), with the two client ids in canonical order (lower roster index first), so u and v
 *   derive the same seed and a seed never repeats across rounds or sessions.
 * - Share-encryption key: the same with X25519(c_sk_u, c_pk_v) and info "…/share-key"; AES-256-GCM
 *   (NIST SP 800-38D) with associated data "cohort/secagg/v1/share" ‖ sessionId ‖ round ‖ sender ‖
 *   receiver, so a ciphertext cannot be moved to another round, session or direction.
 * - Share plaintext: u32 sender index ‖ u32 receiver index ‖ share of b_u ‖ share of s_sk_u
 *   (each SHAMIR_SHARE_BYTES, x = receiver index + 1).
 * Integers are big-endian; strings are u16-length-prefixed UTF-8.
 */
import { AES_GCM_NONCE_BYTES, AES_GCM_TAG_BYTES } from '../crypto/aes-gcm.js';
import { hkdfSha256 } from '../crypto/hkdf.js';
import { SHAMIR_SHARE_BYTES, type ShamirShare, decodeShamirShare, encodeShamirShare } from '../crypto/shamir.js';
import { x25519SharedSecret } from '../crypto/x25519.js';
import { CohortError } from '../errors.js';

const LABEL = 'cohort/secagg/v1';
const encoder = new TextEncoder();

/** Bytes of a self-mask seed b_u and of a derived pairwise seed. */
export const SEED_BYTES = 32;
export const SHARE_PLAINTEXT_BYTES = 8 + 2 * SHAMIR_SHARE_BYTES;
export const SHARE_CIPHERTEXT_BYTES = AES_GCM_NONCE_BYTES + SHARE_PLAINTEXT_BYTES + AES_GCM_TAG_BYTES;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, false);
  return out;
}

function text(value: string): Uint8Array {
  const bytes = encoder.encode(value);
  const out = new Uint8Array(2 + bytes.length);
  new DataView(out.buffer).setUint16(0, bytes.length, false);
  out.set(bytes, 2);
  return out;
}

/** The pair's ids in canonical (roster-index) order. */
export interface PeerPair {
  readonly lowId: string;
  readonly highId: string;
}

function info(kind: 'mask' | 'share-key', round: number, pair: PeerPair): Uint8Array {
  return concat([encoder.encode(`${LABEL}/${kind}`), u32(round), text(pair.lowId), text(pair.highId)]);
}

/** s_uv from this side's private key and the peer's public key. */
export async function pairwiseMaskSeed(
  privateKey: CryptoKey,
  peerPublicKey: Uint8Array,
  sessionId: Uint8Array,
  round: number,
  pair: PeerPair,
): Promise<Uint8Array> {
  const shared = await x25519SharedSecret(privateKey, peerPublicKey);
  try {
    return await hkdfSha256(shared, sessionId, info('mask', round, pair), SEED_BYTES);
  } finally {
    shared.fill(0);
  }
}

/** The AES-256-GCM key of the share channel between u and v (symmetric in u, v). */
export async function shareChannelKey(
  privateKey: CryptoKey,
  peerPublicKey: Uint8Array,
  sessionId: Uint8Array,
  round: number,
  pair: PeerPair,
): Promise<Uint8Array> {
  const shared = await x25519SharedSecret(privateKey, peerPublicKey);
  try {
    return await hkdfSha256(shared, sessionId, info('share-key', round, pair), 32);
  } finally {
    shared.fill(0);
  }
}

/** Associated data of the share ciphertext from `senderId` to `receiverId`. */
export function shareAssociatedData(sessionId: Uint8Array, round: number, senderId: string, receiverId: string): Uint8Array {
  return concat([encoder.encode(`${LABEL}/share`), sessionId, u32(round), text(senderId), text(receiverId)]);
}

export interface SharePayload {
  readonly sender: number;
  readonly receiver: number;
  readonly selfMaskShare: ShamirShare;
  readonly keyShare: ShamirShare;
}

export function encodeSharePayload(payload: SharePayload): Uint8Array {
  return concat([u32(payload.sender), u32(payload.receiver), encodeShamirShare(payload.selfMaskShare), encodeShamirShare(payload.keyShare)]);
}

export function decodeSharePayload(bytes: Uint8Array): SharePayload {
  if (bytes.length !== SHARE_PLAINTEXT_BYTES) {
    throw new CohortError('INVALID_DATA', `a share payload must be ${SHARE_PLAINTEXT_BYTES} bytes (got ${bytes.length})`, {
      subject: 'ciphertext',
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    sender: view.getUint32(0, false),
    receiver: view.getUint32(4, false),
    selfMaskShare: decodeShamirShare(bytes.subarray(8, 8 + SHAMIR_SHARE_BYTES)),
    keyShare: decodeShamirShare(bytes.subarray(8 + SHAMIR_SHARE_BYTES)),
  };
}

/** +1 if u comes before v in the roster, else −1: u adds sign·PRG(s_uv), v subtracts it. */
export function maskSign(u: number, v: number): 1 | -1 {
  return u < v ? 1 : -1;
}

/** Runs `task` over `items` with at most `limit` in flight (bounds keystream memory). */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
