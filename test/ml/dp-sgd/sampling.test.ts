// Poisson batches: sizes ~ Binomial(n, q), every example included with probability q, independently.
import { describe, expect, it } from 'vitest';
import { SeededRandom, type RandomSource } from '../../../src/crypto/random.js';
import { logBinomial } from '../../../src/dp/math/special.js';
import { poissonBatch, randomOrder } from '../../../src/ml/dp-sgd/index.js';
import { chiSquare } from '../../dp/samplers/goodness-of-fit.js';

// Each statistical test below has a false-alarm rate of 1e-4 (chi-square at the 1 − 1e-4 quantile,
// two-sided z-tests at |z| < 3.89); the seeds are fixed, so a pass is reproducible.
const ALPHA = 0.0001;
const Z = 3.89;

const binomialPmf = (n: number, q: number) => (k: number): number =>
  k < 0 || k > n ? 0 : Math.exp(logBinomial(n, k) + k * Math.log(q) + (n - k) * Math.log1p(-q));

describe('poissonBatch', () => {
  for (const [n, q] of [
    [1000, 0.05],
    [300, 0.3],
    [5000, 0.002],
  ] as const) {
    it(`batch sizes follow Binomial(${n}, ${q}) (chi-square)`, () => {
      const rng = new SeededRandom(41 + n);
      const draws = 3000;
      const counts = new Array<number>(n + 1).fill(0);
      for (let t = 0; t < draws; t++) {
        const size = poissonBatch(n, q, rng).length;
        counts[size] = (counts[size] ?? 0) + 1;
      }
      const pmf = binomialPmf(n, q);
      const probabilities = counts.map((_, k) => pmf(k));
      const result = chiSquare(counts, probabilities, ALPHA);
      expect(result.degreesOfFreedom).toBeGreaterThan(3);
      expect(result.statistic).toBeLessThan(result.critical);
    });
  }

  it('detects a wrong sampling rate (power check: the same test rejects q·1.1)', () => {
    const rng = new SeededRandom(5);
    const n = 1000;
    const counts = new Array<number>(n + 1).fill(0);
    for (let t = 0; t < 3000; t++) {
      const size = poissonBatch(n, 0.055, rng).length;
      counts[size] = (counts[size] ?? 0) + 1;
    }
    const pmf = binomialPmf(n, 0.05);
    const result = chiSquare(counts, counts.map((_, k) => pmf(k)), ALPHA);
    expect(result.statistic).toBeGreaterThan(result.critical);
  });

  it('includes every example with probability q, and two examples independently', () => {
    const rng = new SeededRandom(9);
    const n = 50;
    const q = 0.2;
    const draws = 20000;
    const included = new Array<number>(n).fill(0);
    let both = 0; // examples 0 and 1 together
    for (let t = 0; t < draws; t++) {
      const batch = poissonBatch(n, q, rng);
      for (const i of batch) included[i] = (included[i] ?? 0) + 1;
      if (batch.includes(0) && batch.includes(1)) both += 1;
      // Indices are increasing and distinct.
      for (let k = 1; k < batch.length; k++) expect(batch[k] as number).toBeGreaterThan(batch[k - 1] as number);
    }
    const sd = Math.sqrt(draws * q * (1 - q));
    // Bonferroni over the n examples keeps the family's false-alarm rate near 1e-4 · … ≤ 5e-3.
    for (const count of included) expect(Math.abs(count - draws * q) / sd).toBeLessThan(Z);
    const pBoth = q * q;
    expect(Math.abs(both - draws * pBoth) / Math.sqrt(draws * pBoth * (1 - pBoth))).toBeLessThan(Z);
  });

  it('decides a word equal to ⌊q·2³²⌋ by a further uniform against the fractional part', () => {
    // q = 2⁻² + 2⁻³⁴: q·2³² = 2³⁰ + ¼, so t = 2³⁰ and f = ¼.
    const q = 0.25 + 2 ** -34;
    const t = 2 ** 30;
    const scripted = (words: number[], uniforms: number[]): RandomSource & { uniformCalls: number } => {
      const source = {
        secure: false,
        uniformCalls: 0,
        fillBytes: (out: Uint8Array) => {
          const view = new Uint32Array(out.buffer, out.byteOffset, out.length / 4);
          view.set(words.slice(0, view.length));
        },
        uniform: () => uniforms[source.uniformCalls++] as number,
        uint32: () => 0,
        uniformInt: () => 0,
        uniformBigInt: () => 0n,
      };
      return source;
    };
    const rng = scripted([t - 1, t + 1, t, t], [0.2, 0.3]);
    expect(Array.from(poissonBatch(4, q, rng))).toEqual([0, 2]); // t−1 in, t+1 out, t with 0.2 < ¼ in, t with 0.3 out
    expect(rng.uniformCalls).toBe(2);
  });

  it('q = 1 takes every example; n = 0 gives an empty batch', () => {
    const rng = new SeededRandom(1);
    expect(Array.from(poissonBatch(5, 1, rng))).toEqual([0, 1, 2, 3, 4]);
    expect(poissonBatch(0, 0.5, rng).length).toBe(0);
  });

  it('rejects a sample rate outside (0, 1] naming it', () => {
    const rng = new SeededRandom(1);
    for (const q of [0, -0.1, 1.5, Number.NaN]) expect(() => poissonBatch(10, q, rng)).toThrow(/sampleRate must be in \(0, 1\]/);
  });
});

describe('randomOrder', () => {
  it('is a permutation, and each position is uniform (chi-square)', () => {
    const rng = new SeededRandom(12);
    const n = 6;
    const firstCounts = new Array<number>(n).fill(0);
    for (let t = 0; t < 6000; t++) {
      const order = randomOrder(n, rng);
      expect([...order].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      firstCounts[order[0] as number] = (firstCounts[order[0] as number] ?? 0) + 1;
    }
    const result = chiSquare(firstCounts, new Array<number>(n).fill(1 / n), ALPHA);
    expect(result.statistic).toBeLessThan(result.critical);
  });
});
