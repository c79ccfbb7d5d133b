/**
 * Exact (ε, δ) curve of the Gaussian mechanism, Balle & Wang (2018), "Improving the Gaussian mechanism
 * for differential privacy: analytical calibration and optimal denoising", Thm 8: with sensitivity 1
 * and noise standard deviation σ,
 *   δ(ε) = Φ(1/(2σ) − εσ) − e^ε·Φ(−1/(2σ) − εσ).
 * Composition of Gaussian mechanisms on the full data set is exactly one Gaussian mechanism with
 * σ_eff = (Σ σ_i^−2)^−1/2 (its privacy-loss distribution is N(μ, 2μ) with μ = Σ 1/(2σ_i²); Dong, Roth &
 * Su 2019, "Gaussian differential privacy", Cor. 3.3).
 */
import { check } from '../../errors.js';
import { logNormalCdf, logSubExp } from '../math/special.js';

function checkNoise(noiseMultiplier: number): void {
  check(
    typeof noiseMultiplier === 'number' && noiseMultiplier > 0 && Number.isFinite(noiseMultiplier),
    'noiseMultiplier',
    noiseMultiplier,
    'a finite number > 0',
  );
}

/** σ_eff of the composition of Gaussian mechanisms with the given noise multipliers (each repeated `counts[i]` times). */
export function effectiveNoiseMultiplier(noiseMultipliers: readonly number[], counts?: readonly number[]): number {
  check(noiseMultipliers.length >= 1, 'noiseMultipliers.length', noiseMultipliers.length, 'at least 1');
  check(
    counts === undefined || counts.length === noiseMultipliers.length,
    'counts.length',
    counts?.length,
    `equal to noiseMultipliers.length = ${noiseMultipliers.length}`,
  );
  let precision = 0;
  noiseMultipliers.forEach((noise, i) => {
    checkNoise(noise);
    const count = counts?.[i] ?? 1;
    check(Number.isInteger(count) && count >= 1, 'counts[]', count, 'integers ≥ 1');
    precision += count / (noise * noise);
  });
  return 1 / Math.sqrt(precision);
}

/** log δ(ε) of the Gaussian mechanism (Balle & Wang 2018, Thm 8), finite far into the tail. */
export function gaussianLogDelta(noiseMultiplier: number, epsilon: number): number {
  checkNoise(noiseMultiplier);
  check(Number.isFinite(epsilon) && epsilon >= 0, 'epsilon', epsilon, 'a finite number ≥ 0');
  const a = 1 / (2 * noiseMultiplier) - epsilon * noiseMultiplier;
  const b = -1 / (2 * noiseMultiplier) - epsilon * noiseMultiplier;
  const first = logNormalCdf(a);
  const second = epsilon + logNormalCdf(b);
  // first > second always (δ > 0); guard against the last ulp.
  return second >= first ? -Infinity : logSubExp(first, second);
}

/** δ(ε) of the Gaussian mechanism with sensitivity 1. */
export function gaussianDelta(noiseMultiplier: number, epsilon: number): number {
  return Math.exp(gaussianLogDelta(noiseMultiplier, epsilon));
}

/**
 * The exact ε(δ) of the Gaussian mechanism: the root of δ(ε) = delta (δ is decreasing in ε), found by
 * bracketing and bisection on log δ to a relative accuracy of 1e-12 in ε. Returns 0 when δ(0) ≤ delta.
 */
export function gaussianEpsilon(noiseMultiplier: number, delta: number): number {
  checkNoise(noiseMultiplier);
  check(delta > 0 && delta < 1, 'delta', delta, 'in (0, 1)');
  const target = Math.log(delta);
  if (gaussianLogDelta(noiseMultiplier, 0) <= target) return 0;
  let low = 0;
  let high = 1;
  while (gaussianLogDelta(noiseMultiplier, high) > target) {
    low = high;
    high *= 2;
    check(high < 1e12, 'noiseMultiplier', noiseMultiplier, `large enough for δ = ${delta} to be reachable`);
  }
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
    const mid = 0.5 * (low + high);
    if (gaussianLogDelta(noiseMultiplier, mid) > target) low = mid;
    else high = mid;
  }
  // high always satisfies δ(high) ≤ delta: report it so the guarantee holds.
  return high;
}
