/**
 * HKDF with HMAC-SHA-256 (Krawczyk & Eronen, RFC 5869): PRK = HMAC(salt, IKM),
 * OKM = T(1) ‖ T(2) ‖ … with T(i) = HMAC(PRK, T(i−1) ‖ info ‖ i), truncated to L ≤ 255·32 bytes.
 * Computed by WebCrypto's HKDF (an empty salt is HashLen zero bytes, RFC 5869 §2.2).
 */
import { check } from '../errors.js';
import { checkBytes } from './check-bytes.js';
import { bufferSource, subtle } from './webcrypto.js';

/** RFC 5869 limit: L ≤ 255·HashLen. */
export const HKDF_SHA256_MAX_LENGTH = 255 * 32;

export async function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, lengthBytes: number): Promise<Uint8Array> {
  checkBytes(ikm, 'ikm', () => true, 'a Uint8Array');
  checkBytes(salt, 'salt', () => true, 'a Uint8Array');
  checkBytes(info, 'info', () => true, 'a Uint8Array');
  check(Number.isInteger(lengthBytes) && lengthBytes >= 1 && lengthBytes <= HKDF_SHA256_MAX_LENGTH, 'lengthBytes', lengthBytes, `an integer in [1, ${HKDF_SHA256_MAX_LENGTH}] (RFC 5869 §2.3)`);
  const s = subtle();
  const key = await s.importKey('raw', bufferSource(ikm), 'HKDF', false, ['deriveBits']);
  const bits = await s.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: bufferSource(salt), info: bufferSource(info) }, key, lengthBytes * 8);
  return new Uint8Array(bits);
}
