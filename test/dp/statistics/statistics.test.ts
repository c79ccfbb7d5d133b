import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';
import {
  dpApproximateBounds,
  dpCount,
  dpHistogram,
  dpMean,
  dpQuantiles,
  dpSum,
  dpVariance,
} from '../../../src/dp/statistics/index.js';
import { chiSquare } from '../samplers/goodness-of-fit.js';

// With ε = 1e12 the discrete Laplace scale is below 1e-5 grid steps even for sums on a 2^20 grid
// (sensitivity ≤ 2^21 steps here): the noise is 0 except with probability below e^−100000, so
// these checks see the exact clamped statistic.
const NOISELESS = 1e12;
const Z_LIMIT = 3.89; // false-alarm rate 1e-4 per statistical check (fixed seeds)

const data = Array.from({ length: 400 }, (_, i) => 20 + ((i * 37) % 61) + (i % 3) / 4); // in [20, 80.5]

function clampedMean(xs: number[], lo: number, hi: number): number {
  return xs.reduce((a, x) => a + Math.min(hi, Math.max(lo, x)), 0) / xs.length;
}

describe('dpCount', () => {
  it('counts records with noise of scale maxContributions/ε', () => {
    const r = dpCount(data, { epsilon: 0.5, maxContributions: 3, rng: new SeededRandom(1) });
    expect(r.guarantee).toMatchObject({ mechanism: 'discrete-laplace', epsilon: 0.5, delta: 0, sensitivity: 3, noise: { scale: 6 } });
    expect(Number.isInteger(r.value)).toBe(true);
  });

  it('enforces the contribution bound when unit ids are given', () => {
    const ids = ['a', 'a', 'a', 'b', 'c', 'c'];
    expect(dpCount(ids, { epsilon: NOISELESS, maxContributions: 2, privacyUnitIds: ids, rng: new SeededRandom(2) }).value).toBe(5);
    expect(() => dpCount(3, { epsilon: 1, privacyUnitIds: ['a'], rng: new SeededRandom(2) })).toThrow(/privacyUnitIds.length/);
  });

  it('uses the discrete Gaussian when δ is given', () => {
    const r = dpCount(data, { epsilon: 1, delta: 1e-5, rng: new SeededRandom(3) });
    expect(r.guarantee).toMatchObject({ mechanism: 'discrete-gaussian', epsilon: 1, delta: 1e-5, rho: 1 / 28 });
  });

  it('validates ε and the contribution bound', () => {
    expect(() => dpCount(data, { epsilon: 0 })).toThrow(/epsilon must be a positive finite number \(got 0\)/);
    expect(() => dpCount(data, { epsilon: 1, maxContributions: 0 })).toThrow(/maxContributions must be a positive integer/);
    expect(() => dpCount(data, { epsilon: 1, delta: 2 })).toThrow(/delta must be in \(0, 1\)/);
  });
});

describe('dpSum', () => {
  it('clamps to the bounds before summing', () => {
    const r = dpSum([-50, 5, 500, 7.25], { epsilon: NOISELESS, lower: 0, upper: 10, rng: new SeededRandom(4) });
    expect(r.value).toBe(22.25);
    // Grid γ = 2^(⌊log₂ 10⌋ − 20) = 2^−17; sensitivity max(|0|, |10|) in grid steps × γ.
    expect(r.guarantee.granularity).toBe(2 ** -17);
    expect(r.guarantee.sensitivity).toBe(10);
  });

  it('centres: sensitivity k·max(|lower − c|, |upper − c|)', () => {
    const r = dpSum(data, { epsilon: NOISELESS, lower: 1000, upper: 1010, center: 1005, maxContributions: 2, rng: new SeededRandom(5) });
    expect(r.guarantee.sensitivity).toBe(10);
    expect(r.value).toBeCloseTo(-5 * 2 * 0 + data.length * (1000 - 1005), 6); // every value clamps to 1000
  });

  it('has noise of the discrete Laplace scale S/ε (scale check)', () => {
    const rng = new SeededRandom(6);
    const truth = data.reduce((a, x) => a + Math.min(100, x), 0);
    const n = 3000;
    let m2 = 0;
    let m4 = 0;
    for (let i = 0; i < n; i++) {
      const d = dpSum(data, { epsilon: 1, lower: 0, upper: 100, rng }).value - truth;
      m2 += d * d;
      m4 += d ** 4;
    }
    m2 /= n;
    m4 /= n;
    const expected = 2 * 100 ** 2; // Laplace(100) variance; the grid version differs by < 1e-9 relative
    expect(Math.abs(m2 - expected) / Math.sqrt((m4 - m2 * m2) / n)).toBeLessThan(Z_LIMIT);
  });

  it('validates bounds and data', () => {
    expect(() => dpSum(data, { epsilon: 1, lower: 5, upper: 5 })).toThrow(/upper must be greater than lower \(5\)/);
    expect(() => dpSum(data, { epsilon: 1, lower: Number.NaN, upper: 5 })).toThrow(/lower must be a finite number/);
    expect(() => dpSum([1, Number.NaN], { epsilon: 1, lower: 0, upper: 5, rng: new SeededRandom(1) })).toThrow(CohortError);
  });
});

describe('dpMean and dpVariance', () => {
  it('estimate the clamped mean and variance and compose their budget', () => {
    const rng = new SeededRandom(7);
    const mean = dpMean(data, { epsilon: NOISELESS, lower: 30, upper: 70, rng });
    expect(mean.value).toBeCloseTo(clampedMean(data, 30, 70), 9);
    expect(mean.guarantee.mechanism).toBe('composition');
    expect(mean.guarantee.epsilon).toBe(NOISELESS);
    expect(mean.guarantee.parts).toHaveLength(2);

    const clamped = data.map((x) => Math.min(70, Math.max(30, x)));
    const mu = clampedMean(data, 30, 70);
    const populationVariance = clamped.reduce((a, x) => a + (x - mu) ** 2, 0) / clamped.length;
    const variance = dpVariance(data, { epsilon: NOISELESS, lower: 30, upper: 70, rng });
    expect(variance.value).toBeCloseTo(populationVariance, 7);
    expect(variance.guarantee.parts).toHaveLength(3);

    const gaussian = dpVariance(data, { epsilon: 1, delta: 3e-6, lower: 30, upper: 70, rng });
    expect(gaussian.guarantee.epsilon).toBeCloseTo(1, 12);
    expect(gaussian.guarantee.delta).toBeCloseTo(3e-6, 18);
    expect(gaussian.value).toBeGreaterThanOrEqual(0);
    expect(gaussian.value).toBeLessThanOrEqual(20 * 20);
  });

  it('keeps the mean inside the bounds even with heavy noise', () => {
    const rng = new SeededRandom(8);
    for (let i = 0; i < 50; i++) {
      const m = dpMean([1, 2], { epsilon: 0.01, lower: 0, upper: 3, rng }).value;
      expect(m).toBeGreaterThanOrEqual(0);
      expect(m).toBeLessThanOrEqual(3);
    }
  });
});

describe('dpHistogram', () => {
  it('counts public categories', () => {
    const labels = [0, 2, 2, 1, 2];
    const r = dpHistogram(labels, { epsilon: NOISELESS, numCategories: 4, rng: new SeededRandom(9) });
    expect(r.value).toEqual([1, 1, 3, 0]);
    expect(r.guarantee).toMatchObject({ epsilon: NOISELESS, sensitivity: 1 });
  });

  it('uses zCDP calibration for Gaussian noise with several records per unit', () => {
    const r = dpHistogram([0, 1], { epsilon: 1, delta: 1e-6, numCategories: 2, maxContributions: 3, rng: new SeededRandom(10) });
    expect(r.guarantee).toMatchObject({ mechanism: 'discrete-gaussian', calibration: 'zcdp', sensitivity: 3 });
    // ρ-zCDP ⇒ (ρ + 2√(ρ ln(1/δ)), δ): the ρ used must give ε ≤ 1.
    const rho = r.guarantee.rho!;
    expect(rho + 2 * Math.sqrt(rho * Math.log(1e6))).toBeLessThanOrEqual(1);
  });

  it('rejects values outside the categories', () => {
    expect(() => dpHistogram([0, 3], { epsilon: 1, numCategories: 3, rng: new SeededRandom(1) })).toThrow(/categories\[1\] must be an integer in \[0, 3\)/);
  });
});

describe('dpQuantiles (exponential mechanism, Smith 2011)', () => {
  it('returns the quantile at very large ε', () => {
    const sorted = [...data].sort((a, b) => a - b);
    const r = dpQuantiles(data, { epsilon: 2000, lower: 0, upper: 128, quantiles: [0.75, 0.25], rng: new SeededRandom(11) });
    const step = 128 / 2 ** 16;
    expect(Math.abs((r.value[0] as number) - (sorted[100] as number))).toBeLessThan(1 + step);
    expect(Math.abs((r.value[1] as number) - (sorted[300] as number))).toBeLessThan(1 + step);
    expect(r.guarantee.parts?.map((p) => p.epsilon)).toEqual([1000, 1000]);
  });

  it('draws candidates with probability ∝ exp(ε·u/(2Δu)) (chi-square)', () => {
    // Data at grid points 2, 5, 7 of 0..8 (bounds [0, 8], 3 grid bits); median q = 0.5, Δu = 0.5.
    const values = [2, 5, 7];
    const epsilon = 0.8;
    const weights = Array.from({ length: 9 }, (_, z) => {
      const below = values.filter((x) => x < z).length;
      const above = values.filter((x) => x > z).length;
      const u = -Math.abs(0.5 * below - 0.5 * above);
      return Math.exp((epsilon * u) / (2 * 0.5));
    });
    const total = weights.reduce((a, b) => a + b, 0);
    const counts = new Array<number>(9).fill(0);
    const rng = new SeededRandom(12);
    for (let i = 0; i < 20000; i++) {
      const v = dpQuantiles(values, { epsilon, lower: 0, upper: 8, gridBits: 3, quantiles: [0.5], rng }).value[0] as number;
      counts[v]! += 1;
    }
    const result = chiSquare(counts, weights.map((w) => w / total), 0.0001);
    expect(result.statistic, JSON.stringify(counts)).toBeLessThan(result.critical);
  });

  it('validates quantiles and grid bits', () => {
    expect(() => dpQuantiles(data, { epsilon: 1, lower: 0, upper: 1, quantiles: [1.5] })).toThrow(/quantiles\[0\] must be in \[0, 1\]/);
    expect(() => dpQuantiles(data, { epsilon: 1, lower: 0, upper: 1, quantiles: [] })).toThrow(/quantiles must be a non-empty array/);
    expect(() => dpQuantiles(data, { epsilon: 1, lower: 0, upper: 1, quantiles: [0.5], gridBits: 30 })).toThrow(/gridBits must be/);
  });
});

describe('dpApproximateBounds', () => {
  it('finds power-of-two bounds around the data', () => {
    const r = dpApproximateBounds(data, { epsilon: 5, rng: new SeededRandom(13) });
    expect(r.value).toEqual({ lower: 16, upper: 128 });
    expect(r.guarantee).toMatchObject({ epsilon: 5, delta: 0 });
    const negative = dpApproximateBounds(data.map((x) => -x / 1000), { epsilon: 5, rng: new SeededRandom(14) });
    expect(negative.value).toEqual({ lower: -0.125, upper: -0.015625 });
  });
});
