import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distributedDiscreteGaussianEpsilon } from '../../../src/dp/accountants/distributed-discrete-gaussian.js';
import {
  MAX_SCALED_LOCAL_STD,
  SECURE_SUM_LIMIT,
  calibrateDistributedDiscreteGaussian,
  distributedDiscreteGaussianPlanEpsilon,
  planDistributedDiscreteGaussian,
} from '../../../src/dp/calibration/distributed-discrete-gaussian.js';
import { noiseMultiplierForEpsilon } from '../../../src/dp/calibration/noise-multiplier.js';
import { CohortError } from '../../../src/errors.js';

describe('planDistributedDiscreteGaussian', () => {
  it('without noise: the finest grid the 32-bit sum allows, and no privacy', () => {
    const plan = planDistributedDiscreteGaussian({ clippingNorm: 1, noiseShares: 5, dimension: 64, noiseMultiplier: 0 });
    expect(plan.localVariance).toBe(0);
    expect(plan.sumBound).toBeLessThanOrEqual(SECURE_SUM_LIMIT);
    expect(plan.sumBound).toBeGreaterThan(0.99 * SECURE_SUM_LIMIT);
    expect(distributedDiscreteGaussianPlanEpsilon(plan, 3, 1e-5)).toBe(Number.POSITIVE_INFINITY);
    expect(distributedDiscreteGaussianPlanEpsilon(plan, 0, 1e-5)).toBe(0);
  });

  it('splits the central noise z·c into n shares and keeps every sum inside 2^31 − 1', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 20 }),
        (clippingNorm, noiseMultiplier, noiseShares, extra, log2Dimension) => {
          const plan = planDistributedDiscreteGaussian({
            clippingNorm,
            noiseMultiplier,
            noiseShares,
            maxContributors: noiseShares + extra,
            dimension: 2 ** log2Dimension,
          });
          const sigma = (noiseMultiplier * clippingNorm) / Math.sqrt(noiseShares);
          expect(plan.localStandardDeviation).toBeCloseTo(sigma, 12);
          expect(Number.isSafeInteger(plan.localVariance)).toBe(true);
          // V = ⌈σ²/γ²⌉: never less noise than asked for, and at most the sampler's fast range.
          expect(plan.localVariance * plan.granularity ** 2).toBeGreaterThanOrEqual(sigma * sigma * (1 - 1e-12));
          expect(plan.localVariance).toBeLessThanOrEqual(MAX_SCALED_LOCAL_STD ** 2 + 1);
          expect(plan.sumBound).toBeLessThanOrEqual(SECURE_SUM_LIMIT);
          expect(plan.l2Sensitivity).toBeGreaterThanOrEqual(clippingNorm / plan.granularity);
          // Rounding only inflates the sensitivity: the accountant's multiplier is at most z, up to
          // the extra noise of rounding V up to an integer.
          const rounding = Math.sqrt((plan.localVariance * plan.granularity ** 2) / (sigma * sigma));
          expect(plan.effectiveNoiseMultiplier).toBeLessThanOrEqual(noiseMultiplier * rounding * (1 + 1e-9));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('accounts with the plan’s own integer-domain numbers', () => {
    const plan = planDistributedDiscreteGaussian({ clippingNorm: 0.5, noiseShares: 10, dimension: 1024, noiseMultiplier: 1.1 });
    const direct = distributedDiscreteGaussianEpsilon(
      { l2Sensitivity: plan.l2Sensitivity, localVariance: plan.localVariance, noiseShares: 10, dimension: 1024 },
      30,
      1e-5,
    ).epsilon;
    expect(distributedDiscreteGaussianPlanEpsilon(plan, 30, 1e-5)).toBe(direct);
  });

  it('refuses a vector too long for a 32-bit sum', () => {
    expect(() => planDistributedDiscreteGaussian({ clippingNorm: 1, noiseShares: 300_000, dimension: 2 ** 26, noiseMultiplier: 1 })).toThrow(
      /dimension 67108864/,
    );
    expect(() => planDistributedDiscreteGaussian({ clippingNorm: 1, noiseShares: 5, maxContributors: 4, dimension: 4, noiseMultiplier: 1 })).toThrow(
      /maxContributors/,
    );
  });
});

describe('calibrateDistributedDiscreteGaussian', () => {
  it('meets the target tightly, close to the continuous Gaussian’s noise multiplier', () => {
    const cases = [
      { clippingNorm: 1, noiseShares: 5, dimension: 64, targetEpsilon: 8, delta: 1e-5, rounds: 20 },
      { clippingNorm: 0.1, noiseShares: 50, maxContributors: 60, dimension: 4096, targetEpsilon: 1, delta: 1e-6, rounds: 100 },
      { clippingNorm: 0.5, noiseShares: 90, maxContributors: 100, dimension: 131072, targetEpsilon: 2, delta: 1e-6, rounds: 500 },
    ];
    for (const request of cases) {
      const plan = calibrateDistributedDiscreteGaussian(request);
      const epsilon = distributedDiscreteGaussianPlanEpsilon(plan, request.rounds, request.delta);
      expect(epsilon).toBeLessThanOrEqual(request.targetEpsilon);
      // A little less noise would overshoot the target.
      const less = planDistributedDiscreteGaussian({ ...request, noiseMultiplier: plan.noiseMultiplier * (1 - 1e-4) });
      expect(distributedDiscreteGaussianPlanEpsilon(less, request.rounds, request.delta)).toBeGreaterThan(request.targetEpsilon);
      const gaussian = noiseMultiplierForEpsilon({ targetEpsilon: request.targetEpsilon, sampleRate: 1, steps: request.rounds, delta: request.delta });
      // The accountant sees the Gaussian's multiplier; the nominal z pays the rounding inflation (≤ 1 %).
      expect(Math.abs(plan.effectiveNoiseMultiplier / gaussian.noiseMultiplier - 1)).toBeLessThan(1e-3);
      expect(plan.noiseMultiplier / gaussian.noiseMultiplier).toBeLessThan(1.01);
    }
  });

  it('says when the target cannot be reached', () => {
    let error: unknown;
    try {
      calibrateDistributedDiscreteGaussian({ clippingNorm: 1, noiseShares: 5, dimension: 64, targetEpsilon: 1e-4, delta: 1e-5, rounds: 1000, maxNoiseMultiplier: 10 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CohortError);
    expect((error as CohortError).code).toBe('DP_TARGET_UNREACHABLE');
    expect(() => calibrateDistributedDiscreteGaussian({ clippingNorm: 1, noiseShares: 5, dimension: 64, targetEpsilon: 1, delta: 2, rounds: 1 })).toThrow(/delta/);
  });
});
