import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import vectors from '../../vectors/accountants.json' with { type: 'json' };
import { noiseMultiplierForEpsilon } from '../../../src/dp/calibration/index.js';
import { rdpEpsilon } from '../../../src/dp/accountants/rdp.js';
import { pldEpsilon } from '../../../src/dp/accountants/pld.js';
import { CohortError } from '../../../src/errors.js';

describe('noiseMultiplierForEpsilon (RDP)', () => {
  for (const v of vectors.calibration) {
    it(`${v.name} (${v.source})`, () => {
      const result = noiseMultiplierForEpsilon({ targetEpsilon: v.targetEpsilon, sampleRate: v.sampleRate, steps: v.steps, delta: v.delta });
      // Opacus stops within 0.01 of the target in ε, so its σ is the same root, a little higher.
      expect(result.noiseMultiplier).toBeLessThanOrEqual(v.noiseMultiplier + 5e-5);
      expect(v.noiseMultiplier - result.noiseMultiplier).toBeLessThan(2e-3);
      expect(result.epsilon).toBeLessThanOrEqual(v.targetEpsilon);
      expect(result.epsilon).toBeGreaterThan(v.targetEpsilon * (1 - 1e-4));
      const opacusEpsilon = rdpEpsilon({ noiseMultiplier: v.noiseMultiplier, sampleRate: v.sampleRate, steps: v.steps, delta: v.delta }).epsilon;
      expect(opacusEpsilon).toBeGreaterThanOrEqual(v.targetEpsilon - 0.01);
      expect(opacusEpsilon).toBeLessThanOrEqual(v.targetEpsilon);
    });
  }

  it('round-trips: ε(σ) ≤ target and σ is minimal to within the tolerance', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        fc.double({ min: 1e-4, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 20000 }),
        fc.constantFrom(1e-3, 1e-5, 1e-8),
        (targetEpsilon, sampleRate, steps, delta) => {
          let result;
          try {
            result = noiseMultiplierForEpsilon({ targetEpsilon, sampleRate, steps, delta });
          } catch (error) {
            expect((error as CohortError).code).toBe('DP_TARGET_UNREACHABLE');
            return;
          }
          const epsilon = rdpEpsilon({ noiseMultiplier: result.noiseMultiplier, sampleRate, steps, delta }).epsilon;
          expect(epsilon).toBe(result.epsilon);
          expect(epsilon).toBeLessThanOrEqual(targetEpsilon);
          // ε(σ) can be very steep (tiny q, large orders), so "close" is asserted on σ: slightly less
          // noise than the answer must miss the target.
          if (result.noiseMultiplier > 1e-3) {
            const less = rdpEpsilon({ noiseMultiplier: result.noiseMultiplier * (1 - 1e-4), sampleRate, steps, delta }).epsilon;
            expect(less).toBeGreaterThan(targetEpsilon);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('reaches small targets thanks to the extended orders', () => {
    const result = noiseMultiplierForEpsilon({ targetEpsilon: 0.1, sampleRate: 0.04, steps: 100, delta: 1e-5 });
    expect(result.epsilon).toBeLessThanOrEqual(0.1);
    expect(result.noiseMultiplier).toBeGreaterThan(5);
  });

  it('throws DP_TARGET_UNREACHABLE naming the target when σ would exceed the cap', () => {
    let caught: unknown;
    try {
      noiseMultiplierForEpsilon({ targetEpsilon: 1e-4, sampleRate: 1, steps: 1000, delta: 1e-5 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CohortError);
    expect((caught as CohortError).code).toBe('DP_TARGET_UNREACHABLE');
    expect((caught as CohortError).message).toMatch(/targetEpsilon 0.0001 cannot be reached with noiseMultiplier ≤ 10000/);
    expect(() => noiseMultiplierForEpsilon({ targetEpsilon: 1, sampleRate: 0.01, steps: 100, delta: 1e-5, maxNoiseMultiplier: 0.5 })).toThrow(
      /cannot be reached/,
    );
  });

  it('validates its inputs', () => {
    const base = { targetEpsilon: 1, sampleRate: 0.01, steps: 100, delta: 1e-5 };
    expect(() => noiseMultiplierForEpsilon({ ...base, targetEpsilon: 0 })).toThrow(/targetEpsilon/);
    expect(() => noiseMultiplierForEpsilon({ ...base, sampleRate: 0 })).toThrow(/sampleRate/);
    expect(() => noiseMultiplierForEpsilon({ ...base, steps: 1.5 })).toThrow(/steps/);
    expect(() => noiseMultiplierForEpsilon({ ...base, delta: 1 })).toThrow(/delta/);
    expect(() => noiseMultiplierForEpsilon({ ...base, accountant: 'gdp' as 'rdp' })).toThrow(/accountant/);
  });
});

describe('noiseMultiplierForEpsilon (PLD)', () => {
  it('needs less noise than RDP for the same guarantee, and meets it', () => {
    const request = { targetEpsilon: 2, sampleRate: 0.01, steps: 1000, delta: 1e-5 };
    const rdp = noiseMultiplierForEpsilon(request);
    const pld = noiseMultiplierForEpsilon({ ...request, accountant: 'pld', discretisation: 1e-3 });
    expect(pld.accountant).toBe('pld');
    expect(pld.noiseMultiplier).toBeLessThan(rdp.noiseMultiplier);
    expect(pld.epsilon).toBeLessThanOrEqual(2);
    expect(pld.epsilon).toBe(pldEpsilon({ noiseMultiplier: pld.noiseMultiplier, sampleRate: 0.01, steps: 1000, delta: 1e-5, discretisation: 1e-3 }));
    expect(pld.epsilon).toBeGreaterThan(2 * 0.99);
  });
});
