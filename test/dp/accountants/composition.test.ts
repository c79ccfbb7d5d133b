import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  advancedComposition,
  basicComposition,
  optimalComposition,
  optimalCompositionDelta,
} from '../../../src/dp/accountants/composition.js';
import { PldAccountant } from '../../../src/dp/accountants/pld.js';
import { CohortError } from '../../../src/errors.js';

describe('basic composition', () => {
  it('adds ε and δ over counts', () => {
    const total = basicComposition([{ epsilon: 0.5, delta: 1e-6, count: 4 }, { epsilon: 1 }, { epsilon: 0.25, delta: 1e-7 }]);
    expect(total.epsilon).toBeCloseTo(3.25, 15);
    expect(total.delta).toBeCloseTo(4.1e-6, 18);
    expect(basicComposition([]).epsilon).toBe(0);
  });
});

describe('advanced composition (Dwork, Rothblum & Vadhan 2010)', () => {
  it('matches the formula √(2k ln(1/δ′))ε + kε(e^ε − 1)', () => {
    // k = 100, ε = 0.1, δ′ = 1e-5: √(200·ln 1e5)·0.1 + 100·0.1·(e^0.1 − 1) = 4.7985 + 1.0517.
    const result = advancedComposition({ epsilon: 0.1, delta: 1e-7, count: 100 }, 1e-5);
    const expected = Math.sqrt(200 * Math.log(1e5)) * 0.1 + 10 * Math.expm1(0.1);
    expect(result.epsilon).toBeCloseTo(expected, 12);
    expect(result.epsilon).toBeCloseTo(5.850235, 5);
    expect(result.delta).toBeCloseTo(100 * 1e-7 + 1e-5, 15);
  });

  it('falls back to basic composition when that is tighter', () => {
    const result = advancedComposition({ epsilon: 1, count: 3 }, 1e-5);
    expect(result).toEqual({ epsilon: 3, delta: 0 });
  });
});

describe('optimal composition (Kairouz, Oh & Viswanath 2015)', () => {
  it('one run of an ε-DP mechanism is ε-DP for every δ and its δ(ε′) is the randomised-response value', () => {
    // δ(ε′) → 0 continuously as ε′ → ε, so at δ = 1e-9 the exact ε′ sits just below ε.
    const single = optimalComposition({ epsilon: 0.7 }, 1e-9).epsilon;
    expect(single).toBeLessThanOrEqual(0.7);
    expect(single).toBeGreaterThan(0.7 - 1e-8);
    // δ(0) = p − (1 − p) = tanh(ε/2) for one randomised response.
    expect(optimalCompositionDelta({ epsilon: 0.7 }, 0)).toBeCloseTo(Math.tanh(0.35), 14);
  });

  it('k runs of (ε, δ): the δ at kε is 1 − (1 − δ)^k', () => {
    expect(optimalCompositionDelta({ epsilon: 0.3, delta: 0.01, count: 5 }, 1.5)).toBeCloseTo(1 - 0.99 ** 5, 14);
    expect(optimalComposition({ epsilon: 0.3, delta: 0.01, count: 5 }, 0.04).epsilon).toBe(Infinity);
  });

  it('agrees with the PLD accountant on pure-DP events (its randomised-response PLD is exact on a grid through ±ε)', () => {
    const accountant = new PldAccountant({ discretisation: 1 / 128 }).compose({ kind: 'pure-dp', epsilon: 0.5, count: 40 });
    for (const epsilon of [0, 1, 3, 6]) {
      expect(accountant.getDelta(epsilon)).toBeCloseTo(optimalCompositionDelta({ epsilon: 0.5, count: 40 }, epsilon), 9);
    }
  });

  it('is never worse than basic or advanced composition, and δ(ε(δ)) = δ', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 2, noNaN: true }),
        fc.integer({ min: 1, max: 400 }),
        fc.double({ min: 1e-9, max: 1e-2, noNaN: true }),
        (epsilon, count, targetDelta) => {
          const optimal = optimalComposition({ epsilon, count }, targetDelta);
          expect(optimal.epsilon).toBeLessThanOrEqual(count * epsilon + 1e-9);
          expect(optimal.epsilon).toBeLessThanOrEqual(advancedComposition({ epsilon, count }, targetDelta).epsilon + 1e-9);
          if (optimal.epsilon > 0) {
            const delta = optimalCompositionDelta({ epsilon, count }, optimal.epsilon);
            expect(Math.abs(delta - targetDelta)).toBeLessThanOrEqual(1e-9 * targetDelta + 1e-15);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects bad inputs with CohortError naming the field', () => {
    expect(() => basicComposition([{ epsilon: -1 }])).toThrow(/mechanisms\[0\]\.epsilon/);
    expect(() => advancedComposition({ epsilon: 1, count: 0 }, 1e-5)).toThrow(/count/);
    expect(() => advancedComposition({ epsilon: 1 }, 0)).toThrow(/deltaSlack/);
    expect(() => optimalComposition({ epsilon: 1, delta: 1 }, 1e-5)).toThrow(CohortError);
  });
});
