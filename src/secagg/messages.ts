/**
 * SecAgg+ messages, tagged by the stage they belong to. The server sends a request per stage to
 * every live client and the client answers with the message of the same `stage`. Every message
 * carries the round and the session id, so a message from another round or session is refused.
 * Clients are named by their index in the roster (`clientIds` of the setup request).
 * Wire format: proto/secagg.proto (codec.ts).
 */

export type SecAggStage = 'setup' | 'shareKeys' | 'maskedInput' | 'unmask';
export const SECAGG_STAGES: readonly SecAggStage[] = ['setup', 'shareKeys', 'maskedInput', 'unmask'];

export interface SecAggHeader {
  readonly round: number;
  readonly sessionId: Uint8Array;
}

/** Stage 0 request: the round's parameters and the receiving client's neighbours. */
export interface SetupRequest extends SecAggHeader {
  readonly stage: 'setup';
  readonly clientIds: readonly string[];
  readonly threshold: number;
  readonly neighbours: number;
  readonly vectorLength: number;
  /** Roster indices of this client's neighbours, ascending. */
  readonly neighbourIndices: readonly number[];
}

export interface NeighbourPublicKeys {
  readonly index: number;
  /** X25519 public key for the share-encryption channel (c_pk). */
  readonly cPk: Uint8Array;
  /** X25519 public key for the pairwise mask seeds (s_pk). */
  readonly sPk: Uint8Array;
}

/** Stage 1 request: the public keys of the neighbours that advertised keys (and were kept). */
export interface ShareKeysRequest extends SecAggHeader {
  readonly stage: 'shareKeys';
  readonly publicKeys: readonly NeighbourPublicKeys[];
}

export interface ForwardedShare {
  /** Roster index of the neighbour that encrypted this share. */
  readonly sender: number;
  readonly ciphertext: Uint8Array;
}

/** Stage 2 request: the encrypted shares addressed to this client by neighbours in U2. */
export interface MaskedInputRequest extends SecAggHeader {
  readonly stage: 'maskedInput';
  readonly shares: readonly ForwardedShare[];
}

/** Stage 3 request: which of this client's U2 neighbours survived and which dropped. */
export interface UnmaskRequest extends SecAggHeader {
  readonly stage: 'unmask';
  readonly survivors: readonly number[];
  readonly dropped: readonly number[];
}

export type SecAggServerMessage = SetupRequest | ShareKeysRequest | MaskedInputRequest | UnmaskRequest;

/** Stage 0 reply ("advertise keys"). */
export interface AdvertiseKeysReply extends SecAggHeader {
  readonly stage: 'setup';
  readonly cPk: Uint8Array;
  readonly sPk: Uint8Array;
}

export interface EncryptedShare {
  /** Roster index of the neighbour this share is for. */
  readonly receiver: number;
  /** AES-GCM(nonce ‖ ciphertext ‖ tag) of (sender, receiver, share of b_u, share of s_sk_u). */
  readonly ciphertext: Uint8Array;
}

/** Stage 1 reply: one encrypted share pair per neighbour in the request. */
export interface ShareKeysReply extends SecAggHeader {
  readonly stage: 'shareKeys';
  readonly shares: readonly EncryptedShare[];
}

/** Stage 2 reply: y_u = x_u + PRG(b_u) + Σ_v ±PRG(s_uv) mod 2^32. */
export interface MaskedInputReply extends SecAggHeader {
  readonly stage: 'maskedInput';
  readonly maskedInput: Uint32Array;
}

export interface RevealedShare {
  /** Roster index of the client whose secret this is a share of. */
  readonly owner: number;
  /** encodeShamirShare bytes. */
  readonly share: Uint8Array;
}

/** Stage 3 reply: shares of b_v for surviving neighbours, of s_sk_v for dropped ones. */
export interface UnmaskReply extends SecAggHeader {
  readonly stage: 'unmask';
  readonly selfMaskShares: readonly RevealedShare[];
  readonly keyShares: readonly RevealedShare[];
}

export type SecAggClientMessage = AdvertiseKeysReply | ShareKeysReply | MaskedInputReply | UnmaskReply;
