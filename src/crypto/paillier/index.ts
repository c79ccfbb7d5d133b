/**
 * Paillier encryption (python-paillier compatible), fast mode, pools, packed vectors and
 * threshold decryption. See docs/paillier.md.
 */
export { ENCODING_BASE, EncodedNumber, type EncodeOptions, type EncodingKey } from './encoding.js';
export { EncryptedNumber } from './encrypted-number.js';
export { PaillierPublicKey, MIN_MODULUS_BITS, type EncryptOptions, type RawEncryptOptions } from './public-key.js';
export {
  PaillierPrivateKey,
  DEFAULT_KEY_BITS,
  generateKeypair,
  checkPrivateKeyPrimes,
  type KeyGenerationOptions,
  type PaillierKeypair,
} from './private-key.js';
export { StandardObfuscator, CrtObfuscator, type ObfuscatorSource } from './obfuscators.js';
export { FastObfuscator, DEFAULT_SHORT_EXPONENT_BITS, MIN_SHORT_EXPONENT_BITS, type FastObfuscatorOptions } from './fast-mode.js';
export { ObfuscatorPool, type ObfuscatorPoolOptions } from './pool.js';
export {
  PHEUTIL_EXPONENT,
  publicKeyToJwk,
  privateKeyToJwk,
  publicKeyFromJwk,
  privateKeyFromJwk,
  keyFromJwk,
  encryptedNumberToJson,
  encodeForPheutil,
  encryptedNumberFromJson,
  parseJsonText,
  type PublicKeyJwk,
  type PrivateKeyJwk,
  type CiphertextJson,
} from './json.js';
export { PackingScheme, EncryptedVector, type PackingOptions, type RawDecryptor } from './packing.js';
export {
  ThresholdPublicParameters,
  ThresholdKeyShare,
  dealThresholdKey,
  type PartialDecryption,
  type ThresholdDealOptions,
  type ThresholdKey,
  type ThresholdKeyShareJson,
} from './threshold.js';
export type { PaillierWorkerOptions, PaillierWorkerPool } from './node-workers.js';

/** Node only: starts worker threads for pool refills and parallel packed encryption. */
export async function startPaillierWorkers(
  publicKey: import('./public-key.js').PaillierPublicKey,
  options: import('./node-workers.js').PaillierWorkerOptions = {},
): Promise<import('./node-workers.js').PaillierWorkerPool> {
  const { PaillierWorkerPool } = await import('./node-workers.js');
  return PaillierWorkerPool.start(publicKey, options);
}
