// ElGamal over ristretto255: multiplicative (group-element messages) and exponential (small counts).
export {
  RISTRETTO255_BYTES,
  RISTRETTO255_ORDER,
  decodeRistretto255Element,
  encodeRistretto255Element,
  isRistretto255Element,
  randomRistretto255Element,
  ristretto255FromExponent,
  ristretto255Generator,
  ristretto255Identity,
  type Ristretto255Element,
} from './group.js';
export type { ByteEncoding as ElGamalTextEncoding } from './encoding.js';
export {
  elGamalPrivateKeyFromScalar,
  elGamalPublicKeyFromElement,
  generateElGamalKeyPair,
  parseElGamalPrivateKey,
  parseElGamalPublicKey,
  serializeElGamalPrivateKey,
  serializeElGamalPublicKey,
  type ElGamalKeyPair,
  type ElGamalPrivateKey,
  type ElGamalPublicKey,
} from './keys.js';
export { parseElGamalCiphertext, serializeElGamalCiphertext, type ElGamalCiphertext } from './ciphertext.js';
export { elGamalDecryptElement, elGamalEncryptElement, elGamalMultiply, elGamalRerandomize } from './multiplicative.js';
export {
  exponentialElGamalAdd,
  exponentialElGamalAddPlain,
  exponentialElGamalDecrypt,
  exponentialElGamalEncrypt,
  exponentialElGamalMultiplyScalar,
  exponentialElGamalSum,
} from './exponential.js';
export {
  MAX_DISCRETE_LOG_BOUND,
  MAX_DISCRETE_LOG_TABLE_SIZE,
  clearDiscreteLogTables,
  ristretto255DiscreteLog,
  type DiscreteLogOptions,
} from './discrete-log.js';
