/**
 * Adaptive clipping (Andrew, Thakkar, McMahan & Ramaswamy, NeurIPS 2021, "Differentially private
 * learning with adaptive clipping"): the clipping norm follows a target quantile γ of the clients'
 * update norms. Each round every sampled client reports the bit b_k = 1[‖Δ_k‖ ≤ C]; the server
 * releases the noised fraction
 *   b̄ = ( Σ_k (b_k − ½) + N(0, σ_b²) ) / m + ½,   clamped to [0, 1]
 * (bits centred at ½ so that the sum has sensitivity ½, as in TensorFlow Privacy's
 * QuantileEstimatorQuery; m = expected clients per round, a fixed denominator), then takes the
 * geometric step C ← C · exp(−η (b̄ − γ)) (their Eq. 3 / Algorithm 1).
 *
 * Privacy (their Theorem 1): releasing the update sum with noise multiplier z_Δ and the bit sum
 * with standard deviation σ_b is, per round, the Gaussian mechanism with noise multiplier z where
 *   z^{-2} = z_Δ^{-2} + (2σ_b)^{-2}.
 * So for a target z the update gets z_Δ = (z^{-2} − (2σ_b)^{-2})^{-1/2} > z, which exists only when
 * 2σ_b > z. Their defaults: γ = 0.5, η = 0.2, σ_b = m/20.
 */
import type { RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';
import { gaussianSample } from './gaussian-noise.js';

export interface AdaptiveClippingOptions {
  /** Starting clipping norm C₀ > 0. */
  readonly initialClippingNorm: number;
  /** Target quantile γ of the update norms, in [0, 1]. Default 0.5. */
  readonly targetQuantile?: number;
  /** Learning rate η of the geometric update, > 0. Default 0.2. */
  readonly learningRate?: number;
  /** Standard deviation σ_b of the noise on the bit sum, ≥ 0. Default m/20. */
  readonly countNoiseStd?: number;
}

export const DEFAULT_TARGET_QUANTILE = 0.5;
export const DEFAULT_CLIP_LEARNING_RATE = 0.2;

/** σ_b = m/20 (Andrew et al. 2021, Section 3, "we set σ_b = m/20"). */
export function defaultCountNoiseStd(expectedClients: number): number {
  check(Number.isFinite(expectedClients) && expectedClients > 0, 'expectedClients', expectedClients, 'a finite number > 0');
  return expectedClients / 20;
}

/**
 * The noise multiplier the update must get so that update and count together cost `noiseMultiplier`
 * (Andrew et al. 2021, Theorem 1): z_Δ = (z^{-2} − (2σ_b)^{-2})^{-1/2}. Throws when 2σ_b ≤ z.
 */
export function updateNoiseMultiplier(noiseMultiplier: number, countNoiseStd: number): number {
  check(Number.isFinite(noiseMultiplier) && noiseMultiplier >= 0, 'noiseMultiplier', noiseMultiplier, 'a finite number ≥ 0');
  check(Number.isFinite(countNoiseStd) && countNoiseStd >= 0, 'countNoiseStd', countNoiseStd, 'a finite number ≥ 0');
  if (noiseMultiplier === 0) return 0;
  const remaining = noiseMultiplier ** -2 - (2 * countNoiseStd) ** -2;
  if (!(remaining > 0)) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `countNoiseStd ${countNoiseStd} is too small for adaptive clipping at noiseMultiplier ${noiseMultiplier}: ` +
        `Andrew et al.'s split needs 2·countNoiseStd > noiseMultiplier (σ_b = m/20 needs about ${Math.ceil(10 * noiseMultiplier)} or more clients per round); ` +
        `raise countNoiseStd or use fixed clipping`,
      { subject: 'countNoiseStd' },
    );
  }
  return remaining ** -0.5;
}

/** The combined noise multiplier of an update noised with z_Δ and a bit sum noised with σ_b (Theorem 1). */
export function combinedNoiseMultiplier(updateNoise: number, countNoiseStd: number): number {
  check(Number.isFinite(updateNoise) && updateNoise > 0, 'updateNoise', updateNoise, 'a finite number > 0');
  check(Number.isFinite(countNoiseStd) && countNoiseStd > 0, 'countNoiseStd', countNoiseStd, 'a finite number > 0');
  return (updateNoise ** -2 + (2 * countNoiseStd) ** -2) ** -0.5;
}

export interface ClipNormStep {
  /** The clipping norm used this round. */
  readonly previous: number;
  /** The clipping norm for the next round. */
  readonly next: number;
  /** The released (noised, clamped) fraction of unclipped updates b̄. */
  readonly noisedUnclippedFraction: number;
}

/** The clipping-norm state of one run. */
export class AdaptiveClipping {
  readonly targetQuantile: number;
  readonly learningRate: number;
  private norm: number;

  constructor(options: AdaptiveClippingOptions) {
    check(typeof options === 'object' && options !== null, 'options', options, 'an object');
    check(Number.isFinite(options.initialClippingNorm) && options.initialClippingNorm > 0, 'initialClippingNorm', options.initialClippingNorm, 'a finite number > 0');
    this.targetQuantile = options.targetQuantile ?? DEFAULT_TARGET_QUANTILE;
    this.learningRate = options.learningRate ?? DEFAULT_CLIP_LEARNING_RATE;
    check(this.targetQuantile >= 0 && this.targetQuantile <= 1, 'targetQuantile', this.targetQuantile, 'in [0, 1]');
    check(Number.isFinite(this.learningRate) && this.learningRate > 0, 'learningRate', this.learningRate, 'a finite number > 0');
    this.norm = options.initialClippingNorm;
  }

  get clippingNorm(): number {
    return this.norm;
  }

  /**
   * One round's update from the clients' bits: `unclippedCount` of the received updates had
   * ‖Δ‖ ≤ C and `receivedCount` were received. The bit sum is noised with `countNoiseStd` (from
   * the CSPRNG) and divided by the expected number of clients `expectedClients`.
   */
  step(unclippedCount: number, receivedCount: number, expectedClients: number, countNoiseStd: number, rng: RandomSource | undefined): ClipNormStep {
    check(Number.isInteger(receivedCount) && receivedCount >= 0, 'receivedCount', receivedCount, 'an integer ≥ 0');
    check(Number.isInteger(unclippedCount) && unclippedCount >= 0 && unclippedCount <= receivedCount, 'unclippedCount', unclippedCount, `an integer in [0, ${receivedCount}]`);
    check(Number.isFinite(expectedClients) && expectedClients > 0, 'expectedClients', expectedClients, 'a finite number > 0');
    check(Number.isFinite(countNoiseStd) && countNoiseStd >= 0, 'countNoiseStd', countNoiseStd, 'a finite number ≥ 0');
    const centredSum = unclippedCount - receivedCount / 2 + gaussianSample(countNoiseStd, rng, 'adaptive clipping count noise');
    const fraction = Math.min(1, Math.max(0, centredSum / expectedClients + 0.5));
    const previous = this.norm;
    this.norm = previous * Math.exp(-this.learningRate * (fraction - this.targetQuantile));
    return { previous, next: this.norm, noisedUnclippedFraction: fraction };
  }
}
