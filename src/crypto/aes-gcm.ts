/**
 * AES-GCM authenticated encryption (NIST SP 800-38D; McGrew & Viega 2004) through WebCrypto.
 * Sealed format: nonce (12 bytes, random per message) ‖ ciphertext ‖ tag (16 bytes).
 * A random 96-bit nonce keeps the collision probability below 2^-32 for up to 2^32 messages
 * under one key (SP 800-38D §8.3); SecAgg uses a fresh key per pair of clients and round.
 */
import { CohortError } from '../errors.js';
import { checkBytes } from './check-bytes.js';
import { requireSecure, type RandomSource } from './random.js';
import { bufferSource, subtle } from './webcrypto.js';

export const AES_GCM_NONCE_BYTES = 12;
export const AES_GCM_TAG_BYTES = 16;

/** Encrypts and authenticates `plaintext` and `associatedData`; returns nonce ‖ ciphertext ‖ tag. */
export async function aesGcmSeal(key: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array, rng?: RandomSource): Promise<Uint8Array> {
  checkKey(key);
  const nonce = new Uint8Array(AES_GCM_NONCE_BYTES);
  requireSecure(rng, 'AES-GCM nonce').fillBytes(nonce);
  const body = await encrypt(key, nonce, plaintext, associatedData);
  const sealed = new Uint8Array(AES_GCM_NONCE_BYTES + body.length);
  sealed.set(nonce);
  sealed.set(body, AES_GCM_NONCE_BYTES);
  return sealed;
}

/** Verifies and decrypts nonce ‖ ciphertext ‖ tag; INVALID_DATA if anything was altered. */
export async function aesGcmOpen(key: Uint8Array, sealed: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
  checkKey(key);
  checkBytes(sealed, 'sealed', () => true, 'a Uint8Array');
  checkBytes(associatedData, 'associatedData', () => true, 'a Uint8Array');
  const minimum = AES_GCM_NONCE_BYTES + AES_GCM_TAG_BYTES;
  if (sealed.length < minimum) {
    throw new CohortError('INVALID_DATA', `sealed must be at least ${minimum} bytes (nonce + tag), got ${sealed.length}`, { subject: 'sealed' });
  }
  const s = subtle();
  const cryptoKey = await s.importKey('raw', bufferSource(key), 'AES-GCM', false, ['decrypt']);
  try {
    const plain = await s.decrypt(
      { name: 'AES-GCM', iv: bufferSource(sealed.subarray(0, AES_GCM_NONCE_BYTES)), additionalData: bufferSource(associatedData), tagLength: AES_GCM_TAG_BYTES * 8 },
      cryptoKey,
      bufferSource(sealed.subarray(AES_GCM_NONCE_BYTES)),
    );
    return new Uint8Array(plain);
  } catch (error) {
    throw new CohortError('INVALID_DATA', `sealed (${sealed.length} bytes) failed AES-GCM authentication: wrong key, or the nonce, ciphertext, tag or associated data was altered`, { subject: 'sealed', cause: error });
  }
}

/**
 * FOR KNOWN-ANSWER TESTS ONLY: AES-GCM with a caller-chosen nonce, returning ciphertext ‖ tag
 * (no nonce prefix). Reusing a nonce under one key breaks GCM completely (Joux 2006); production
 * code calls `aesGcmSeal`, which draws the nonce from the CSPRNG.
 */
export async function aesGcmEncryptWithNonceForTests(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
  checkKey(key);
  checkBytes(nonce, 'nonce', (n) => n === AES_GCM_NONCE_BYTES, `${AES_GCM_NONCE_BYTES} bytes`);
  return encrypt(key, nonce, plaintext, associatedData);
}

async function encrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
  checkBytes(plaintext, 'plaintext', () => true, 'a Uint8Array');
  checkBytes(associatedData, 'associatedData', () => true, 'a Uint8Array');
  const s = subtle();
  const cryptoKey = await s.importKey('raw', bufferSource(key), 'AES-GCM', false, ['encrypt']);
  const out = await s.encrypt(
    { name: 'AES-GCM', iv: bufferSource(nonce), additionalData: bufferSource(associatedData), tagLength: AES_GCM_TAG_BYTES * 8 },
    cryptoKey,
    bufferSource(plaintext),
  );
  return new Uint8Array(out);
}

function checkKey(key: Uint8Array): void {
  checkBytes(key, 'key', (n) => n === 16 || n === 32, '16 or 32 bytes (AES-128 or AES-256)');
}
