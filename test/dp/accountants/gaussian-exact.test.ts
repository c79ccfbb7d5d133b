import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import vectors from '../../vectors/accountants.json' with { type: 'json' };
import {
  createAccountant,
  effectiveNoiseMultiplier,
  gaussianDelta,
  gaussianEpsilon,
  gaussianLogDelta,
  RdpAccountant,
  PldAccountant,
} from '../../../src/dp/accountants/index.js';

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('exact Gaussian curve (Balle & Wang 2018, Thm 8)', () => {
  const [fullBatch, sigmaOne] = vectors.gaussianExact;

  it(`${fullBatch!.name} (${fullBatch!.source})`, () => {
    expect(relativeError(gaussianEpsilon(fullBatch!.noiseMultiplier, fullBatch!.delta!), fullBatch!.epsilon)).toBeLessThan(
      fullBatch!.relativeTolerance,
    );
  });

  it(`${sigmaOne!.name} (${sigmaOne!.source})`, () => {
    expect(relativeError(gaussianDelta(sigmaOne!.noiseMultiplier, sigmaOne!.epsilon), sigmaOne!.delta)).toBeLessThan(
      sigmaOne!.relativeTolerance,
    );
  });

  it('ε(δ) inverts δ(ε) and the returned ε meets δ', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 50, noNaN: true }), fc.double({ min: -12, max: -1, noNaN: true }), (noise, logDelta10) => {
        const delta = 10 ** logDelta10;
        const epsilon = gaussianEpsilon(noise, delta);
        if (epsilon > 0) {
          expect(gaussianDelta(noise, epsilon)).toBeLessThanOrEqual(delta * (1 + 1e-9));
          expect(relativeError(gaussianDelta(noise, epsilon), delta)).toBeLessThan(1e-6);
        } else {
          expect(gaussianDelta(noise, 0)).toBeLessThanOrEqual(delta);
        }
      }),
    );
  });

  it('log δ stays finite where δ underflows', () => {
    // σ = 0.05 at ε = 250: δ ≈ Φ(10 − 12.5) − … is fine, but at ε = 2000 it is ~e^{−5000}.
    expect(Number.isFinite(gaussianLogDelta(0.05, 2000))).toBe(true);
    expect(gaussianLogDelta(0.05, 2000)).toBeLessThan(-1000);
  });

  it('effective noise multiplier of composed Gaussians: (Σ c/σ²)^−1/2', () => {
    expect(effectiveNoiseMultiplier([2], [100])).toBeCloseTo(0.2, 15);
    expect(effectiveNoiseMultiplier([Math.sqrt(3), Math.sqrt(3), Math.sqrt(3)])).toBeCloseTo(1, 15);
    expect(() => effectiveNoiseMultiplier([1, 2], [1])).toThrow(/counts.length/);
    expect(() => effectiveNoiseMultiplier([0])).toThrow(/noiseMultiplier/);
  });
});

describe('createAccountant', () => {
  it('makes empty accountants of each kind and rejects others', () => {
    expect(createAccountant('rdp')).toBeInstanceOf(RdpAccountant);
    expect(createAccountant('pld', { discretisation: 1e-3 })).toBeInstanceOf(PldAccountant);
    expect(() => createAccountant('gdp' as 'rdp')).toThrow(/accountant/);
  });
});
