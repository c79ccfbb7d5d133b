/**
 * X25519 Diffie–Hellman (Langley, Hamburg & Turner, RFC 7748 §5 and §6.1) through WebCrypto's
 * "X25519" algorithm (Node ≥ 20, Chrome 133, Firefox 130, Safari 17). Public keys are the 32-byte
 * little-endian u-coordinate; private keys are `CryptoKey`s, exported as 32 raw bytes only when
 * the caller must secret-share them (SecAgg's s_sk).
 */
import { CohortError } from '../errors.js';
import { checkBytes } from './check-bytes.js';
import { bufferSource, subtle } from './webcrypto.js';

export interface X25519KeyPair {
  /** The 32-byte raw public key (u-coordinate, RFC 7748 §5). */
  readonly publicKey: Uint8Array;
  readonly privateKey: CryptoKey;
}

const ALGORITHM = { name: 'X25519' } as const;
export const X25519_KEY_BYTES = 32;

/**
 * PKCS#8 PrivateKeyInfo of an X25519 key (RFC 8410 §7): SEQUENCE { INTEGER 0, AlgorithmIdentifier
 * { OID 1.3.101.110 }, OCTET STRING { OCTET STRING (32 bytes) } } — this prefix, then the raw key.
 */
const PKCS8_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);

/** The base point u = 9 (RFC 7748 §4.1); X25519(k, 9) is the public key of k (§6.1). */
const BASE_POINT = (() => {
  const u = new Uint8Array(X25519_KEY_BYTES);
  u[0] = 9;
  return u;
})();

export async function generateX25519KeyPair(): Promise<X25519KeyPair> {
  const s = subtle();
  // Extractable because SecAgg secret-shares the self-mask key s_sk (Bonawitz et al. 2017, round 1).
  const pair = (await s.generateKey(ALGORITHM, true, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await s.exportKey('raw', pair.publicKey));
  return { publicKey, privateKey: pair.privateKey };
}

/**
 * The 32-byte shared secret X25519(privateKey, peerPublicKey). Refuses an all-zero result — a
 * low-order peer key that would let the peer fix the secret (RFC 7748 §6.1) — with INVALID_DATA.
 */
export async function x25519SharedSecret(privateKey: CryptoKey, peerPublicKey: Uint8Array): Promise<Uint8Array> {
  checkPrivateKey(privateKey);
  checkBytes(peerPublicKey, 'peerPublicKey', (n) => n === X25519_KEY_BYTES, `${X25519_KEY_BYTES} bytes`);
  const s = subtle();
  const peer = await s.importKey('raw', bufferSource(peerPublicKey), ALGORITHM, true, []);
  let bits: ArrayBuffer;
  try {
    bits = await s.deriveBits({ name: 'X25519', public: peer }, privateKey, 256);
  } catch (error) {
    // Node and some browsers already refuse the all-zero output with an OperationError.
    throw lowOrderError(peerPublicKey, error);
  }
  const secret = new Uint8Array(bits);
  if (secret.every((b) => b === 0)) throw lowOrderError(peerPublicKey);
  return secret;
}

/** The 32 raw private-key bytes, read out of the PKCS#8 export (RFC 8410 §7). */
export async function exportX25519PrivateKey(privateKey: CryptoKey): Promise<Uint8Array> {
  checkPrivateKey(privateKey);
  if (!privateKey.extractable) throw new CohortError('INVALID_ARGUMENT', 'privateKey must be extractable to be exported (got a non-extractable X25519 CryptoKey)', { subject: 'privateKey' });
  const pkcs8 = new Uint8Array(await subtle().exportKey('pkcs8', privateKey));
  try {
    const ok = pkcs8.length === PKCS8_PREFIX.length + X25519_KEY_BYTES && PKCS8_PREFIX.every((b, i) => pkcs8[i] === b);
    if (!ok) throw new CohortError('INVALID_DATA', `the platform exported an X25519 PKCS#8 key of ${pkcs8.length} bytes without the RFC 8410 prefix; expected ${PKCS8_PREFIX.length + X25519_KEY_BYTES} bytes`);
    return pkcs8.slice(PKCS8_PREFIX.length);
  } finally {
    pkcs8.fill(0);
  }
}

/** An extractable X25519 private CryptoKey (usage deriveBits) from 32 raw bytes. */
export async function importX25519PrivateKey(raw: Uint8Array): Promise<CryptoKey> {
  checkBytes(raw, 'raw', (n) => n === X25519_KEY_BYTES, `${X25519_KEY_BYTES} bytes`);
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + X25519_KEY_BYTES);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(raw, PKCS8_PREFIX.length);
  try {
    return await subtle().importKey('pkcs8', pkcs8, ALGORITHM, true, ['deriveBits']);
  } catch (error) {
    throw new CohortError('INVALID_DATA', 'raw could not be imported as an X25519 private key', { subject: 'raw', cause: error });
  } finally {
    pkcs8.fill(0);
  }
}

/** The public key of 32 raw private-key bytes: X25519(k, 9) (RFC 7748 §6.1). */
export async function x25519PublicKeyOf(privateRaw: Uint8Array): Promise<Uint8Array> {
  checkBytes(privateRaw, 'privateRaw', (n) => n === X25519_KEY_BYTES, `${X25519_KEY_BYTES} bytes`);
  const key = await importX25519PrivateKey(privateRaw);
  const s = subtle();
  const base = await s.importKey('raw', BASE_POINT, ALGORITHM, true, []);
  return new Uint8Array(await s.deriveBits({ name: 'X25519', public: base }, key, 256));
}

function checkPrivateKey(privateKey: CryptoKey): void {
  const ok = typeof CryptoKey !== 'undefined' && privateKey instanceof CryptoKey && privateKey.type === 'private' && privateKey.algorithm.name === 'X25519';
  if (!ok) throw new CohortError('INVALID_ARGUMENT', `privateKey must be an X25519 private CryptoKey (got ${describeKey(privateKey)})`, { subject: 'privateKey' });
}

function lowOrderError(peerPublicKey: Uint8Array, cause?: unknown): CohortError {
  return new CohortError(
    'INVALID_DATA',
    `peerPublicKey ${hex(peerPublicKey)} gives an all-zero X25519 shared secret (a low-order point, RFC 7748 §6.1); refused`,
    cause === undefined ? { subject: 'peerPublicKey' } : { subject: 'peerPublicKey', cause },
  );
}

function describeKey(key: unknown): string {
  if (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey) return `a ${key.type} ${key.algorithm.name} CryptoKey`;
  return typeof key;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
