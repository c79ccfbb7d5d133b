/**
 * Mechanisms for integer-valued queries (counts, histogram cells, grid indices): exact discrete
 * noise, no rounding involved.
 * - Discrete Laplace (the geometric mechanism of Ghosh, Roughgarden & Sundararajan, STOC 2009):
 *   noise P[z] ∝ exp(−ε|z|/S) is ε-DP for integer sensitivity S, because shifting the noise by at
 *   most S changes each probability by at most e^ε.
 * - Discrete Gaussian (Canonne, Kamath & Steinke, NeurIPS 2020): σ² calibrated to (ε, δ) with the
 *   exact δ of discrete-gaussian-privacy.ts; also ρ = S²/(2σ²)-zCDP.
 */
import { requireSecure, type RandomSource } from '../../crypto/random.js';
import { check } from '../../errors.js';
import { createDiscreteGaussianSampler } from '../samplers/discrete-gaussian.js';
import { createDiscreteLaplaceSampler } from '../samplers/discrete-laplace.js';
import { exactRationalOfNumber, reduce, type Rational } from '../samplers/rational.js';
import { calibrateDiscreteGaussianVariance, discreteGaussianRho } from './discrete-gaussian-privacy.js';
import type { Released } from './guarantee.js';
import { checkDelta, checkEpsilon } from './validate.js';

export interface IntegerMechanismInput {
  /** The exact integer answer. */
  readonly value: number;
  /** How much one privacy unit can change it (a positive integer). */
  readonly sensitivity: number;
  readonly epsilon: number;
  readonly rng?: RandomSource;
}

function checkIntegerInput(input: IntegerMechanismInput): void {
  check(Number.isSafeInteger(input.value), 'value', input.value, 'a safe integer');
  check(Number.isSafeInteger(input.sensitivity) && input.sensitivity >= 1, 'sensitivity', input.sensitivity, 'a positive integer');
  checkEpsilon(input.epsilon);
}

/** The exact discrete Laplace scale S/ε as a rational (ε taken exactly). */
export function discreteLaplaceScaleFor(sensitivity: number, epsilon: number): Rational {
  const e = exactRationalOfNumber(epsilon, 'epsilon');
  return reduce(BigInt(sensitivity) * e.denominator, e.numerator);
}

/** Noise sums can leave the exact range only for absurd parameters; refuse rather than round. */
function addExact(value: number, noise: number): number {
  const sum = value + noise;
  check(Number.isSafeInteger(sum), 'value', value, 'small enough that value + noise stays below 2^53');
  return sum;
}

/** value + discrete Laplace noise of scale S/ε: ε-DP. */
export function discreteLaplaceMechanism(input: IntegerMechanismInput): Released<number> {
  checkIntegerInput(input);
  const rng = requireSecure(input.rng, 'discrete Laplace mechanism');
  const sampler = createDiscreteLaplaceSampler({ scale: discreteLaplaceScaleFor(input.sensitivity, input.epsilon), rng });
  try {
    return {
      value: addExact(input.value, sampler.sample()),
      guarantee: {
        mechanism: 'discrete-laplace',
        epsilon: input.epsilon,
        delta: 0,
        sensitivity: input.sensitivity,
        noise: { distribution: 'discrete-laplace', scale: input.sensitivity / input.epsilon },
      },
    };
  } finally {
    sampler.dispose();
  }
}

export interface DiscreteGaussianMechanismInput extends IntegerMechanismInput {
  readonly delta: number;
}

/** value + discrete Gaussian noise with σ² calibrated to (ε, δ): (ε, δ)-DP and ρ-zCDP. */
export function discreteGaussianMechanism(input: DiscreteGaussianMechanismInput): Released<number> {
  checkIntegerInput(input);
  checkDelta(input.delta);
  const rng = requireSecure(input.rng, 'discrete Gaussian mechanism');
  const variance = calibrateDiscreteGaussianVariance(input);
  const sampler = createDiscreteGaussianSampler({ variance, rng });
  try {
    return {
      value: addExact(input.value, sampler.sample()),
      guarantee: {
        mechanism: 'discrete-gaussian',
        epsilon: input.epsilon,
        delta: input.delta,
        rho: discreteGaussianRho({ variance, sensitivity: input.sensitivity }),
        sensitivity: input.sensitivity,
        noise: { distribution: 'discrete-gaussian', standardDeviation: Math.sqrt(variance) },
        calibration: 'analytic',
      },
    };
  } finally {
    sampler.dispose();
  }
}
