/**
 * Parameters of the distributed discrete Gaussian under 32-bit secure aggregation (Kairouz, Liu &
 * Steinke, ICML 2021): from a clipping norm c, a noise multiplier z (central noise std / c), the
 * number n of clients whose noise every released sum contains, the largest number N of inputs in
 * one sum and the (padded) dimension d, choose
 *   - the local noise σ = z·c/√n per coordinate (n shares of variance σ² sum to (z·c)²);
 *   - the granularity γ (each client sends round(x/γ) + N_Z(0, σ²/γ²));
 *   - the integer local variance V = ⌈σ²/γ²⌉ (an integer keeps the exact sampler on its fast
 *     path; rounding up only adds noise, and the accounting uses V itself);
 *   - the sensitivity Δ₂ of the sum in the integer domain: the conditional-rounding bound of c/γ
 *     (Theorem 1 / Proposition 22), with a relative leeway of 1e-8 for the floating-point norm
 *     check, and Δ₁ = Δ₂·min(√d, Δ₂).
 *
 * γ and the bit budget. The paper (Section 4.2, and `heuristic_scale_factor` in its code) picks γ
 * so that k standard deviations of a rotated, sub-Gaussian sum fit in b ≤ 20 bits. With 32 bits
 * there is room for a worst-case bound instead, which needs no flatness assumption: every
 * coordinate of a client's rounded vector is at most its norm Δ₂ in absolute value, so the signal
 * part of a sum of N inputs is at most N·Δ₂; the noise part, a sum of N discrete Gaussians each
 * V-sub-Gaussian (Canonne, Kamath & Steinke 2020, Section 2: N_Z(0, σ²) is σ²-sub-Gaussian),
 * exceeds K·√(N·V) with probability at most 2·e^{−K²/2} per coordinate (K = 20: 2·e^{−200}).
 * γ is the smallest value with N·Δ₂ + K·√(N·V) ≤ 2^31 − 1, so the centred residue mod 2^32 is the
 * true sum. A second floor, σ/γ ≤ 8000, keeps the exact sampler fast (its acceptance test stays
 * in doubles: 2·V·(⌊√V⌋ + 1)² < 2^53; about 1M samples/s here). The rounding error it allows,
 * variance γ²/4 per coordinate, is below 4·10^{−9} of the noise variance; the price is the
 * rounding inflation of Δ₂ (about d·γ²/(8c²) relatively), a few per cent at d = 2^17.
 */
import { CohortError, check } from '../../errors.js';
import {
  DEFAULT_CONDITIONAL_ROUNDING_BETA,
  distributedDiscreteGaussianEpsilon,
  distributedDiscreteGaussianTau,
  roundedL1NormBound,
  roundedL2NormBound,
} from '../accountants/distributed-discrete-gaussian.js';

/** Bits of the secure sum (SecAgg works mod 2^32). */
export const SECURE_SUM_BITS = 32;
/** The largest centred residue: |sum| must stay ≤ 2^31 − 1. */
export const SECURE_SUM_LIMIT = 2 ** 31 - 1;
/** Standard deviations of the summed noise kept inside the bit budget. */
export const NOISE_HEADROOM_STDS = 20;
/** Largest local noise std in the integer domain (keeps the exact sampler on doubles). */
export const MAX_SCALED_LOCAL_STD = 8000;
/** Relative slack between the rounding threshold the client enforces and the Δ₂ accounted. */
export const NORM_LEEWAY = 1e-8;
/** Largest padded dimension: the norm check's floating-point error stays below NORM_LEEWAY. */
export const MAX_DIMENSION = 2 ** 26;

export interface DistributedDiscreteGaussianSettings {
  /** c: the L2 norm each client's update is clipped to (parameter units). */
  readonly clippingNorm: number;
  /** n: the fewest clients whose noise every released sum contains (SecAgg's threshold). */
  readonly noiseShares: number;
  /** N ≥ n: the most inputs one sum can hold (the bit budget). Default n. */
  readonly maxContributors?: number;
  /** d: the vector length after padding (a power of two for the Hadamard rotation). */
  readonly dimension: number;
  /** Conditional rounding's β in [0, 1); default e^{−1/2}. */
  readonly beta?: number;
}

export interface DistributedDiscreteGaussianPlan {
  readonly clippingNorm: number;
  readonly noiseShares: number;
  readonly maxContributors: number;
  readonly dimension: number;
  readonly beta: number;
  /** z: central noise std / clippingNorm, as asked (0: no noise, no privacy). */
  readonly noiseMultiplier: number;
  /** σ = z·c/√n, each client's noise std per coordinate in parameter units. */
  readonly localStandardDeviation: number;
  /** γ: one integer step in parameter units. */
  readonly granularity: number;
  /** V: each client's integer noise variance per coordinate (σ²/γ² rounded up; 0 without noise). */
  readonly localVariance: number;
  /** The norm the client's rounded vector must not exceed (conditional rounding; integer domain). */
  readonly roundingBound: number;
  /** Δ₂ accounted: roundingBound·(1 + NORM_LEEWAY). */
  readonly l2Sensitivity: number;
  /** Δ₁ accounted. */
  readonly l1Sensitivity: number;
  /** τ of Theorem 1 for (V, n). */
  readonly tau: number;
  /** √(n·V)/Δ₂: the noise multiplier the accountant sees, below z by the rounding inflation. */
  readonly effectiveNoiseMultiplier: number;
  /** N·Δ₂ + K·√(N·V) ≤ 2^31 − 1: the bound on every |coordinate| of the sum (K = NOISE_HEADROOM_STDS). */
  readonly sumBound: number;
}

function checkSettings(settings: DistributedDiscreteGaussianSettings): Required<DistributedDiscreteGaussianSettings> {
  check(typeof settings === 'object' && settings !== null, 'settings', settings, 'an object');
  const { clippingNorm, noiseShares, dimension } = settings;
  check(Number.isFinite(clippingNorm) && clippingNorm > 0, 'clippingNorm', clippingNorm, 'a finite number > 0');
  check(Number.isSafeInteger(noiseShares) && noiseShares >= 1, 'noiseShares', noiseShares, 'an integer ≥ 1');
  const maxContributors = settings.maxContributors ?? noiseShares;
  check(Number.isSafeInteger(maxContributors) && maxContributors >= noiseShares, 'maxContributors', maxContributors, `an integer ≥ noiseShares = ${noiseShares}`);
  check(Number.isSafeInteger(dimension) && dimension >= 1 && dimension <= MAX_DIMENSION, 'dimension', dimension, `an integer in [1, 2^26]`);
  const beta = settings.beta ?? DEFAULT_CONDITIONAL_ROUNDING_BETA;
  check(typeof beta === 'number' && beta >= 0 && beta < 1, 'beta', beta, 'in [0, 1)');
  return { clippingNorm, noiseShares, maxContributors, dimension, beta };
}

/** The plan for a given noise multiplier z ≥ 0 (file header). */
export function planDistributedDiscreteGaussian(settings: DistributedDiscreteGaussianSettings & { readonly noiseMultiplier: number }): DistributedDiscreteGaussianPlan {
  const s = checkSettings(settings);
  const z = settings.noiseMultiplier;
  check(Number.isFinite(z) && z >= 0, 'noiseMultiplier', z, 'a finite number ≥ 0');
  const { clippingNorm: c, noiseShares: n, maxContributors: big, dimension: d } = s;
  const sigma = (z * c) / Math.sqrt(n);
  const headroom = NOISE_HEADROOM_STDS * Math.sqrt(big);
  // N(c/γ + √d) + K√N(σ/γ + 1) ≤ 2^31 − 1 bounds N·Δ₂ + K√(N·V) (Δ₂ ≤ c/γ + √d, √V ≤ σ/γ + 1).
  const room = SECURE_SUM_LIMIT - big * Math.sqrt(d) * (1 + NORM_LEEWAY) - headroom;
  if (!(room > 0)) {
    throw new CohortError(
      'UNSUPPORTED',
      `dimension ${d} with up to ${big} clients does not fit a 32-bit secure sum (N·√d must stay well below 2^31); use fewer parameters or clients per round`,
      { subject: 'dimension' },
    );
  }
  let granularity = (big * c * (1 + NORM_LEEWAY) + headroom * sigma) / room;
  if (sigma > 0) granularity = Math.max(granularity, sigma / MAX_SCALED_LOCAL_STD);
  for (let attempt = 0; attempt < 64; attempt++) {
    const plan = planAt(s, z, sigma, granularity);
    if (plan.sumBound <= SECURE_SUM_LIMIT) return plan;
    granularity *= 1 + 1e-6; // floating-point slack in the closed form above
  }
  throw new CohortError('INTERNAL', `no granularity fits the 32-bit sum for clippingNorm ${c}, noiseMultiplier ${z}`);
}

function planAt(s: Required<DistributedDiscreteGaussianSettings>, z: number, sigma: number, granularity: number): DistributedDiscreteGaussianPlan {
  const { clippingNorm, noiseShares, maxContributors, dimension, beta } = s;
  const roundingBound = roundedL2NormBound(clippingNorm / granularity, dimension, beta);
  const l2Sensitivity = roundingBound * (1 + NORM_LEEWAY);
  const ratio = sigma / granularity;
  const localVariance = sigma > 0 ? Math.max(1, Math.ceil(ratio * ratio)) : 0;
  const tau = localVariance > 0 ? distributedDiscreteGaussianTau(localVariance, noiseShares) : 0;
  return {
    ...s,
    noiseMultiplier: z,
    localStandardDeviation: sigma,
    granularity,
    localVariance,
    roundingBound,
    l2Sensitivity,
    l1Sensitivity: roundedL1NormBound(l2Sensitivity, dimension),
    tau,
    effectiveNoiseMultiplier: Math.sqrt(noiseShares * localVariance) / l2Sensitivity,
    sumBound: maxContributors * l2Sensitivity + NOISE_HEADROOM_STDS * Math.sqrt(maxContributors * localVariance),
  };
}

/** ε at δ after `rounds` rounds of the plan (Infinity without noise). */
export function distributedDiscreteGaussianPlanEpsilon(plan: DistributedDiscreteGaussianPlan, rounds: number, delta: number): number {
  check(Number.isSafeInteger(rounds) && rounds >= 0, 'rounds', rounds, 'an integer ≥ 0');
  if (rounds === 0) return 0;
  if (plan.localVariance === 0) return Number.POSITIVE_INFINITY;
  return distributedDiscreteGaussianEpsilon(
    {
      l2Sensitivity: plan.l2Sensitivity,
      l1Sensitivity: plan.l1Sensitivity,
      localVariance: plan.localVariance,
      noiseShares: plan.noiseShares,
      dimension: plan.dimension,
    },
    rounds,
    delta,
  ).epsilon;
}

export interface DistributedDiscreteGaussianCalibrationRequest extends DistributedDiscreteGaussianSettings {
  readonly targetEpsilon: number;
  readonly delta: number;
  readonly rounds: number;
  /** Largest noise multiplier tried; default 1e4. */
  readonly maxNoiseMultiplier?: number;
  /** Stop when the bracket is narrower than this fraction of z; default 1e-5. */
  readonly tolerance?: number;
}

const MIN_NOISE_MULTIPLIER = 1e-3;

/**
 * The plan with the smallest noise multiplier (to a relative tolerance) whose ε after `rounds`
 * rounds is at most the target. ε decreases in z (more noise, a coarser grid, less rounding
 * inflation relative to the noise), so: bisection keeping ε(high) ≤ target, returning high — the
 * guarantee holds for the plan returned, as evaluated.
 */
export function calibrateDistributedDiscreteGaussian(request: DistributedDiscreteGaussianCalibrationRequest): DistributedDiscreteGaussianPlan {
  const { targetEpsilon, delta, rounds } = request;
  check(Number.isFinite(targetEpsilon) && targetEpsilon > 0, 'targetEpsilon', targetEpsilon, 'a finite number > 0');
  check(typeof delta === 'number' && delta > 0 && delta < 1, 'delta', delta, 'in (0, 1)');
  check(Number.isSafeInteger(rounds) && rounds >= 1, 'rounds', rounds, 'an integer ≥ 1');
  const maxNoise = request.maxNoiseMultiplier ?? 1e4;
  check(Number.isFinite(maxNoise) && maxNoise > MIN_NOISE_MULTIPLIER, 'maxNoiseMultiplier', maxNoise, `a finite number > ${MIN_NOISE_MULTIPLIER}`);
  const tolerance = request.tolerance ?? 1e-5;
  check(tolerance > 0 && tolerance < 1, 'tolerance', tolerance, 'in (0, 1)');
  const planFor = (noiseMultiplier: number) => planDistributedDiscreteGaussian({ ...request, noiseMultiplier });
  const epsilonOf = (plan: DistributedDiscreteGaussianPlan) => distributedDiscreteGaussianPlanEpsilon(plan, rounds, delta);

  let high = planFor(maxNoise);
  if (epsilonOf(high) > targetEpsilon) {
    throw new CohortError(
      'DP_TARGET_UNREACHABLE',
      `targetEpsilon ${targetEpsilon} is not reachable in ${rounds} rounds at delta ${delta} with the distributed discrete Gaussian (noise multiplier ${maxNoise} gives ε = ${epsilonOf(high)})`,
      { subject: 'targetEpsilon' },
    );
  }
  let low = MIN_NOISE_MULTIPLIER;
  const lowPlan = planFor(low);
  if (epsilonOf(lowPlan) <= targetEpsilon) return lowPlan;
  let highZ = maxNoise;
  while (highZ - low > tolerance * highZ) {
    const middle = Math.sqrt(low * highZ);
    const plan = planFor(middle);
    if (epsilonOf(plan) <= targetEpsilon) {
      highZ = middle;
      high = plan;
    } else {
      low = middle;
    }
  }
  return high;
}
