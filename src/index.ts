// Public library entry point: re-exports each layer's public API.
export * from './errors.js';
export * from './crypto/random.js';
export { type X25519KeyPair, X25519_KEY_BYTES, generateX25519KeyPair, x25519SharedSecret, exportX25519PrivateKey, importX25519PrivateKey, x25519PublicKeyOf } from './crypto/x25519.js';
export { hkdfSha256, HKDF_SHA256_MAX_LENGTH } from './crypto/hkdf.js';
export { aesGcmSeal, aesGcmOpen, AES_GCM_NONCE_BYTES, AES_GCM_TAG_BYTES } from './crypto/aes-gcm.js';
export { expandSeed, addSeedMask, PRG_KEY_BYTES } from './crypto/prg.js';
export { type ShamirShare, SHAMIR_PRIME, SHAMIR_MAX_X, SHAMIR_SHARE_BYTES, shamirSplit, shamirCombine, shamirSplitBytes, shamirCombineBytes, encodeShamirShare, decodeShamirShare } from './crypto/shamir.js';
export { additiveSharesUint32, combineAdditiveUint32, additiveSharesModP, combineAdditiveModP } from './crypto/additive-sharing.js';
export * from './data/index.js';
export { type BudgetLedger, type PrivacyBudget, type SpendRequest, type LedgerEntry, type SpendGrant, type SpendRefusal, type SpendOutcome, budgetExceededError } from './dp/budget-ledger.js';
export { InMemoryBudgetLedger, type InMemoryBudgetLedgerOptions } from './dp/budget-ledger-memory.js';
export * from './aggregation/index.js';
export * from './fl/index.js';
export * from './ml/index.js';
export * from './dp/accountants/index.js';
export * from './dp/calibration/index.js';
export * from './crypto/elgamal/index.js';
export * from './dp/samplers/index.js';
export * from './dp/mechanisms/index.js';
export * from './dp/statistics/index.js';
export * from './crypto/paillier/index.js';
export * from './fl/private-training.js';
export * from './fl/encrypted-aggregation/index.js';
export * from './fl/secure-aggregation/index.js';
export {
  type SecAggParameters,
  type SecAggStage,
  type SecAggServerMessage,
  type SecAggClientMessage,
  type SecAggResult,
  type FixedPointPlan,
  defaultNeighbours,
  defaultThreshold,
  SecAggServerRound,
  SecAggClientRound,
  encodeServerMessage,
  decodeServerMessage,
  encodeClientMessage,
  decodeClientMessage,
  planFixedPoint,
  quantize,
  dequantizeSum,
} from './secagg/index.js';
export * from './fl/dp/index.js';
