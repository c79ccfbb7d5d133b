/**
 * What travels in encrypted aggregation. Only ciphertext bytes and counts: no message type has a
 * field for a plaintext update, so a server built on these types cannot receive one.
 */

/** A client's contribution: Enc(n_k · clip(Δ_k)) packed, as EncryptedVector.toBytes() writes it. */
export interface EncryptedUpdate {
  /** Fixed-width big-endian ciphertexts, back to back (⌈|n²|/8⌉ bytes each). */
  readonly ciphertexts: Uint8Array;
  /** Number of model parameters packed inside. */
  readonly length: number;
  /** n_k, the client's example count (FedAvg's weight; the server learns it, as in plain FedAvg). */
  readonly numExamples: number;
  /** Coordinates of Δ_k that were outside ±updateRange and clipped (reported, not hidden). */
  readonly clippedValues: number;
}

/** The server's request to a key holder: decrypt this sum of `contributors` updates. */
export interface SumDecryptionRequest {
  readonly round: number;
  readonly ciphertexts: Uint8Array;
  readonly length: number;
  /** How many client updates were multiplied together (the packed weight). */
  readonly contributors: number;
}

/** A key holder's answer: its partial decryption c^(2Δ·s_i) of every ciphertext. */
export interface PartialDecryptionResponse {
  readonly index: number;
  readonly values: readonly bigint[];
}

/** A key holder as the server reaches it: in-process in simulation, over the network otherwise. */
export interface KeyHolderEndpoint {
  readonly index: number;
  partialDecryptSum(request: SumDecryptionRequest): Promise<PartialDecryptionResponse>;
}
