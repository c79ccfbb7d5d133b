/**
 * The public slot layout of an encrypted-aggregation federation, fixed before the first round.
 *
 * Clients send n_k · clip(Δ_k, ±updateRange) where Δ_k = w_k − w (their update against the
 * round's global weights) and n_k their example count, packed as in BatchCrypt (Zhang et al.,
 * USENIX ATC 2020, §4; layout and overflow bound in docs/paillier.md). A slot therefore holds
 * values in ±C with C = maxExamplesPerClient · updateRange, and at most maxClients of them are
 * summed. The fractional bits f are the largest that keep a slot within `slotBits`:
 * bitLength(2 · round(C·2^f) · maxClients) ≤ slotBits.
 *
 * Quantisation bound: rounding to nearest adds at most 2^−(f+1) to each client's n_k·Δ_k,i, so
 * the decrypted Σ n_k Δ_k,i is within K·2^−(f+1) of the exact sum for K clients, and the mean
 * Σ n_k Δ_k,i / Σ n_k within K·2^−(f+1) / Σ n_k ≤ 2^−(f+1) (every n_k ≥ 1), for coordinates
 * that were not clipped.
 */
import { bitLength } from '../../crypto/bigint/index.js';
import { PackingScheme, type PaillierPublicKey } from '../../crypto/paillier/index.js';
import { CohortError, check } from '../../errors.js';

export interface AggregationPlanOptions {
  /** Update coordinates (local minus global weights) are clipped to ±updateRange. */
  readonly updateRange: number;
  /** The most clients one round may sum (the packing's maxSummands). */
  readonly maxClients: number;
  /** The largest example count a client may weigh its update with. */
  readonly maxExamplesPerClient: number;
  /** Bits per packed slot, at most 53. Default 40 (51 slots per 2048-bit ciphertext). */
  readonly slotBits?: number;
}

export interface AggregationPlan {
  readonly scheme: PackingScheme;
  readonly updateRange: number;
  readonly maxClients: number;
  readonly maxExamplesPerClient: number;
  /** Largest error of a decrypted mean update coordinate against the exact mean (not clipped): 2^−(f+1). */
  readonly quantizationBound: number;
}

export const DEFAULT_AGGREGATION_SLOT_BITS = 40;

export function planAggregation(publicKey: PaillierPublicKey, options: AggregationPlanOptions): AggregationPlan {
  const { updateRange, maxClients, maxExamplesPerClient } = options;
  const slotBits = options.slotBits ?? DEFAULT_AGGREGATION_SLOT_BITS;
  check(Number.isFinite(updateRange) && updateRange > 0, 'updateRange', updateRange, 'a positive finite number');
  check(Number.isSafeInteger(maxClients) && maxClients >= 1, 'maxClients', maxClients, 'a positive integer');
  check(Number.isSafeInteger(maxExamplesPerClient) && maxExamplesPerClient >= 1, 'maxExamplesPerClient', maxExamplesPerClient, 'a positive integer');
  check(Number.isInteger(slotBits) && slotBits >= 2 && slotBits <= 53, 'slotBits', slotBits, 'an integer in [2, 53]');
  const clippingRange = maxExamplesPerClient * updateRange;
  const fits = (f: number) => {
    const quantizedMax = Math.round(clippingRange * 2 ** f);
    return quantizedMax >= 1 && quantizedMax <= 2 ** 51 && bitLength(2n * BigInt(quantizedMax) * BigInt(maxClients)) <= slotBits;
  };
  let fractionalBits = -1;
  for (let f = 0; f <= 52 && fits(f); f++) fractionalBits = f;
  if (fractionalBits < 0) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `slotBits ${slotBits} cannot hold ${maxClients} clients × ±${clippingRange} (maxExamplesPerClient ${maxExamplesPerClient} × updateRange ${updateRange}) even without fractional bits`,
      { subject: 'slotBits' },
    );
  }
  const scheme = new PackingScheme(publicKey, { fractionalBits, clippingRange, maxSummands: maxClients });
  return { scheme, updateRange, maxClients, maxExamplesPerClient, quantizationBound: 2 ** -(fractionalBits + 1) };
}
