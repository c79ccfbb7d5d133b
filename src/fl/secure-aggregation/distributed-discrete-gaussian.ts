/**
 * Distributed DP under SecAgg+: the distributed discrete Gaussian encoder (Kairouz, Liu & Steinke,
 * "The Distributed Discrete Gaussian Mechanism for Federated Learning with Secure Aggregation",
 * ICML 2021, Algorithms 1 and 2). Each client, on its own update Δ (P parameters):
 *   1. clips Δ to L2 norm c (DP-FedAvg's clipping; every client has weight 1: the server gets the
 *      unweighted mean of the clipped updates, as in DP-FedAvg, McMahan et al. 2018);
 *   2. pads to d = the next power of two and rotates with the public randomised Hadamard transform
 *      of the round (hadamard-rotation.ts);
 *   3. scales by 1/γ and rounds with conditional randomised rounding to an integer vector of norm
 *      ≤ Δ₂ (conditional-rounding.ts);
 *   4. adds its share of the noise, N_Z(0, V) per coordinate, from the exact sampler with the
 *      CSPRNG (src/dp/samplers);
 *   5. reduces mod 2^32 (two's complement) for SecAgg+.
 * So what leaves the client — masked, and only ever summed — already carries its own noise: no
 * party sees an un-noised individual update. The server decodes the sum of the survivors'
 * vectors: centred residues (the plan keeps |sum| ≤ 2^31 − 1, see
 * src/dp/calibration/distributed-discrete-gaussian.ts), ×γ, inverse rotation, drop the padding,
 * ÷ the number of contributors → the mean update plus Gaussian-like noise of std ≈ z·c/m.
 *
 * γ, V and Δ₂ come from planDistributedDiscreteGaussian for the public settings and d, so clients
 * and server agree on them; the privacy of the sum is accounted by
 * distributedDiscreteGaussianPlanEpsilon (src/dp). Guarantee: user-level DP for "zero-out"
 * neighbours (one client's update replaced by zeros; its noise share stays in the sum), provided
 * the sum holds the noise of at least `noiseShares` clients — SecAgg+'s threshold guarantees that
 * in the honest-but-curious model (an honest client reveals its unmasking shares only if at least
 * t of its neighbours survived).
 */
import { requireSecure, type RandomSource } from '../../crypto/random.js';
import {
  planDistributedDiscreteGaussian,
  type DistributedDiscreteGaussianPlan,
} from '../../dp/calibration/distributed-discrete-gaussian.js';
import { createDiscreteGaussianSampler } from '../../dp/samplers/discrete-gaussian.js';
import { CohortError, check } from '../../errors.js';
import type { ConfigValue } from '../types.js';
import { conditionalRandomizedRound } from './conditional-rounding.js';
import type { SecureUpdateEncoder } from './encoder.js';
import { paddedLength, rotate, rotationSigns, unrotate } from './hadamard-rotation.js';

export const DISTRIBUTED_DISCRETE_GAUSSIAN_ENCODER = 'distributed-discrete-gaussian';

const TWO_POW_32 = 4294967296;
const TWO_POW_31 = 2147483648;

/** The public settings: every client and the server must use the same (they are announced in the fit configuration). */
export interface DistributedDiscreteGaussianEncoderSettings {
  /** c: each update is clipped to this L2 norm. */
  readonly clippingNorm: number;
  /** z: the central noise std of the sum over c (each client adds 1/noiseShares of its variance); 0 adds none. */
  readonly noiseMultiplier: number;
  /** n: the fewest clients whose noise every released sum holds (SecAgg+'s threshold). */
  readonly noiseShares: number;
  /** N: the most inputs in one sum (the clients per round). */
  readonly maxContributors: number;
  /** Public seed of the rotation signs (with the round number). */
  readonly rotationSeed: number;
  /** Conditional rounding's β; default e^{−1/2}. */
  readonly beta?: number;
}

export class DistributedDiscreteGaussianEncoder implements SecureUpdateEncoder {
  readonly name = DISTRIBUTED_DISCRETE_GAUSSIAN_ENCODER;
  readonly settings: DistributedDiscreteGaussianEncoderSettings;
  private readonly rng: RandomSource;
  private readonly plans = new Map<number, DistributedDiscreteGaussianPlan>();
  /** Rounds in which the stochastic rounding fell back to rounding towards zero (for tests and reports). */
  truncatedRoundings = 0;

  constructor(settings: DistributedDiscreteGaussianEncoderSettings, options: { readonly rng?: RandomSource } = {}) {
    check(typeof settings === 'object' && settings !== null, 'settings', settings, 'an object');
    check(Number.isInteger(settings.rotationSeed) && settings.rotationSeed >= 0 && settings.rotationSeed < TWO_POW_32, 'rotationSeed', settings.rotationSeed, 'an integer in [0, 2^32)');
    this.settings = { ...settings };
    // Validates c, z, n, N and β now rather than at the first round.
    planDistributedDiscreteGaussian({ ...this.settings, dimension: 1 });
    this.rng = requireSecure(options.rng, 'distributed discrete Gaussian noise');
  }

  /** γ, V, Δ₂ and the sum bound for P parameters (d = the next power of two ≥ P). */
  planFor(numParameters: number): DistributedDiscreteGaussianPlan {
    const dimension = this.encodedLength(numParameters);
    let plan = this.plans.get(dimension);
    if (plan === undefined) {
      plan = planDistributedDiscreteGaussian({ ...this.settings, dimension });
      this.plans.set(dimension, plan);
    }
    return plan;
  }

  encodedLength(numParameters: number): number {
    check(Number.isSafeInteger(numParameters) && numParameters >= 1, 'numParameters', numParameters, 'an integer ≥ 1');
    return paddedLength(numParameters);
  }

  /** The scalars the server announces so that a client can check it encodes the same way. */
  fitConfig(): Record<string, ConfigValue> {
    const s = this.settings;
    return {
      'secagg.ddg.clippingNorm': s.clippingNorm,
      'secagg.ddg.noiseMultiplier': s.noiseMultiplier,
      'secagg.ddg.noiseShares': s.noiseShares,
      'secagg.ddg.maxContributors': s.maxContributors,
      'secagg.ddg.rotationSeed': s.rotationSeed,
      ...(s.beta === undefined ? {} : { 'secagg.ddg.beta': s.beta }),
    };
  }

  /** Clip, rotate, scale and round, without noise: what the client's vector is before its noise share (exposed for tests). */
  quantizeWithoutNoise(delta: Float32Array, round: number): Float64Array {
    check(delta instanceof Float32Array && delta.length >= 1, 'delta', delta?.length, 'a non-empty Float32Array');
    const plan = this.planFor(delta.length);
    const d = plan.dimension;
    const x = new Float64Array(d);
    let squaredNorm = 0;
    for (let i = 0; i < delta.length; i++) {
      const value = delta[i] as number;
      if (!Number.isFinite(value)) {
        throw new CohortError('INVALID_DATA', `update coordinate ${i} is ${value}; a client must send finite updates`, { subject: 'delta' });
      }
      x[i] = value;
      squaredNorm += value * value;
    }
    const norm = Math.sqrt(squaredNorm);
    // Clip to c, then one step of 1/γ; a hair under c absorbs the rotation's rounding error.
    const factor = (norm > plan.clippingNorm ? plan.clippingNorm / norm : 1) * (1 - 1e-12);
    rotate(x, rotationSigns(this.settings.rotationSeed, round, d));
    const scale = factor / plan.granularity;
    for (let i = 0; i < d; i++) x[i] = (x[i] as number) * scale;
    const rounded = new Float64Array(d);
    try {
      const outcome = conditionalRandomizedRound(x, plan.roundingBound, this.rng, rounded);
      if (outcome.truncated) this.truncatedRoundings++;
    } finally {
      x.fill(0);
    }
    return rounded;
  }

  encode(delta: Float32Array, _numExamples: number, round: number): Uint32Array {
    const plan = this.planFor(delta.length);
    const values = this.quantizeWithoutNoise(delta, round);
    const out = new Uint32Array(plan.dimension);
    try {
      if (plan.localVariance > 0) {
        const sampler = createDiscreteGaussianSampler({ variance: plan.localVariance, rng: this.rng });
        try {
          for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) + sampler.sample();
        } finally {
          sampler.dispose();
        }
      }
      for (let i = 0; i < values.length; i++) out[i] = toUint32(values[i] as number);
    } finally {
      values.fill(0);
    }
    return out;
  }

  decode(sum: Uint32Array, contributors: number, numParameters: number, round: number): { meanDelta: Float32Array; metrics: Record<string, number> } {
    const plan = this.planFor(numParameters);
    check(sum instanceof Uint32Array && sum.length === plan.dimension, 'sum.length', sum?.length, `${plan.dimension} (numParameters ${numParameters} padded to a power of two)`);
    check(Number.isInteger(contributors) && contributors >= 1 && contributors <= plan.maxContributors, 'contributors', contributors, `an integer in [1, ${plan.maxContributors}] (maxContributors)`);
    if (contributors < plan.noiseShares) {
      throw new CohortError(
        'ROUND_INCOMPLETE',
        `round ${round}: the sum holds ${contributors} clients' noise, fewer than the ${plan.noiseShares} the privacy accounting assumes; it is not used`,
        { subject: 'contributors' },
      );
    }
    const y = new Float64Array(plan.dimension);
    for (let i = 0; i < y.length; i++) {
      const residue = sum[i] as number;
      y[i] = (residue >= TWO_POW_31 ? residue - TWO_POW_32 : residue) * plan.granularity;
    }
    unrotate(y, rotationSigns(this.settings.rotationSeed, round, plan.dimension));
    const meanDelta = new Float32Array(numParameters);
    for (let i = 0; i < numParameters; i++) meanDelta[i] = (y[i] as number) / contributors;
    return {
      meanDelta,
      metrics: {
        granularity: plan.granularity,
        // The std of the noise on each coordinate of the mean (rotation keeps it per coordinate).
        meanNoiseStd: (plan.granularity * Math.sqrt(contributors * plan.localVariance)) / contributors,
      },
    };
  }
}

/** Two's complement of an integer (a double) mod 2^32. */
function toUint32(value: number): number {
  const r = value % TWO_POW_32;
  return r < 0 ? r + TWO_POW_32 : r;
}
