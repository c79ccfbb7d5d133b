/**
 * Probability mass functions of the exact samplers, in doubles, for goodness-of-fit tests and for
 * privacy accounting (never for sampling).
 */
import { check } from '../../errors.js';

/** P[Z = z] for the discrete Laplace with scale b: (1 − e^{−1/b})/(1 + e^{−1/b})·e^{−|z|/b}. */
export function discreteLaplacePmf(z: number, scale: number): number {
  check(Number.isFinite(scale) && scale > 0, 'scale', scale, 'positive');
  const r = Math.exp(-1 / scale);
  return ((1 - r) / (1 + r)) * Math.exp(-Math.abs(z) / scale);
}

/** Variance of the discrete Laplace with scale b: 2e^{−1/b}/(1 − e^{−1/b})². */
export function discreteLaplaceVariance(scale: number): number {
  check(Number.isFinite(scale) && scale > 0, 'scale', scale, 'positive');
  const r = Math.exp(-1 / scale);
  return (2 * r) / ((1 - r) * (1 - r));
}

/**
 * The normalising constant Σ_y exp(−y²/(2σ²)) of the discrete Gaussian. For σ² ≥ 100 the Poisson
 * summation formula gives √(2πσ²)·(1 + 2Σ_k exp(−2π²σ²k²)), whose correction is below 1e-800;
 * otherwise the terms are summed outwards until they are below 1e-18 of the total.
 */
export function discreteGaussianNormaliser(variance: number): number {
  check(Number.isFinite(variance) && variance > 0, 'variance', variance, 'positive');
  if (variance >= 100) return Math.sqrt(2 * Math.PI * variance);
  let total = 1;
  for (let y = 1; ; y++) {
    const term = Math.exp((-y * y) / (2 * variance));
    total += 2 * term;
    if (term < 1e-18 * total) return total;
  }
}

/** P[Y = y] for the discrete Gaussian with parameter σ² (CKS 2020, Definition 1). */
export function discreteGaussianPmf(y: number, variance: number, normaliser = discreteGaussianNormaliser(variance)): number {
  return Math.exp((-y * y) / (2 * variance)) / normaliser;
}

/**
 * P[Y > k] for the discrete Gaussian, by direct summation from k + 1 outwards (k ≥ −1 gives the
 * upper tail; negative k uses symmetry). Relative accuracy ~1e-13, cost O(σ) terms.
 */
export function discreteGaussianUpperTail(k: number, variance: number, normaliser = discreteGaussianNormaliser(variance)): number {
  check(Number.isInteger(k), 'k', k, 'an integer');
  if (k < 0) return 1 - discreteGaussianUpperTail(-k - 1, variance, normaliser); // P[Y > k] = 1 − P[Y ≤ k] = 1 − P[Y ≥ −k] = 1 − P[Y > −k−1] by symmetry
  let sum = 0;
  for (let y = k + 1; ; y++) {
    const term = Math.exp((-y * y) / (2 * variance));
    sum += term;
    if (term < 1e-18 * sum || term === 0) return sum / normaliser;
  }
}
