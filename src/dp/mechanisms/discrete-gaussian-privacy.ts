/**
 * Privacy of the discrete Gaussian mechanism M(x) = q(x) + N_Z(0, σ²) for an integer-valued query
 * with sensitivity S (Canonne, Kamath & Steinke, NeurIPS 2020):
 * - ρ-zCDP with ρ = S²/(2σ²), the same as the continuous Gaussian (their concentrated-DP result);
 * - (ε, δ)-DP with the tight δ = P[Y > εσ²/S − S/2] − e^ε·P[Y > εσ²/S + S/2], Y ~ N_Z(0, σ²)
 *   (their tight approximate-DP theorem). Derivation: the privacy loss of N_Z(0,σ²) against
 *   N_Z(S,σ²) at y is L(y) = (S² − 2yS)/(2σ²), so L > ε ⇔ y < S/2 − εσ²/S, and
 *   δ = P_P[L > ε] − e^ε·P_Q[L > ε]; symmetry of N_Z turns both into upper tails.
 * The tails are summed exactly for σ² ≤ 10^8; above that they are bounded by integrals
 * (∫_m^∞ f ≤ Σ_{y≥m} f(y) ≤ f(m) + ∫_m^∞ f for decreasing f) so the δ returned is never below
 * the true one.
 */
import { CohortError, check } from '../../errors.js';
import { normalSf } from '../math/special.js';
import { discreteGaussianNormaliser, discreteGaussianUpperTail } from '../samplers/pmf.js';
import { analyticGaussianSigma } from './gaussian-calibration.js';
import { checkDelta, checkEpsilon } from './validate.js';

const DIRECT_SUM_LIMIT = 1e8;

function checkIntegerSensitivity(sensitivity: number): void {
  check(Number.isSafeInteger(sensitivity) && sensitivity >= 1, 'sensitivity', sensitivity, 'a positive integer');
}

/** ρ = S²/(2σ²) (CKS 2020). */
export function discreteGaussianRho(input: { variance: number; sensitivity: number }): number {
  check(Number.isFinite(input.variance) && input.variance > 0, 'variance', input.variance, 'positive');
  return (input.sensitivity * input.sensitivity) / (2 * input.variance);
}

/** Upper bound on P[Y ≥ m] for Y ~ N_Z(0, σ²), m ≥ 0, σ² > 10^8 (integral comparison). */
function upperTailAtLeastBound(m: number, variance: number): number {
  const sd = Math.sqrt(variance);
  // Σ_{y≥m} e^{−y²/2σ²} ≤ e^{−m²/2σ²} + √(2πσ²)·Φ̄(m/σ); the normaliser is √(2πσ²) to double
  // precision for σ² ≥ 100 (Poisson summation).
  return normalSf(m / sd) + Math.exp((-m * m) / (2 * variance)) / Math.sqrt(2 * Math.PI * variance);
}

/** Lower bound on P[Y ≥ m]: ∫_m^∞ only. */
function upperTailAtLeastLowerBound(m: number, variance: number): number {
  return normalSf(m / Math.sqrt(variance));
}

/**
 * The δ at which the discrete Gaussian mechanism with parameter σ² and integer sensitivity S is
 * (ε, δ)-DP (CKS 2020; an upper bound for σ² > 10^8).
 */
export function discreteGaussianDelta(input: { epsilon: number; variance: number; sensitivity: number }): number {
  const { epsilon, variance, sensitivity } = input;
  check(Number.isFinite(epsilon) && epsilon >= 0, 'epsilon', epsilon, 'a non-negative finite number');
  check(Number.isFinite(variance) && variance > 0, 'variance', variance, 'positive');
  checkIntegerSensitivity(sensitivity);
  const a1 = (epsilon * variance) / sensitivity - sensitivity / 2;
  const a2 = (epsilon * variance) / sensitivity + sensitivity / 2;
  // P[Y > a] = P[Y ≥ ⌊a⌋ + 1] for integer Y.
  const m1 = Math.floor(a1) + 1;
  const m2 = Math.floor(a2) + 1;
  let delta: number;
  if (variance <= DIRECT_SUM_LIMIT || m1 < 0) {
    if (variance > DIRECT_SUM_LIMIT * 100) {
      throw new CohortError('UNSUPPORTED', `discrete Gaussian δ for variance ${variance} with ε ${epsilon} is not supported`, {
        subject: 'variance',
      });
    }
    const normaliser = discreteGaussianNormaliser(variance);
    const first = discreteGaussianUpperTail(m1 - 1, variance, normaliser);
    const second = discreteGaussianUpperTail(m2 - 1, variance, normaliser);
    delta = first - Math.exp(epsilon) * second;
  } else {
    delta = upperTailAtLeastBound(m1, variance) - Math.exp(epsilon) * upperTailAtLeastLowerBound(m2, variance);
  }
  return Math.min(1, Math.max(0, delta));
}

/**
 * The smallest integer σ² (searched upwards from the analytic continuous calibration) for which the
 * discrete Gaussian with integer sensitivity S is (ε, δ)-DP by the exact δ above. A relative margin of
 * 1e-9 on δ absorbs the rounding of the tail sums.
 */
export function calibrateDiscreteGaussianVariance(input: { epsilon: number; delta: number; sensitivity: number }): number {
  checkEpsilon(input.epsilon);
  checkDelta(input.delta);
  checkIntegerSensitivity(input.sensitivity);
  // Pure function of public parameters: remember recent answers (repeated releases reuse them).
  const key = `${input.epsilon}|${input.delta}|${input.sensitivity}`;
  const cached = calibrationCache.get(key);
  if (cached !== undefined) return cached;
  const variance = searchVariance(input);
  if (calibrationCache.size >= 256) calibrationCache.clear();
  calibrationCache.set(key, variance);
  return variance;
}

const calibrationCache = new Map<string, number>();

function searchVariance(input: { epsilon: number; delta: number; sensitivity: number }): number {
  const target = input.delta * (1 - 1e-9);
  const sigma = analyticGaussianSigma(input);
  let variance = Math.max(1, Math.ceil(sigma * sigma));
  // The discrete δ is within a hair of the continuous one (CKS 2020); move a little either way.
  const ok = (v: number) => discreteGaussianDelta({ ...input, variance: v }) <= target;
  let step = Math.max(1, Math.ceil(variance * 1e-4));
  if (ok(variance)) {
    // Walk down while still private, to not waste the discrete Gaussian's slight advantage.
    while (variance - step >= 1 && ok(variance - step)) variance -= step;
    return variance;
  }
  for (let i = 0; i < 10000; i++) {
    variance += step;
    if (ok(variance)) return variance;
    step *= 2;
  }
  throw new CohortError('INTERNAL', `could not calibrate the discrete Gaussian for ε=${input.epsilon}, δ=${input.delta}`);
}
