/**
 * Shared pieces of the DP statistics: the privacy model, option checks, contribution bounding,
 * clamping to a grid, and exact integer noise.
 *
 * Privacy model: neighbouring data sets differ by adding or removing one privacy unit (a person,
 * a patient). Each unit contributes at most `maxContributions` records (default 1: one record per
 * person). If `privacyUnitIds` is given the bound is enforced — records of a unit beyond its first
 * `maxContributions` are dropped, a per-unit rule that does not depend on anyone else's data — and
 * otherwise it is the caller's promise about the data.
 * Real values are clamped to public bounds [lower, upper] and rounded to a grid before any sum, so
 * sums are exact integer sums with an exact sensitivity; this avoids both Mironov's floating-point
 * attack (CCS 2012) and the floating-point summation error that makes the real sensitivity of a
 * float sum larger than (upper − lower) (Casacuberta, Shoemate, Vadhan & Wagaman, CCS 2022).
 */
import type { RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';
import { floorLog2 } from '../mechanisms/grid.js';
import type { Released } from '../mechanisms/guarantee.js';
import { discreteGaussianMechanism, discreteLaplaceMechanism } from '../mechanisms/integer-mechanisms.js';
import { discreteGaussianRho } from '../mechanisms/discrete-gaussian-privacy.js';
import { createDiscreteGaussianSampler } from '../samplers/discrete-gaussian.js';
import { checkDelta, checkEpsilon } from '../mechanisms/validate.js';

export interface PrivacyOptions {
  /** Privacy budget of this statistic. */
  readonly epsilon: number;
  /** Given: Gaussian (discrete Gaussian) noise for (ε, δ)-DP; absent: Laplace noise, pure ε-DP. */
  readonly delta?: number;
  /** Records one privacy unit may contribute (default 1). */
  readonly maxContributions?: number;
  /** Privacy unit of each record; when given, contributions beyond maxContributions are dropped. */
  readonly privacyUnitIds?: ArrayLike<number | string>;
  readonly rng?: RandomSource;
}

export interface BoundedOptions extends PrivacyOptions {
  /** Public lower clamping bound (must not be computed from the private data). */
  readonly lower: number;
  /** Public upper clamping bound, > lower. */
  readonly upper: number;
  /** Grid resolution in bits across the bounds (default 20): spacing 2^(⌊log₂ width⌋ − bits). */
  readonly gridBits?: number;
}

export function checkPrivacyOptions(options: PrivacyOptions): number {
  checkEpsilon(options.epsilon);
  if (options.delta !== undefined) checkDelta(options.delta);
  const k = options.maxContributions ?? 1;
  check(Number.isSafeInteger(k) && k >= 1, 'maxContributions', k, 'a positive integer');
  return k;
}

export function checkBounds(options: Pick<BoundedOptions, 'lower' | 'upper' | 'gridBits'>): void {
  check(Number.isFinite(options.lower), 'lower', options.lower, 'a finite number');
  check(Number.isFinite(options.upper), 'upper', options.upper, 'a finite number');
  check(options.lower < options.upper, 'upper', options.upper, `greater than lower (${options.lower})`);
  check(Number.isFinite(options.upper - options.lower), 'upper', options.upper, 'such that upper − lower is finite');
  if (options.gridBits !== undefined) {
    check(Number.isInteger(options.gridBits) && options.gridBits >= 1 && options.gridBits <= 40, 'gridBits', options.gridBits, 'an integer in [1, 40]');
  }
}

/** Indices of the records kept after bounding each unit to its first `k` records. */
export function boundContributions(count: number, k: number, ids?: ArrayLike<number | string>): Int32Array | undefined {
  if (ids === undefined) return undefined;
  check(ids.length === count, 'privacyUnitIds.length', ids.length, `equal to the number of records (${count})`);
  const seen = new Map<number | string, number>();
  const kept: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = ids[i] as number | string;
    const c = seen.get(id) ?? 0;
    if (c < k) {
      kept.push(i);
      seen.set(id, c + 1);
    }
  }
  return Int32Array.from(kept);
}

/** The values kept after contribution bounding, checked to be finite. */
export function keptValues(values: ArrayLike<number>, options: PrivacyOptions): number[] {
  const k = options.maxContributions ?? 1;
  const kept = boundContributions(values.length, k, options.privacyUnitIds);
  const out: number[] = [];
  const take = (i: number) => {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      throw new CohortError('INVALID_DATA', `values[${i}] must be a finite number (got ${v})`, { subject: 'values' });
    }
    out.push(v);
  };
  if (kept === undefined) for (let i = 0; i < values.length; i++) take(i);
  else for (const i of kept) take(i);
  return out;
}

/** Grid spacing 2^(⌊log₂ (upper − lower)⌋ − bits): a power of two, so value/γ is exact. */
export function boundsGranularity(lower: number, upper: number, bits = 20): number {
  return 2 ** (floorLog2(upper - lower) - bits);
}

/** round(clamp(v)/γ), itself clamped to [round(lower/γ), round(upper/γ)] (rounding is monotone). */
export function clampToGrid(v: number, lower: number, upper: number, granularity: number): number {
  const c = v < lower ? lower : v > upper ? upper : v;
  return Math.round(c / granularity);
}

/**
 * value + exact integer noise for a query with integer sensitivity S: discrete Laplace (scale S/ε)
 * without δ, discrete Gaussian calibrated to (ε, δ) with δ.
 */
export function noisyInteger(value: number, sensitivity: number, options: PrivacyOptions): Released<number> {
  const base = { value, sensitivity, epsilon: options.epsilon, ...(options.rng ? { rng: options.rng } : {}) };
  return options.delta === undefined
    ? discreteLaplaceMechanism(base)
    : discreteGaussianMechanism({ ...base, delta: options.delta });
}

/**
 * Noisy integer vector whose ℓ1 and ℓ2 sensitivities are at most `k` (one unit's k records land in
 * at most k cells, changing each by at most k in total): per-cell discrete Laplace of scale k/ε
 * (ε-DP), or per-cell discrete Gaussian. For k = 1 the shift is one unit vector, so the scalar
 * exact δ applies; for k > 1, σ² comes from zCDP: ρ = k²/(2σ²) (Canonne, Kamath & Steinke 2020,
 * multivariate) and ρ-zCDP ⇒ (ρ + 2√(ρ ln(1/δ)), δ)-DP (Bun & Steinke 2016, Proposition 1.3).
 */
export function noisyIntegerVector(values: readonly number[], k: number, options: PrivacyOptions): Released<number[]> {
  if (options.delta === undefined || k === 1) {
    const perCell = values.map((v) => noisyInteger(v, k, options));
    const first = perCell[0]?.guarantee ?? noisyInteger(0, k, options).guarantee;
    return { value: perCell.map((r) => r.value), guarantee: first };
  }
  const log = Math.log(1 / options.delta);
  const rho = (Math.sqrt(log + options.epsilon) - Math.sqrt(log)) ** 2;
  const variance = Math.ceil((k * k) / (2 * rho));
  const sampler = createDiscreteGaussianSampler({ variance, ...(options.rng ? { rng: options.rng } : {}) });
  try {
    const noisy = values.map((v) => v + sampler.sample());
    return {
      value: noisy,
      guarantee: {
        mechanism: 'discrete-gaussian',
        epsilon: options.epsilon,
        delta: options.delta,
        rho: discreteGaussianRho({ variance, sensitivity: k }),
        sensitivity: k,
        noise: { distribution: 'discrete-gaussian', standardDeviation: Math.sqrt(variance) },
        calibration: 'zcdp',
      },
    };
  } finally {
    sampler.dispose();
  }
}
