/**
 * The Gaussian mechanism for a real value with ℓ2 sensitivity Δ, released safely: the value is
 * rounded to a grid of spacing γ = 2^k and exact discrete Gaussian noise is added to the grid index
 * (grid.ts; Mironov, CCS 2012). Its variance is calibrated on the grid, for the grid sensitivity
 * S = ⌈Δ/γ⌉: the analytic (Balle & Wang 2018) or classic (Dwork & Roth 2014) σ for S is the
 * starting point, then σ² is moved to the smallest integer for which the discrete Gaussian's exact
 * δ (Canonne, Kamath & Steinke 2020) is within the target. The guarantee also carries the zCDP ρ.
 */
import { requireSecure, type RandomSource } from '../../crypto/random.js';
import { CohortError } from '../../errors.js';
import { createDiscreteGaussianSampler } from '../samplers/discrete-gaussian.js';
import { calibrateDiscreteGaussianVariance, discreteGaussianDelta, discreteGaussianRho } from './discrete-gaussian-privacy.js';
import { classicGaussianSigma } from './gaussian-calibration.js';
import { checkGranularity, defaultGranularity, fromGridIndex, gridSensitivity, toGridIndex } from './grid.js';
import type { Released } from './guarantee.js';
import { checkDelta, checkEpsilon, checkSensitivity } from './validate.js';

export interface GaussianMechanismInput {
  readonly value: number;
  /** ℓ2 sensitivity Δ of the value. */
  readonly sensitivity: number;
  readonly epsilon: number;
  readonly delta: number;
  /** 'analytic' (default, tight, any ε) or 'classic' (ε < 1 only). */
  readonly calibration?: 'analytic' | 'classic';
  /** Grid spacing, a power of two; defaults to 2^(⌊log₂ Δ⌋ − 10). */
  readonly granularity?: number;
  readonly rng?: RandomSource;
}

/** The integer variance (in grid steps²) used for sensitivity S steps. */
export function gridGaussianVariance(input: {
  epsilon: number;
  delta: number;
  steps: number;
  calibration: 'analytic' | 'classic';
}): number {
  if (input.calibration === 'analytic') {
    return calibrateDiscreteGaussianVariance({ epsilon: input.epsilon, delta: input.delta, sensitivity: input.steps });
  }
  const sigma = classicGaussianSigma({ epsilon: input.epsilon, delta: input.delta, sensitivity: input.steps });
  const variance = Math.ceil(sigma * sigma);
  // The classic bound is a continuous-Gaussian tail bound; confirm it for the discrete one.
  if (discreteGaussianDelta({ epsilon: input.epsilon, variance, sensitivity: input.steps }) > input.delta) {
    throw new CohortError('INTERNAL', 'classic calibration does not meet δ for the discrete Gaussian');
  }
  return variance;
}

/** (ε, δ)-DP release of a real value. */
export function gaussianMechanism(input: GaussianMechanismInput): Released<number> {
  checkSensitivity(input.sensitivity);
  checkEpsilon(input.epsilon);
  checkDelta(input.delta);
  const calibration = input.calibration ?? 'analytic';
  const granularity = input.granularity ?? defaultGranularity(input.sensitivity);
  checkGranularity(granularity);
  const index = toGridIndex(input.value, granularity);
  const steps = gridSensitivity(input.sensitivity, granularity);
  const variance = gridGaussianVariance({ epsilon: input.epsilon, delta: input.delta, steps, calibration });
  const rng = requireSecure(input.rng, 'Gaussian mechanism');
  const sampler = createDiscreteGaussianSampler({ variance, rng });
  try {
    return {
      value: fromGridIndex(index + sampler.sample(), granularity),
      guarantee: {
        mechanism: 'gaussian',
        epsilon: input.epsilon,
        delta: input.delta,
        rho: discreteGaussianRho({ variance, sensitivity: steps }),
        sensitivity: input.sensitivity,
        effectiveSensitivity: steps * granularity,
        granularity,
        noise: { distribution: 'discrete-gaussian', standardDeviation: Math.sqrt(variance) * granularity },
        calibration,
      },
    };
  } finally {
    sampler.dispose();
  }
}
