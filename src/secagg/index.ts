/**
 * Secure aggregation, SecAgg+ (Bonawitz et al. CCS 2017; Bell et al. CCS 2020), as
 * transport-free state machines. See docs/secure-aggregation.md.
 */
export {
  type SecAggParameters,
  SESSION_ID_BYTES,
  MAX_CLIENTS,
  MAX_VECTOR_LENGTH,
  validateParameters,
  validateGraphParameters,
} from './parameters.js';
export { defaultNeighbours, defaultThreshold, DROPOUT_RATE, CORRUPT_RATE, SECURITY_BITS, CORRECTNESS_BITS } from './defaults.js';
export { NeighbourGraph } from './graph.js';
export type {
  SecAggStage,
  SecAggHeader,
  SetupRequest,
  NeighbourPublicKeys,
  ShareKeysRequest,
  ForwardedShare,
  MaskedInputRequest,
  UnmaskRequest,
  SecAggServerMessage,
  AdvertiseKeysReply,
  EncryptedShare,
  ShareKeysReply,
  MaskedInputReply,
  RevealedShare,
  UnmaskReply,
  SecAggClientMessage,
} from './messages.js';
export { SECAGG_STAGES } from './messages.js';
export { encodeServerMessage, decodeServerMessage, encodeClientMessage, decodeClientMessage } from './codec.js';
export { SecAggServerRound, type SecAggServerStage, type SecAggResult } from './server.js';
export { SecAggClientRound, type SecAggClientStage } from './client.js';
export { type FixedPointPlan, planFixedPoint, quantize, dequantizeSum, maxMagnitude } from './quantize.js';
