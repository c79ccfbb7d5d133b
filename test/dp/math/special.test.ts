import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  erf,
  erfc,
  erfcx,
  logAbsBinomialReal,
  logAddExp,
  logBinomial,
  logGamma,
  logNormalCdf,
  logNormalSf,
  logSubExp,
  logSumExp,
  normalCdf,
  normalSf,
} from '../../../src/dp/math/special.js';
import { CohortError } from '../../../src/errors.js';

function expectRelative(actual: number, expected: number, tolerance: number): void {
  const error = Math.abs(actual - expected) / Math.abs(expected);
  expect(error, `actual ${actual}, expected ${expected}`).toBeLessThanOrEqual(tolerance);
}

// Abramowitz & Stegun (1964), Table 7.1 (erf to 10 decimals), and the higher-precision digits of the
// same values from mpmath 1.3 at 40 significant digits (mp.dps = 40).
const ERF = [
  [0.1, 0.1124629160182849],
  [0.5, 0.5204998778130465], // A&S 7.1: 0.5204998778
  [1, 0.8427007929497149], // A&S 7.1: 0.8427007929
  [2, 0.9953222650189527], // A&S 7.1: 0.9953222650
  [3, 0.9999779095030014],
  [-0.3, -0.3286267594591274],
  [-1.5, -0.9661051464753108],
] as const;

// erfc far into the tail (mpmath 1.3, mp.dps = 40); erfc(27) is subnormal.
const ERFC = [
  [0.3, 0.6713732405408726],
  [1, 0.15729920705028513],
  [2, 0.004677734981047266],
  [5, 1.537459794428035e-12],
  [10, 2.088487583762545e-45],
  [20, 5.395865611607901e-176],
  [26, 5.663192408856143e-296],
] as const;

const NORMAL_CDF = [
  [-1.96, 0.024997895148220435], // the familiar 2.5% point
  [-5, 2.866515718791939e-7],
  [-10, 7.619853024160525e-24],
  [-20, 2.7536241186062337e-89],
  [-37, 5.725571222524577e-300],
] as const;

const LOG_NORMAL_CDF = [
  [-1, -1.8410216450092636],
  [-10, -53.23128515051247],
  [-38, -726.5572160188201],
  [-40, -804.6084420137538],
  [-100, -5005.524208694205],
  [-1000, -500007.82669481216],
  [0, -0.6931471805599453],
  [3, -0.0013508099647481938],
  [10, -7.619853024160525e-24],
] as const;

const ERFCX = [
  [0.5, 0.6156903441929259],
  [1, 0.427583576155807],
  [2, 0.25539567631050575],
  [10, 0.05614099274382259],
  [30, 0.01879588886141675],
  [-2.5, 1035.814842972623],
  [-10, 5.376234283632271e+43],
] as const;

describe('erf / erfc (Cody 1969)', () => {
  it.each(ERF)('erf(%f)', (x, expected) => {
    expectRelative(erf(x), expected, 2e-15);
  });
  it.each(ERFC)('erfc(%f) keeps relative accuracy in the tail', (x, expected) => {
    expectRelative(erfc(x), expected, 1e-14);
  });
  it('erfc(27) is a positive subnormal close to 5.237e-319', () => {
    expect(erfc(27)).toBeGreaterThan(5.2e-319);
    expect(erfc(27)).toBeLessThan(5.27e-319);
  });
  it('handles zero, infinities and negative arguments', () => {
    expect(erf(0)).toBe(0);
    expect(erfc(0)).toBe(1);
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expectRelative(erfc(-1), 2 - 0.15729920705028513, 1e-15);
  });
  it.each(ERFCX)('erfcx(%f)', (x, expected) => {
    expectRelative(erfcx(x), expected, 1e-14);
  });
  it('erf is odd and erf + erfc = 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (x) => {
        expect(erf(-x)).toBe(-erf(x));
        expect(Math.abs(erf(x) + erfc(x) - 1)).toBeLessThan(4e-16);
      }),
    );
  });
  it('rejects NaN with a CohortError naming the argument', () => {
    expect(() => erf(Number.NaN)).toThrow(CohortError);
    expect(() => erfc(Number.NaN)).toThrow(/x must be a number/);
  });
});

describe('normal CDF and its logarithm', () => {
  it.each(NORMAL_CDF)('Φ(%f)', (x, expected) => {
    expectRelative(normalCdf(x), expected, 1e-13);
  });
  it.each(LOG_NORMAL_CDF)('log Φ(%f) stays finite and accurate in the far tail', (x, expected) => {
    expectRelative(logNormalCdf(x), expected, 1e-14);
  });
  it('log Φ agrees with log(Φ) where Φ is representable, and is increasing', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 8, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (x, dx) => {
        const direct = Math.log(normalCdf(x));
        expect(Math.abs(logNormalCdf(x) - direct)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(direct)));
        expect(logNormalCdf(x + dx)).toBeGreaterThanOrEqual(logNormalCdf(x));
      }),
    );
  });
  it('survival functions are the mirror image', () => {
    expect(normalSf(1.96)).toBe(normalCdf(-1.96));
    expect(logNormalSf(38)).toBe(logNormalCdf(-38));
    expect(logNormalCdf(-Infinity)).toBe(-Infinity);
  });
});

describe('log-space arithmetic', () => {
  it('logAddExp and logSubExp match direct evaluation and invert each other', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: -50, max: 50, noNaN: true }), (a, b) => {
        const sum = logAddExp(a, b);
        expect(Math.abs(sum - Math.log(Math.exp(a) + Math.exp(b)))).toBeLessThan(1e-12 * Math.max(1, Math.abs(sum)));
        const high = Math.max(a, b);
        const low = Math.min(a, b);
        if (high - low > 1e-6) {
          expect(Math.abs(logSubExp(sum, low) - high)).toBeLessThan(1e-10 * Math.max(1, Math.abs(high)));
        }
      }),
    );
  });
  it('handles −∞ and huge exponents without overflow', () => {
    expect(logAddExp(-Infinity, 3)).toBe(3);
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logSubExp(5, -Infinity)).toBe(5);
    expect(logSubExp(5, 5)).toBe(-Infinity);
    expect(logSubExp(1000, 1000 - Math.LN2)).toBeCloseTo(1000 - Math.LN2, 12);
    // log(1 − e^−40) ≈ −e^−40: needs log1p, not log(1 − x).
    expectRelative(logSubExp(0, -40), -Math.exp(-40), 1e-14);
    expect(() => logSubExp(1, 2)).toThrow(CohortError);
    expect(logSumExp([1000, 1000, 1000])).toBeCloseTo(1000 + Math.log(3), 12);
    expect(logSumExp([])).toBe(-Infinity);
  });
});

describe('log-gamma and binomials', () => {
  // mpmath 1.3: log C(100, 50), log C(2000, 700), log Γ(0.5) = log √π, log Γ(100.5), log |Γ(−2.5)|.
  it('matches reference values', () => {
    expectRelative(logBinomial(100, 50), 66.78384165201743, 1e-14);
    expectRelative(logBinomial(2000, 700), 1290.9140493430773, 1e-13);
    expectRelative(logGamma(0.5), 0.5723649429247001, 1e-14);
    expectRelative(logGamma(100.5), 361.4355404677776, 1e-14);
    expectRelative(logGamma(-2.5), -0.056243716497674054, 1e-12);
    expect(logBinomial(10, 0)).toBe(0);
    expectRelative(logBinomial(10, 3), Math.log(120), 1e-15);
  });
  it('generalised binomial carries the sign', () => {
    // C(2.5, 3) = 2.5·1.5·0.5/6 = 0.3125; C(2.5, 4) = 0.3125·(−0.5)/4 = −0.0390625.
    expect(logAbsBinomialReal(2.5, 3).sign).toBe(1);
    expectRelative(Math.exp(logAbsBinomialReal(2.5, 3).logAbs), 0.3125, 1e-15);
    expect(logAbsBinomialReal(2.5, 4).sign).toBe(-1);
    expectRelative(Math.exp(logAbsBinomialReal(2.5, 4).logAbs), 0.0390625, 1e-15);
    expect(logAbsBinomialReal(3, 4).sign).toBe(0);
  });
  it('rejects bad arguments', () => {
    expect(() => logBinomial(5, 6)).toThrow(/k must be/);
    expect(() => logGamma(-2)).toThrow(CohortError);
  });
});
