import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';
import {
  RandomWords,
  bernoulliExp,
  bernoulliExpBig,
  bernoulliExpMinusOne,
  createDiscreteGaussianSampler,
  discreteGaussianNormaliser,
  discreteGaussianPmf,
  discreteGaussianUpperTail,
  discreteLaplacePmf,
  discreteLaplaceVariance,
  exactRationalOfNumber,
  integerSqrt,
  rationalToNumber,
  sampleDiscreteGaussian,
  sampleDiscreteGaussianVector,
  sampleDiscreteLaplaceVector,
  toRational,
} from '../../../src/dp/samplers/index.js';
import { computeExpMinusOneWords } from '../../../src/dp/samplers/bernoulli.js';
import { binIntegers, chiSquare } from './goodness-of-fit.js';

// Every statistical test below uses a fixed seed and a false-alarm rate of 1e-4 per test
// (chi-square at the 1 − 1e-4 quantile, binomial z-tests at |z| < 3.89); with about 25 such tests
// the chance that a correct sampler fails any of them for a fresh seed is below 0.3 %.
const ALPHA = 0.0001;
const Z_LIMIT = 3.89;

describe('rationals', () => {
  it('converts doubles exactly', () => {
    expect(exactRationalOfNumber(0.1)).toEqual({ numerator: 3602879701896397n, denominator: 36028797018963968n });
    expect(exactRationalOfNumber(2.5)).toEqual({ numerator: 5n, denominator: 2n });
    expect(exactRationalOfNumber(-3)).toEqual({ numerator: -3n, denominator: 1n });
    expect(exactRationalOfNumber(5e-324)).toEqual({ numerator: 1n, denominator: 2n ** 1074n });
  });

  it('round-trips every finite double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(rationalToNumber(exactRationalOfNumber(x))).toBe(x === 0 ? 0 : x);
      }),
    );
  });

  it('reduces numerator/denominator pairs and validates them', () => {
    expect(toRational({ numerator: 6, denominator: 4 }, 'v')).toEqual({ numerator: 3n, denominator: 2n });
    expect(() => toRational({ numerator: 1, denominator: 0 }, 'v')).toThrow(/v.denominator must be positive/);
    expect(() => toRational(-1, 'v')).toThrow(CohortError);
    expect(() => toRational(0, 'v', { positive: true })).toThrow(/v must be positive/);
    expect(() => toRational(Number.NaN, 'v')).toThrow(/finite/);
  });

  it('computes integer square roots', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 200n }), (n) => {
        const r = integerSqrt(n);
        expect(r * r <= n && (r + 1n) * (r + 1n) > n).toBe(true);
      }),
    );
  });
});

describe('Bernoulli(exp(−γ)) (CKS 2020, Algorithm 1)', () => {
  it('uses the binary expansion of 1/e', () => {
    // Reference: 1/e to 128 bits computed with Python's decimal module at 80 digits.
    const words = computeExpMinusOneWords(4);
    const hex = [...words].map((w) => w.toString(16).padStart(8, '0')).join('');
    expect(hex).toBe('5e2d58d8b3bcdf1abadec7829054f90d');
    expect([...computeExpMinusOneWords(2)]).toEqual([...words.subarray(0, 2)]);
  });

  const cases: Array<{ label: string; draw: (w: RandomWords) => boolean; p: number }> = [
    { label: 'exp(−1) by lazy comparison', draw: (w) => bernoulliExpMinusOne(w), p: Math.exp(-1) },
    { label: 'γ = 0', draw: (w) => bernoulliExp(w, 0, 7), p: 1 },
    { label: 'γ = 3/10', draw: (w) => bernoulliExp(w, 3, 10), p: Math.exp(-0.3) },
    { label: 'γ = 1', draw: (w) => bernoulliExp(w, 5, 5), p: Math.exp(-1) },
    { label: 'γ = 7/3', draw: (w) => bernoulliExp(w, 7, 3), p: Math.exp(-7 / 3) },
    {
      label: 'γ = 5/4 with 80-bit operands (bigint path)',
      draw: (w) => bernoulliExpBig(w, 5n * 2n ** 80n + 1n, 4n * 2n ** 80n),
      p: Math.exp(-1.25),
    },
  ];
  for (const [index, c] of cases.entries()) {
    it(`succeeds with probability e^−γ: ${c.label}`, () => {
      const w = new RandomWords(new SeededRandom(1000 + index));
      const n = 40000;
      let hits = 0;
      for (let i = 0; i < n; i++) if (c.draw(w)) hits++;
      if (c.p === 1) {
        expect(hits).toBe(n);
        return;
      }
      const z = (hits - n * c.p) / Math.sqrt(n * c.p * (1 - c.p));
      expect(Math.abs(z)).toBeLessThan(Z_LIMIT);
    });
  }
});

describe('discrete Laplace (CKS 2020, Algorithm 2)', () => {
  const cases: Array<{ label: string; scale: Parameters<typeof sampleDiscreteLaplaceVector>[1]['scale']; b: number; range: number }> = [
    { label: 'scale 1', scale: 1, b: 1, range: 12 },
    { label: 'scale 7/3', scale: { numerator: 7, denominator: 3 }, b: 7 / 3, range: 25 },
    { label: 'scale 0.3 as a double (bigint path, 2^54 denominator)', scale: 0.3, b: 0.3, range: 4 },
    { label: 'scale (2^33 + 1)/2^31 ≈ 4 (bigint path, t > 2^32)', scale: { numerator: 2n ** 33n + 1n, denominator: 2n ** 31n }, b: (2 ** 33 + 1) / 2 ** 31, range: 40 },
  ];
  for (const [index, c] of cases.entries()) {
    it(`matches the exact pmf (chi-square): ${c.label}`, () => {
      const samples = sampleDiscreteLaplaceVector(30000, { scale: c.scale, rng: new SeededRandom(2000 + index) });
      const { observed, probabilities } = binIntegers(samples, (z) => discreteLaplacePmf(z, c.b), { min: -c.range, max: c.range });
      const result = chiSquare(observed, probabilities, ALPHA);
      expect(result.statistic, JSON.stringify(result)).toBeLessThan(result.critical);
    });
  }

  it('has the exact variance 2e^{−1/b}/(1 − e^{−1/b})² at scale 20', () => {
    const n = 40000;
    const samples = sampleDiscreteLaplaceVector(n, { scale: 20, rng: new SeededRandom(2100) });
    const variance = discreteLaplaceVariance(20);
    let sumSquares = 0;
    for (const x of samples) sumSquares += x * x;
    // The sample second moment has standard error √((E[Z⁴] − var²)/n); E[Z⁴] ≈ 24b⁴ for a Laplace.
    const standardError = Math.sqrt((24 * 20 ** 4 - variance ** 2) / n);
    expect(Math.abs(sumSquares / n - variance)).toBeLessThan(Z_LIMIT * standardError);
  });

  it('rejects bad scales', () => {
    expect(() => sampleDiscreteLaplaceVector(3, { scale: 0, rng: new SeededRandom(1) })).toThrow(/scale must be positive/);
    expect(() => sampleDiscreteLaplaceVector(3, { scale: -2, rng: new SeededRandom(1) })).toThrow(CohortError);
    expect(() => sampleDiscreteLaplaceVector(-1, { scale: 1, rng: new SeededRandom(1) })).toThrow(/n must be/);
  });
});

describe('discrete Gaussian (CKS 2020, Algorithm 3)', () => {
  const cases: Array<{ label: string; options: { variance?: Parameters<typeof sampleDiscreteGaussian>[0]['variance']; standardDeviation?: number }; variance: number; range: number; width: number }> = [
    { label: 'σ² = 1', options: { variance: 1 }, variance: 1, range: 5, width: 1 },
    { label: 'σ² = 9/4 as a rational', options: { variance: { numerator: 9, denominator: 4 } }, variance: 2.25, range: 7, width: 1 },
    { label: 'σ = 10', options: { standardDeviation: 10 }, variance: 100, range: 35, width: 1 },
    { label: 'σ = 0.4 (t = 1, mostly zeros)', options: { standardDeviation: 0.4 }, variance: 0.16000000000000003, range: 2, width: 1 },
    { label: 'σ = 3.730632 as a double (bigint path)', options: { standardDeviation: 3.730632 }, variance: 3.730632 ** 2, range: 14, width: 1 },
    { label: 'σ = 1000 (bins of 100)', options: { standardDeviation: 1000 }, variance: 1e6, range: 3499, width: 100 },
    { label: 'σ² = 10^10 (bigint path, bins of 10^4)', options: { variance: 1e10 }, variance: 1e10, range: 349999, width: 10000 },
  ];
  for (const [index, c] of cases.entries()) {
    it(`matches the exact pmf (chi-square): ${c.label}`, () => {
      const n = 30000;
      const samples = sampleDiscreteGaussianVector(n, { ...c.options, rng: new SeededRandom(3000 + index) });
      const normaliser = discreteGaussianNormaliser(c.variance);
      const pmf = (z: number) => discreteGaussianPmf(z, c.variance, normaliser);
      const { observed, probabilities } = binIntegers(samples, pmf, { min: -c.range, max: c.range, width: c.width });
      const result = chiSquare(observed, probabilities, ALPHA);
      expect(result.statistic, JSON.stringify(result)).toBeLessThan(result.critical);
    });
  }

  it('has power: the same test rejects σ² = 1.1 against the σ² = 1 pmf and σ² = 10^4 against 1.1·10^4 (σ off by 5 %)', () => {
    for (const [drawn, claimed, range, width] of [
      [1.1, 1, 5, 1],
      [1e4, 1.1e4, 349, 25],
    ] as const) {
      const samples = sampleDiscreteGaussianVector(30000, { variance: drawn, rng: new SeededRandom(3100) });
      const normaliser = discreteGaussianNormaliser(claimed);
      const { observed, probabilities } = binIntegers(samples, (z) => discreteGaussianPmf(z, claimed, normaliser), {
        min: -range,
        max: range,
        width,
      });
      const result = chiSquare(observed, probabilities, ALPHA);
      expect(result.statistic).toBeGreaterThan(result.critical);
    }
  });

  it('fills Int32Array output and reproduces from a seed', () => {
    const a = sampleDiscreteGaussianVector(1000, { variance: 50, rng: new SeededRandom(7), out: new Int32Array(1000) });
    const b = sampleDiscreteGaussianVector(1000, { variance: 50, rng: new SeededRandom(7), out: new Int32Array(1000) });
    expect(a).toBeInstanceOf(Int32Array);
    expect([...a]).toEqual([...b]);
    expect(new Set(a).size).toBeGreaterThan(20);
    expect(() => sampleDiscreteGaussianVector(5, { variance: 1, rng: new SeededRandom(1), out: new Int32Array(4) })).toThrow(
      /out.length must be equal to n = 5/,
    );
  });

  it('reports the exact variance parameter', () => {
    const sampler = createDiscreteGaussianSampler({ standardDeviation: 0.1, rng: new SeededRandom(1) });
    // 0.1 = 3602879701896397 / 2^55, squared exactly.
    expect(sampler.variance).toEqual({ numerator: 3602879701896397n ** 2n, denominator: 2n ** 110n });
    sampler.dispose();
  });

  it('validates its parameters', () => {
    const rng = new SeededRandom(1);
    expect(() => sampleDiscreteGaussian({ rng })).toThrow(/variance \(or standardDeviation\) is required/);
    expect(() => sampleDiscreteGaussian({ variance: 1, standardDeviation: 1, rng })).toThrow(/not both/);
    expect(() => sampleDiscreteGaussian({ standardDeviation: -1, rng })).toThrow(/standardDeviation must be a positive/);
    expect(() => sampleDiscreteGaussian({ variance: 0, rng })).toThrow(/variance must be positive/);
  });

  it('computes tails consistent with the pmf', () => {
    const v = 4;
    const norm = discreteGaussianNormaliser(v);
    let direct = 0;
    for (let y = 3; y < 60; y++) direct += discreteGaussianPmf(y, v, norm);
    expect(discreteGaussianUpperTail(2, v, norm)).toBeCloseTo(direct, 14);
    expect(discreteGaussianUpperTail(-1, v, norm)).toBeCloseTo(0.5 + discreteGaussianPmf(0, v, norm) / 2, 14);
    // Poisson summation branch agrees with direct summation at σ² = 100.
    let sum = 0;
    for (let y = -200; y <= 200; y++) sum += Math.exp((-y * y) / 200);
    expect(discreteGaussianNormaliser(100)).toBeCloseTo(sum, 10);
  });
});
