/**
 * Key holders of a t-of-ℓ threshold Paillier key (Damgård & Jurik, PKC 2001, §4; dealt by a
 * trusted dealer, see docs/encrypted-aggregation.md for the trust model). Each holds one share and
 * answers partial decryptions of aggregates only: a request claiming fewer than
 * `minContributors` updates is refused, so an honest-but-curious server cannot ask for a single
 * client's update by itself.
 */
import { EncryptedVector, dealThresholdKey, type PackingScheme, type ThresholdKeyShare, type ThresholdPublicParameters } from '../../crypto/paillier/index.js';
import type { RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';
import type { KeyHolderEndpoint, PartialDecryptionResponse, SumDecryptionRequest } from './messages.js';

export class KeyHolder implements KeyHolderEndpoint {
  readonly index: number;
  readonly scheme: PackingScheme;
  readonly minContributors: number;
  private readonly share: ThresholdKeyShare;
  private readonly answeredRounds = new Set<number>();

  constructor(share: ThresholdKeyShare, scheme: PackingScheme, options: { minContributors?: number } = {}) {
    if (share.parameters.publicKey.n !== scheme.publicKey.n) {
      throw new CohortError('INVALID_ARGUMENT', 'the key share and the packing scheme belong to different public keys', { subject: 'share' });
    }
    const minContributors = options.minContributors ?? 2;
    check(Number.isSafeInteger(minContributors) && minContributors >= 1, 'minContributors', minContributors, 'a positive integer');
    this.index = share.index;
    this.share = share;
    this.scheme = scheme;
    this.minContributors = minContributors;
  }

  /** Partial decryptions of a sum; one answer per round, so the server cannot collect several. */
  async partialDecryptSum(request: SumDecryptionRequest): Promise<PartialDecryptionResponse> {
    check(Number.isSafeInteger(request.round) && request.round >= 0, 'request.round', request.round, 'a non-negative integer');
    if (request.contributors < this.minContributors) {
      throw new CohortError('INVALID_ARGUMENT', `key holder ${this.index} decrypts sums of at least ${this.minContributors} updates (asked for ${request.contributors})`, {
        subject: 'contributors',
      });
    }
    if (this.answeredRounds.has(request.round)) {
      throw new CohortError('INVALID_ARGUMENT', `key holder ${this.index} already decrypted round ${request.round}'s sum`, { subject: 'round' });
    }
    const vector = EncryptedVector.fromBytes(this.scheme, request.ciphertexts, request.length, request.contributors);
    this.answeredRounds.add(request.round);
    return { index: this.index, values: vector.ciphertexts.map((c) => this.share.partialDecrypt(c).value) };
  }
}

export interface KeyHolderDealOptions {
  /** Modulus bits (2048 for real use; dealing takes seconds to a minute of safe-prime search). */
  readonly bits: number;
  /** ℓ key holders (default 3). */
  readonly parties?: number;
  /** t of them decrypt (default 2). */
  readonly threshold?: number;
  readonly rng?: RandomSource;
}

export interface DealtKey {
  readonly parameters: ThresholdPublicParameters;
  readonly shares: readonly ThresholdKeyShare[];
}

/** The trusted dealer: one threshold key, one share per key holder. */
export function dealFederationKey(options: KeyHolderDealOptions): DealtKey {
  return dealThresholdKey({
    bits: options.bits,
    parties: options.parties ?? 3,
    threshold: options.threshold ?? 2,
    ...(options.rng === undefined ? {} : { rng: options.rng }),
  });
}
