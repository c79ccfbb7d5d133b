import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import {
  analyticGaussianDelta,
  analyticGaussianSigma,
  calibrateDiscreteGaussianVariance,
  classicGaussianSigma,
  discreteGaussianDelta,
  discreteGaussianRho,
} from '../../../src/dp/mechanisms/index.js';
import { discreteGaussianNormaliser, discreteGaussianPmf } from '../../../src/dp/samplers/index.js';

interface Vector {
  epsilon: number;
  delta: number;
  sensitivity: number;
  sigma: number;
  relativeTolerance: number;
}
const vectors = JSON.parse(readFileSync(new URL('../../vectors/dp-mechanisms.json', import.meta.url), 'utf8')) as {
  analytic: Vector[];
  classic: Vector[];
};

describe('Gaussian σ calibration', () => {
  for (const v of vectors.analytic) {
    it(`analytic (Balle & Wang 2018): ε=${v.epsilon}, δ=${v.delta}, Δ=${v.sensitivity} → σ=${v.sigma}`, () => {
      const sigma = analyticGaussianSigma(v);
      expect(Math.abs(sigma - v.sigma) / v.sigma).toBeLessThan(v.relativeTolerance);
    });
  }
  for (const v of vectors.classic) {
    it(`classic (Dwork & Roth 2014): ε=${v.epsilon}, δ=${v.delta}, Δ=${v.sensitivity} → σ=${v.sigma}`, () => {
      expect(Math.abs(classicGaussianSigma(v) - v.sigma) / v.sigma).toBeLessThan(v.relativeTolerance);
    });
  }

  it('analytic σ is the smallest σ meeting δ (Balle & Wang Theorem 8), and never above the classic σ', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 20, noNaN: true }),
        fc.double({ min: -12, max: -1, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (epsilon, logDelta, sensitivity) => {
          const delta = 10 ** logDelta;
          const sigma = analyticGaussianSigma({ epsilon, delta, sensitivity });
          expect(analyticGaussianDelta({ epsilon, sigma, sensitivity })).toBeLessThanOrEqual(delta * (1 + 1e-9));
          expect(analyticGaussianDelta({ epsilon, sigma: sigma * (1 - 1e-6), sensitivity })).toBeGreaterThan(delta);
          if (epsilon < 1) expect(sigma).toBeLessThan(classicGaussianSigma({ epsilon, delta, sensitivity }));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('scales linearly with the sensitivity', () => {
    const a = analyticGaussianSigma({ epsilon: 0.7, delta: 1e-6, sensitivity: 1 });
    const b = analyticGaussianSigma({ epsilon: 0.7, delta: 1e-6, sensitivity: 3.5 });
    expect(b / a).toBeCloseTo(3.5, 9);
  });

  it('refuses the classic calibration at ε ≥ 1 and bad arguments, naming them', () => {
    expect(() => classicGaussianSigma({ epsilon: 1, delta: 1e-5 })).toThrow(/epsilon must be below 1 for the classic/);
    expect(() => analyticGaussianSigma({ epsilon: 0, delta: 1e-5 })).toThrow(/epsilon must be a positive finite number \(got 0\)/);
    expect(() => analyticGaussianSigma({ epsilon: 1, delta: 1 })).toThrow(/delta must be in \(0, 1\) \(got 1\)/);
    expect(() => analyticGaussianSigma({ epsilon: 1, delta: 1e-5, sensitivity: -1 })).toThrow(/sensitivity must be/);
  });
});

describe('discrete Gaussian privacy (Canonne, Kamath & Steinke 2020)', () => {
  /** δ from the definition: Σ_y max(0, P(y) − e^ε Q(y)) with P = N_Z(0,σ²), Q = N_Z(S,σ²). */
  function bruteForceDelta(epsilon: number, variance: number, sensitivity: number): number {
    const z = discreteGaussianNormaliser(variance);
    const limit = Math.ceil(40 * Math.sqrt(variance)) + sensitivity;
    let delta = 0;
    for (let y = -limit; y <= limit; y++) {
      const p = discreteGaussianPmf(y, variance, z);
      const q = discreteGaussianPmf(y - sensitivity, variance, z);
      delta += Math.max(0, p - Math.exp(epsilon) * q);
    }
    return delta;
  }

  for (const [epsilon, variance, sensitivity] of [
    [1, 14, 1],
    [0.5, 40, 2],
    [2, 3.3, 1],
    [0.1, 2000, 3],
  ] as const) {
    it(`the tail formula equals the definition: ε=${epsilon}, σ²=${variance}, S=${sensitivity}`, () => {
      const formula = discreteGaussianDelta({ epsilon, variance, sensitivity });
      expect(formula).toBeGreaterThan(0);
      expect(Math.abs(formula - bruteForceDelta(epsilon, variance, sensitivity)) / formula).toBeLessThan(1e-9);
    });
  }

  it('the integral bound for σ² > 1e8 is above and close to the continuous δ', () => {
    const sensitivity = 100000;
    const sigma = analyticGaussianSigma({ epsilon: 1, delta: 1e-5, sensitivity });
    const variance = sigma * sigma; // ≈ 1.4e11
    const bound = discreteGaussianDelta({ epsilon: 1, variance, sensitivity });
    expect(bound).toBeGreaterThan(0.99e-5);
    expect(bound).toBeLessThan(1.01e-5);
  });

  it('calibrates the smallest integer σ² meeting δ for S = 1', () => {
    for (const [epsilon, delta] of [
      [1, 1e-5],
      [0.3, 1e-6],
      [3, 1e-8],
    ] as const) {
      const v = calibrateDiscreteGaussianVariance({ epsilon, delta, sensitivity: 1 });
      expect(discreteGaussianDelta({ epsilon, variance: v, sensitivity: 1 })).toBeLessThanOrEqual(delta);
      if (v > 1) expect(discreteGaussianDelta({ epsilon, variance: v - 1, sensitivity: 1 })).toBeGreaterThan(delta * (1 - 1e-9));
    }
  });

  it('calibrates close to the continuous analytic σ at fine grids', () => {
    const v = calibrateDiscreteGaussianVariance({ epsilon: 1, delta: 1e-5, sensitivity: 1024 });
    expect(discreteGaussianDelta({ epsilon: 1, variance: v, sensitivity: 1024 })).toBeLessThanOrEqual(1e-5);
    expect(Math.sqrt(v) / 1024 / 3.730632).toBeCloseTo(1, 4);
    expect(discreteGaussianRho({ variance: v, sensitivity: 1024 })).toBeCloseTo(1 / (2 * 3.730632 ** 2), 5);
  });
});
