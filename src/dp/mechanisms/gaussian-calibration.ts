/**
 * Noise scale σ of the Gaussian mechanism for an (ε, δ) target and an ℓ2 sensitivity Δ.
 *
 * - Classic: σ = Δ·√(2 ln(1.25/δ))/ε (Dwork & Roth, "The Algorithmic Foundations of Differential
 *   Privacy", 2014, Theorem A.1). The proof needs ε < 1; above that the formula is not a guarantee,
 *   so it is refused here — use the analytic calibration.
 * - Analytic: the smallest σ for which the Gaussian mechanism is (ε, δ)-DP, from the exact privacy
 *   profile δ(σ) = Φ(Δ/(2σ) − εσ/Δ) − e^ε·Φ(−Δ/(2σ) − εσ/Δ) (Balle & Wang, "Improving the
 *   Gaussian Mechanism for Differential Privacy: Analytical Calibration and Optimal Denoising",
 *   ICML 2018, Theorem 8), solved with their Algorithm 1. Valid for every ε > 0.
 * Both return a σ that is never below the exact answer (the bisection keeps the safe end).
 */
import { CohortError } from '../../errors.js';
import { logNormalCdf, normalCdf } from '../math/special.js';
import { checkDelta, checkEpsilon, checkSensitivity } from './validate.js';

export interface GaussianCalibrationInput {
  readonly epsilon: number;
  readonly delta: number;
  /** ℓ2 sensitivity Δ of the released value; defaults to 1. */
  readonly sensitivity?: number;
}

function checkInput(input: GaussianCalibrationInput): number {
  checkEpsilon(input.epsilon);
  checkDelta(input.delta);
  const sensitivity = input.sensitivity ?? 1;
  checkSensitivity(sensitivity);
  return sensitivity;
}

/** σ = Δ·√(2 ln(1.25/δ))/ε (Dwork & Roth 2014, Theorem A.1); only for ε < 1. */
export function classicGaussianSigma(input: GaussianCalibrationInput): number {
  const sensitivity = checkInput(input);
  if (input.epsilon >= 1) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `epsilon must be below 1 for the classic Gaussian calibration (got ${input.epsilon}); its proof (Dwork & Roth 2014, Theorem A.1) needs ε < 1 — use the analytic calibration`,
      { subject: 'epsilon' },
    );
  }
  return (sensitivity * Math.sqrt(2 * Math.log(1.25 / input.delta))) / input.epsilon;
}

/** e^ε·Φ(−x), computed in log space so that a large ε does not overflow. */
function expTimesLowerTail(epsilon: number, x: number): number {
  return Math.exp(epsilon + logNormalCdf(-x));
}

/**
 * The exact δ of the Gaussian mechanism with noise σ, sensitivity Δ, at ε (Balle & Wang 2018,
 * Theorem 8): δ = Φ(Δ/(2σ) − εσ/Δ) − e^ε·Φ(−Δ/(2σ) − εσ/Δ).
 */
export function analyticGaussianDelta(input: { epsilon: number; sigma: number; sensitivity?: number }): number {
  checkEpsilon(input.epsilon);
  checkSensitivity(input.sigma, 'sigma');
  const sensitivity = input.sensitivity ?? 1;
  checkSensitivity(sensitivity);
  const a = sensitivity / (2 * input.sigma);
  const b = (input.epsilon * input.sigma) / sensitivity;
  return Math.max(0, normalCdf(a - b) - expTimesLowerTail(input.epsilon, a + b));
}

/**
 * Bisection for a monotone predicate on [lo, hi]. `ok` holds on the high side when `keepHigh`,
 * on the low side otherwise; returns the end of the final bracket on which it holds.
 */
function bisect(lo: number, hi: number, ok: (x: number) => boolean, keepHigh: boolean): number {
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break;
    if (ok(mid) === keepHigh) hi = mid;
    else lo = mid;
  }
  return keepHigh ? hi : lo;
}

/** The smallest σ with (ε, δ)-DP for the Gaussian mechanism (Balle & Wang 2018, Algorithm 1). */
export function analyticGaussianSigma(input: GaussianCalibrationInput): number {
  const sensitivity = checkInput(input);
  const { epsilon, delta } = input;
  // B⁺(v) = Φ(√(εv)) − e^ε Φ(−√(ε(v+2))),  B⁻(u) = Φ(−√(εu)) − e^ε Φ(−√(ε(u+2))).
  const bPlus = (v: number) => normalCdf(Math.sqrt(epsilon * v)) - expTimesLowerTail(epsilon, Math.sqrt(epsilon * (v + 2)));
  const bMinus = (u: number) => normalCdf(-Math.sqrt(epsilon * u)) - expTimesLowerTail(epsilon, Math.sqrt(epsilon * (u + 2)));
  const delta0 = 0.5 - expTimesLowerTail(epsilon, Math.sqrt(2 * epsilon)); // B±(0)
  let alpha: number;
  if (delta >= delta0) {
    // v* = sup{v ≥ 0 : B⁺(v) ≤ δ}; B⁺ increases from δ0 to 1. Keep the low end (B⁺ ≤ δ), which
    // gives the larger α = √(1 + v/2) − √(v/2), hence the safe σ.
    let hi = 1;
    while (bPlus(hi) <= delta) hi *= 2;
    const v = bisect(0, hi, (x) => bPlus(x) <= delta, false);
    alpha = Math.sqrt(1 + v / 2) - Math.sqrt(v / 2);
  } else {
    // u* = inf{u ≥ 0 : B⁻(u) ≤ δ}; B⁻ decreases from δ0 to 0. Keep the high end (B⁻ ≤ δ), which
    // gives the larger α = √(1 + u/2) + √(u/2).
    let hi = 1;
    while (bMinus(hi) > delta) hi *= 2;
    const u = bisect(0, hi, (x) => bMinus(x) <= delta, true);
    alpha = Math.sqrt(1 + u / 2) + Math.sqrt(u / 2);
  }
  return (alpha * sensitivity) / Math.sqrt(2 * epsilon);
}
