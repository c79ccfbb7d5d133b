import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import vectors from '../../vectors/accountants.json' with { type: 'json' };
import { RdpAccountant, rdpEpsilon } from '../../../src/dp/accountants/rdp.js';
import {
  DEFAULT_RDP_ORDERS,
  amplifyBySubsampling,
  rdpGaussian,
  rdpLaplace,
  rdpPoissonGaussian,
  rdpPureDp,
  rdpToDelta,
  rdpToEpsilon,
} from '../../../src/dp/accountants/rdp-analysis.js';
import type { PrivacyEvent } from '../../../src/dp/accountants/events.js';
import { gaussianEpsilon } from '../../../src/dp/accountants/gaussian-exact.js';
import { CohortError } from '../../../src/errors.js';

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('RDP accountant: published known answers', () => {
  for (const vector of vectors.rdpEpsilon) {
    it(`${vector.name} (${vector.source})`, () => {
      const accountant = new RdpAccountant('orders' in vector ? { orders: vector.orders } : {});
      for (const event of vector.events) accountant.compose(event as PrivacyEvent);
      const report = accountant.report(vector.delta);
      if (vector.relativeTolerance !== undefined) {
        expect(relativeError(report.epsilon, vector.epsilon)).toBeLessThanOrEqual(vector.relativeTolerance);
      } else {
        expect(Math.abs(report.epsilon - vector.epsilon)).toBeLessThanOrEqual(vector.absoluteTolerance as number);
      }
      if ('optimalOrder' in vector) expect(report.optimalOrder).toBe(vector.optimalOrder);
      expect(report.optimalOrderAtBoundary).toBe(false);
    });
  }

  it('reproduces dp_accounting’s RDP curve of a subsampled Gaussian', () => {
    const curve = vectors.rdpCurve;
    curve.orders.forEach((order, k) => {
      const rdp = curve.steps * rdpPoissonGaussian(curve.sampleRate, curve.noiseMultiplier, order);
      expect(relativeError(rdp, curve.rdp[k] as number)).toBeLessThanOrEqual(curve.relativeTolerance);
    });
    curve.upperBoundOrders.forEach((order, k) => {
      const rdp = curve.steps * rdpPoissonGaussian(curve.sampleRate, curve.noiseMultiplier, order);
      expect(rdp).toBeLessThanOrEqual(curve.upperBoundRdp[k] as number);
    });
  });

  it.each(vectors.rdpLogA.cases)('log A_α matches numerical integration: σ=$noiseMultiplier q=$sampleRate α=$order', (c) => {
    const logA = rdpPoissonGaussian(c.sampleRate, c.noiseMultiplier, c.order) * (c.order - 1);
    const tolerance = 'relativeTolerance' in c ? (c.relativeTolerance as number) : vectors.rdpLogA.relativeTolerance;
    expect(relativeError(logA, c.logA)).toBeLessThanOrEqual(tolerance);
  });

  it('converts a constant RDP curve like dp_accounting (and back)', () => {
    const v = vectors.rdpConversion[0]!;
    const orders = v.orders as number[];
    const rdp = orders.map(() => v.constantRdp as number);
    const { value, order } = rdpToEpsilon(orders, rdp, v.delta);
    expect(Math.abs(value - v.epsilon)).toBeLessThanOrEqual(v.absoluteTolerance);
    expect(order).toBe(v.optimalOrder);
    const back = rdpToDelta(orders, rdp, v.epsilon);
    expect(relativeError(back.value, v.delta)).toBeLessThan(1e-6);
    expect(back.order).toBe(v.optimalOrder);
  });

  it('finds ε = 1 for dp_accounting’s Gaussian calibrated on a fine order grid', () => {
    const v = vectors.rdpConversion[1]!;
    const orders: number[] = [];
    const count = Math.round(((v.ordersTo as number) - (v.ordersFrom as number)) / (v.ordersStep as number)) + 1;
    for (let i = 0; i < count; i++) orders.push((v.ordersFrom as number) + i * (v.ordersStep as number));
    const rdp = orders.map((order) => rdpGaussian(v.noiseMultiplier as number, order));
    expect(Math.abs(rdpToEpsilon(orders, rdp, v.delta).value - v.epsilon)).toBeLessThanOrEqual(v.absoluteTolerance);
  });

  it('full batch (q = 1, σ = 2, 100 steps): RDP ε lies above the exact Gaussian ε = 33.1037323', () => {
    const rdp = rdpEpsilon({ noiseMultiplier: 2, sampleRate: 1, steps: 100, delta: 1e-5 }).epsilon;
    const exact = gaussianEpsilon(0.2, 1e-5);
    expect(relativeError(exact, 33.1037323)).toBeLessThan(1e-8);
    expect(rdp).toBeGreaterThan(exact);
    // RDP on a Gaussian is loose but not absurdly so.
    expect(rdp).toBeLessThan(exact * 1.2);
  });
});

describe('RDP of single mechanisms', () => {
  it('Gaussian: α/(2σ²), and q = 1 reduces to it', () => {
    expect(rdpGaussian(2.71828, 3.14159)).toBeCloseTo(3.14159 / (2 * 2.71828 ** 2), 15);
    expect(rdpPoissonGaussian(1, 2.71828, 3.14159)).toBe(rdpGaussian(2.71828, 3.14159));
    expect(rdpPoissonGaussian(0, 1, 3)).toBe(0);
  });

  it('Laplace: Mironov 2017 Table II at order 2, and tends to ε for large orders', () => {
    // α = 2: log(2/3·e^ε + 1/3·e^{−2ε}).
    for (const epsilon of [0.01, 1, 5]) {
      const direct = Math.log((2 / 3) * Math.exp(epsilon) + (1 / 3) * Math.exp(-2 * epsilon));
      expect(relativeError(rdpLaplace(epsilon, 2), direct)).toBeLessThan(1e-12);
      expect(Math.abs(rdpLaplace(epsilon, 1e10) - epsilon)).toBeLessThan(1e-8);
      expect(rdpLaplace(epsilon, 1e10)).toBeLessThanOrEqual(epsilon);
    }
  });

  it('a Laplace event composes like dp_accounting: ε·count at tiny δ with an enormous order', () => {
    // dp_accounting rdp_privacy_accountant_test.test_laplace, simulating pure DP with order 1e10.
    for (const [epsilon, count] of [[0.01, 1], [1, 1], [100, 1], [1, 100]] as const) {
      const accountant = new RdpAccountant({ orders: [1 + 1e-6, 1.1 - 1e-6, 1.1 + 1e-6, 1e10] });
      accountant.compose({ kind: 'laplace', epsilon, count });
      expect(Math.abs(accountant.getEpsilon(1e-10) - epsilon * count)).toBeLessThan(1e-6 * Math.max(1, epsilon * count));
    }
  });

  it('pure-DP bound: randomised response, never above ε nor the zCDP bound αε²/2, and Laplace sits below it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 20, noNaN: true }), fc.double({ min: 1.01, max: 500, noNaN: true }), (epsilon, order) => {
        const bound = rdpPureDp(epsilon, order);
        expect(bound).toBeLessThanOrEqual(epsilon);
        expect(bound).toBeLessThanOrEqual((order * epsilon * epsilon) / 2 + 1e-12);
        expect(rdpLaplace(epsilon, order)).toBeLessThanOrEqual(bound + 1e-12 * Math.max(1, bound));
      }),
    );
  });

  it('amplification by subsampling', () => {
    expect(amplifyBySubsampling(1, 1)).toBeCloseTo(1, 15);
    expect(amplifyBySubsampling(2, 0.2)).toBeCloseTo(Math.log(1 + 0.2 * (Math.E ** 2 - 1)), 15);
  });
});

describe('RDP accountant behaviour', () => {
  it('uses Opacus’s default orders', () => {
    expect(DEFAULT_RDP_ORDERS.length).toBe(151);
    expect(DEFAULT_RDP_ORDERS[0]).toBeCloseTo(1.1, 15);
    expect(DEFAULT_RDP_ORDERS[98]).toBeCloseTo(10.9, 15);
    expect(DEFAULT_RDP_ORDERS[99]).toBe(12);
    expect(DEFAULT_RDP_ORDERS[150]).toBe(63);
  });

  it('composing one event with steps T equals composing T single steps, and mixes kinds', () => {
    const once = new RdpAccountant().compose({ kind: 'poisson-gaussian', noiseMultiplier: 1.1, sampleRate: 0.01, steps: 50 });
    const many = new RdpAccountant();
    for (let i = 0; i < 50; i++) many.compose({ kind: 'poisson-gaussian', noiseMultiplier: 1.1, sampleRate: 0.01, steps: 1 });
    expect(relativeError(many.getEpsilon(1e-5), once.getEpsilon(1e-5))).toBeLessThan(1e-12);
    expect(many.events.length).toBe(50);
    const mixed = new RdpAccountant()
      .compose({ kind: 'poisson-gaussian', noiseMultiplier: 1.1, sampleRate: 0.01, steps: 50 })
      .compose({ kind: 'laplace', epsilon: 0.1 })
      .compose({ kind: 'gaussian', noiseMultiplier: 10, count: 2 })
      .compose({ kind: 'pure-dp', epsilon: 0.05 })
      .compose({ kind: 'poisson-laplace', epsilon: 1, sampleRate: 0.1, steps: 3 });
    expect(mixed.getEpsilon(1e-5)).toBeGreaterThan(once.getEpsilon(1e-5));
  });

  it('getDelta inverts getEpsilon', () => {
    const accountant = new RdpAccountant().compose({ kind: 'poisson-gaussian', noiseMultiplier: 0.9, sampleRate: 0.02, steps: 1000 });
    for (const delta of [1e-3, 1e-5, 1e-9]) {
      const epsilon = accountant.getEpsilon(delta);
      expect(relativeError(accountant.getDelta(epsilon), delta)).toBeLessThan(1e-9);
    }
    expect(accountant.getDelta(0)).toBeLessThanOrEqual(1);
  });

  it('extends the default orders past 63 when 63 is the best order, but never explicit orders', () => {
    const event = { kind: 'poisson-gaussian', noiseMultiplier: 20, sampleRate: 0.04, steps: 100 } as const;
    const auto = new RdpAccountant().compose(event).report(1e-5);
    const fixed = new RdpAccountant({ orders: [...DEFAULT_RDP_ORDERS] }).compose(event).report(1e-5);
    expect(fixed.optimalOrder).toBe(63);
    expect(fixed.optimalOrderAtBoundary).toBe(true);
    expect(auto.optimalOrder).toBeGreaterThan(63);
    expect(auto.epsilon).toBeLessThan(fixed.epsilon);
    expect(new RdpAccountant().compose(event).getDelta(auto.epsilon)).toBeLessThanOrEqual(1e-5 * (1 + 1e-9));
  });

  it('an empty accountant spends nothing', () => {
    const accountant = new RdpAccountant();
    expect(accountant.getEpsilon(1e-5)).toBe(0);
    expect(accountant.getDelta(0.5)).toBe(0);
    expect(accountant.report(1e-5).epsilon).toBe(0);
  });

  it('rejects bad events, orders and δ with CohortError naming the field', () => {
    const accountant = new RdpAccountant();
    expect(() => accountant.compose({ kind: 'poisson-gaussian', noiseMultiplier: 0, sampleRate: 0.1, steps: 1 })).toThrow(/noiseMultiplier/);
    expect(() => accountant.compose({ kind: 'poisson-gaussian', noiseMultiplier: 1, sampleRate: 1.5, steps: 1 })).toThrow(/sampleRate/);
    expect(() => accountant.compose({ kind: 'poisson-gaussian', noiseMultiplier: 1, sampleRate: 0.1, steps: 0 })).toThrow(/steps/);
    expect(() => accountant.compose({ kind: 'approximate-dp', epsilon: 1, delta: 1e-6 })).toThrow(CohortError);
    expect(() => accountant.compose({ kind: 'nope' } as unknown as PrivacyEvent)).toThrow(/event.kind/);
    expect(() => accountant.getEpsilon(0)).toThrow(/delta/);
    expect(() => accountant.getEpsilon(1)).toThrow(/delta/);
    expect(() => accountant.getDelta(-1)).toThrow(/epsilon/);
    expect(() => new RdpAccountant({ orders: [1, 2] })).toThrow(/orders/);
    expect(accountant.events.length).toBe(0);
  });
});

describe('RDP properties', () => {
  const noise = fc.double({ min: 0.5, max: 5, noNaN: true });
  const rate = fc.double({ min: 1e-4, max: 1, noNaN: true });
  const steps = fc.integer({ min: 1, max: 5000 });

  it('ε is non-decreasing in steps and in the sampling rate, and decreasing in σ', () => {
    fc.assert(
      fc.property(noise, rate, steps, fc.integer({ min: 1, max: 1000 }), fc.double({ min: 1.01, max: 2, noNaN: true }), (s, q, t, extra, factor) => {
        const e = (n: number, r: number, k: number): number => rdpEpsilon({ noiseMultiplier: n, sampleRate: r, steps: k, delta: 1e-5 }).epsilon;
        const base = e(s, q, t);
        const slack = 1e-9 * Math.max(1, base);
        expect(e(s, q, t + extra)).toBeGreaterThanOrEqual(base - slack);
        expect(e(s, Math.min(1, q * factor), t)).toBeGreaterThanOrEqual(base - slack);
        expect(e(s * factor, q, t)).toBeLessThanOrEqual(base + slack);
      }),
      { numRuns: 40 },
    );
  });
});
