import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONDITIONAL_ROUNDING_BETA,
  distributedDiscreteGaussianConcentratedEpsilon,
  distributedDiscreteGaussianEpsilon,
  distributedDiscreteGaussianRdp,
  distributedDiscreteGaussianTau,
  roundedL1NormBound,
  roundedL2NormBound,
  type DistributedDiscreteGaussianRound,
} from '../../../src/dp/accountants/distributed-discrete-gaussian.js';
import { RdpAccountant } from '../../../src/dp/accountants/rdp.js';
import { discreteGaussianRho } from '../../../src/dp/mechanisms/discrete-gaussian-privacy.js';

interface VectorCase {
  input: { gamma: number; local_stddev: number; num_clients: number; l2_sens: number; beta: number; dim: number; steps: number; delta: number };
  scaledL2Bound: number;
  scaledL1Bound: number;
  tau: number;
  rdp: Record<string, number>;
  epsilon: number;
  optimalOrder: number;
}

const vectors = JSON.parse(readFileSync(new URL('../../vectors/distributed-discrete-gaussian.json', import.meta.url), 'utf8')) as {
  source: string;
  orders: number[];
  cases: VectorCase[];
};

function relative(actual: number, expected: number): number {
  if (expected === 0) return Math.abs(actual);
  return Math.abs(actual - expected) / Math.abs(expected);
}

function roundOf(c: VectorCase): DistributedDiscreteGaussianRound {
  const scale = 1 / c.input.gamma;
  const l2 = roundedL2NormBound(c.input.l2_sens * scale, c.input.dim, c.input.beta);
  return {
    l2Sensitivity: l2,
    l1Sensitivity: roundedL1NormBound(l2, c.input.dim),
    localVariance: (c.input.local_stddev * scale) ** 2,
    noiseShares: c.input.num_clients,
    dimension: c.input.dim,
  };
}

describe('distributed discrete Gaussian accounting: the reference implementation', () => {
  it('names its source', () => {
    expect(vectors.source).toMatch(/google-research\/federated/);
    expect(vectors.cases.length).toBeGreaterThanOrEqual(6);
  });

  for (const [index, c] of vectors.cases.entries()) {
    const label = `case ${index}: n=${c.input.num_clients}, σ/γ=${(c.input.local_stddev / c.input.gamma).toPrecision(3)}, d=${c.input.dim}, ${c.input.steps} rounds`;
    it(`${label}: rounded norm bounds and τ`, () => {
      const round = roundOf(c);
      expect(relative(round.l2Sensitivity, c.scaledL2Bound)).toBeLessThan(1e-12);
      expect(relative(round.l1Sensitivity as number, c.scaledL1Bound)).toBeLessThan(1e-12);
      const tau = distributedDiscreteGaussianTau(round.localVariance, round.noiseShares);
      expect(relative(tau, c.tau)).toBeLessThan(1e-11);
    });

    it(`${label}: RDP at orders 2, 8, 32, 128, 256 and ε at the reference's orders`, () => {
      const round = roundOf(c);
      for (const [order, expected] of Object.entries(c.rdp)) {
        const actual = c.input.steps * distributedDiscreteGaussianRdp(round, Number(order));
        expect(relative(actual, expected), `order ${order}`).toBeLessThan(1e-10);
      }
      const result = distributedDiscreteGaussianEpsilon(round, c.input.steps, c.input.delta, vectors.orders);
      expect(relative(result.epsilon, c.epsilon)).toBeLessThan(1e-10);
      expect(result.optimalOrder).toBe(c.optimalOrder);
    });
  }
});

describe('distributed discrete Gaussian accounting: properties', () => {
  it('τ is 0 for one client and 10·e^{−π²σ²} for two (Theorem 1)', () => {
    expect(distributedDiscreteGaussianTau(0.3, 1)).toBe(0);
    expect(relative(distributedDiscreteGaussianTau(0.5, 2), 10 * Math.exp(-Math.PI * Math.PI * 0.5))).toBeLessThan(1e-14);
  });

  it('conditional rounding: β = 0 gives ‖x‖ + √d; β > 0 is never looser', () => {
    expect(roundedL2NormBound(3, 16, 0)).toBe(7);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 1, max: 1 << 20 }), (norm, dimension) => {
        const conditional = roundedL2NormBound(norm, dimension, DEFAULT_CONDITIONAL_ROUNDING_BETA);
        return conditional <= norm + Math.sqrt(dimension) && conditional >= norm;
      }),
    );
  });

  it('one client: the RDP of the discrete Gaussian, α·ρ with ρ = Δ²/(2σ²) (Canonne, Kamath & Steinke 2020)', () => {
    const round = { l2Sensitivity: 3, localVariance: 7.5, noiseShares: 1, dimension: 10 };
    const rho = discreteGaussianRho({ variance: 7.5, sensitivity: 3 });
    for (const order of [1.5, 2, 10, 100]) {
      expect(relative(distributedDiscreteGaussianRdp(round, order), order * rho)).toBeLessThan(1e-14);
    }
    expect(relative(distributedDiscreteGaussianConcentratedEpsilon(round), Math.sqrt(2 * rho))).toBeLessThan(1e-14);
  });

  const roundArbitrary = fc.record({
    l2Sensitivity: fc.double({ min: 0.1, max: 1e4, noNaN: true }),
    localVariance: fc.double({ min: 0.05, max: 1e6, noNaN: true }),
    noiseShares: fc.integer({ min: 1, max: 2000 }),
    dimension: fc.integer({ min: 1, max: 1 << 20 }),
  });

  it('the RDP bound is within the concentrated-DP form: D_α ≤ α·ε²/2', () => {
    fc.assert(
      fc.property(roundArbitrary, fc.double({ min: 1.01, max: 500, noNaN: true }), (round, order) => {
        const epsilon = distributedDiscreteGaussianConcentratedEpsilon(round);
        return distributedDiscreteGaussianRdp(round, order) <= ((order * epsilon * epsilon) / 2) * (1 + 1e-12);
      }),
    );
  });

  it('ε decreases as the local noise grows', () => {
    fc.assert(
      fc.property(roundArbitrary, fc.double({ min: 1.01, max: 4, noNaN: true }), (round, factor) => {
        const less = distributedDiscreteGaussianEpsilon(round, 10, 1e-5).epsilon;
        const more = distributedDiscreteGaussianEpsilon({ ...round, localVariance: round.localVariance * factor }, 10, 1e-5).epsilon;
        return more <= less;
      }),
    );
  });

  it('ε decreases as more clients add noise (local variance ≥ 9, where τ < 1e-30·n)', () => {
    fc.assert(
      fc.property(roundArbitrary, fc.integer({ min: 1, max: 500 }), (round, extra) => {
        const base = { ...round, localVariance: Math.max(9, round.localVariance) };
        const fewer = distributedDiscreteGaussianEpsilon(base, 5, 1e-5).epsilon;
        const more = distributedDiscreteGaussianEpsilon({ ...base, noiseShares: base.noiseShares + extra }, 5, 1e-5).epsilon;
        return more <= fewer * (1 + 1e-12);
      }),
    );
  });

  it('but with little noise per client, more clients can cost more: τ·d grows with n', () => {
    const round = { l2Sensitivity: 0.1, localVariance: 1, noiseShares: 1, dimension: 18663 };
    const one = distributedDiscreteGaussianEpsilon(round, 1, 1e-5).epsilon;
    const two = distributedDiscreteGaussianEpsilon({ ...round, noiseShares: 2 }, 1, 1e-5).epsilon;
    expect(two).toBeGreaterThan(one);
  });

  it('tends to the continuous Gaussian with the same noise multiplier as σ grows', () => {
    const noiseMultiplier = 1.3;
    const rounds = 50;
    const delta = 1e-5;
    const gaussian = new RdpAccountant().compose({ kind: 'gaussian', noiseMultiplier, count: rounds }).getEpsilon(delta);
    const gapAt = (localVariance: number): number => {
      const noiseShares = 20;
      const l2Sensitivity = Math.sqrt(noiseShares * localVariance) / noiseMultiplier;
      return distributedDiscreteGaussianEpsilon({ l2Sensitivity, localVariance, noiseShares, dimension: 4096 }, rounds, delta).epsilon - gaussian;
    };
    const gaps = [0.15, 0.25, 0.4, 1, 9].map(gapAt);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i] as number).toBeLessThanOrEqual(gaps[i - 1] as number);
    expect(gaps[0] as number).toBeGreaterThan(0.1); // small σ: τ·d costs visibly
    expect(Math.abs(gaps[gaps.length - 1] as number)).toBeLessThan(1e-9 * gaussian);
  });

  it('composes additively over rounds and gives ε = 0 for no rounds', () => {
    const round = { l2Sensitivity: 50, localVariance: 400, noiseShares: 10, dimension: 256 };
    expect(distributedDiscreteGaussianEpsilon(round, 0, 1e-5).epsilon).toBe(0);
    const orders = [2, 4, 8, 16, 32];
    const ten = distributedDiscreteGaussianEpsilon(round, 10, 1e-5, orders).epsilon;
    const twenty = distributedDiscreteGaussianEpsilon(round, 20, 1e-5, orders).epsilon;
    expect(twenty).toBeGreaterThan(ten);
  });

  it('rejects bad arguments, naming them', () => {
    const round = { l2Sensitivity: 1, localVariance: 1, noiseShares: 2, dimension: 4 };
    expect(() => distributedDiscreteGaussianRdp(round, 1)).toThrow(/order/);
    expect(() => distributedDiscreteGaussianRdp({ ...round, noiseShares: 0 }, 2)).toThrow(/noiseShares/);
    expect(() => distributedDiscreteGaussianRdp({ ...round, localVariance: 0 }, 2)).toThrow(/localVariance/);
    expect(() => distributedDiscreteGaussianEpsilon(round, 1, 0)).toThrow(/delta/);
    expect(() => roundedL2NormBound(1, 4, 1)).toThrow(/beta/);
  });
});
