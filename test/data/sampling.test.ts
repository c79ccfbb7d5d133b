// Statistical tests of the samplers with fixed seeds. Each KS test uses the asymptotic critical
// value at a 0.1 % false-alarm rate (Kolmogorov: c = √(−ln(0.001/2)/2) ≈ 1.9495, D_crit = c/√n).
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/crypto/random.js';
import { randomPermutation, sampleDirichlet, sampleGamma, sampleStandardNormal } from '../../src/data/index.js';

const KS_C_0_001 = Math.sqrt(-Math.log(0.001 / 2) / 2);

/** Kolmogorov–Smirnov statistic of `samples` against the continuous CDF `cdf`. */
function ksStatistic(samples: number[], cdf: (x: number) => number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  let d = 0;
  sorted.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  });
  return d;
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7, far below the KS tolerance). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const y = 1 - poly * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

const N = 20000;

describe('sampleGamma (Marsaglia & Tsang 2000)', () => {
  // Closed-form Gamma(shape, 1) CDFs: shape 1 is Exponential(1); shape 2 is Erlang-2;
  // shape 1/2 is χ²₁/2, so P(X ≤ x) = P(|Z| ≤ √(2x)) = erf(√x). shape 1/2 exercises the α < 1 boost.
  const cases: [number, (x: number) => number][] = [
    [0.5, (x) => erf(Math.sqrt(x))],
    [1, (x) => 1 - Math.exp(-x)],
    [2, (x) => 1 - Math.exp(-x) * (1 + x)],
  ];
  for (const [shape, cdf] of cases) {
    it(`matches the Gamma(${shape}, 1) distribution (KS, seed 7)`, () => {
      const rng = new SeededRandom(7);
      const samples = Array.from({ length: N }, () => sampleGamma(shape, rng));
      expect(ksStatistic(samples, cdf)).toBeLessThan(KS_C_0_001 / Math.sqrt(N));
    });
  }

  it('has mean and variance α for a small shape (α = 0.1, 5 standard errors)', () => {
    const rng = new SeededRandom(11);
    const shape = 0.1;
    const samples = Array.from({ length: N }, () => sampleGamma(shape, rng));
    const mean = samples.reduce((a, b) => a + b, 0) / N;
    expect(Math.abs(mean - shape)).toBeLessThan(5 * Math.sqrt(shape / N));
    expect(samples.every((x) => x >= 0 && Number.isFinite(x))).toBe(true);
  });

  it('rejects a non-positive shape', () => {
    expect(() => sampleGamma(0, new SeededRandom(1))).toThrow(/shape must be a finite number > 0/);
  });
});

describe('sampleStandardNormal', () => {
  it('matches N(0, 1) (KS, seed 3)', () => {
    const rng = new SeededRandom(3);
    const samples = Array.from({ length: N }, () => sampleStandardNormal(rng));
    expect(ksStatistic(samples, (x) => 0.5 * (1 + erf(x / Math.SQRT2)))).toBeLessThan(KS_C_0_001 / Math.sqrt(N));
  });
});

describe('sampleDirichlet', () => {
  it('sums to 1 and has mean αᵢ / Σα (5 standard errors per coordinate)', () => {
    const rng = new SeededRandom(5);
    const concentration = [0.5, 1, 2.5];
    const total = 4;
    const sums = [0, 0, 0];
    const draws = 10000;
    for (let t = 0; t < draws; t++) {
      const p = sampleDirichlet(concentration, rng);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      p.forEach((x, i) => (sums[i] = (sums[i] as number) + x));
    }
    concentration.forEach((alpha, i) => {
      const mean = alpha / total;
      const variance = (mean * (1 - mean)) / (total + 1);
      expect(Math.abs((sums[i] as number) / draws - mean)).toBeLessThan(5 * Math.sqrt(variance / draws));
    });
  });

  it('stays finite for tiny concentrations, where U^(1/α) underflows', () => {
    const rng = new SeededRandom(9);
    for (let t = 0; t < 100; t++) {
      const p = sampleDirichlet([0.001, 0.001, 0.001, 0.001], rng);
      expect(p.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    }
  });
});

describe('randomPermutation', () => {
  it('puts each element at each position uniformly (χ², 16 cells, 0.1 % false-alarm rate)', () => {
    const rng = new SeededRandom(13);
    const n = 4;
    const trials = 16000;
    const counts = new Array<number>(n * n).fill(0);
    for (let t = 0; t < trials; t++) {
      const p = randomPermutation(n, rng);
      p.forEach((value, position) => (counts[value * n + position] = (counts[value * n + position] as number) + 1));
    }
    const expected = trials / n;
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    // Rows and columns sum to `trials`, leaving (n−1)² = 9 degrees of freedom; χ²₉ at 0.999 is 27.88.
    expect(chi2).toBeLessThan(27.88);
  });
});
