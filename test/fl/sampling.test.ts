import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/crypto/random.js';
import { CohortError } from '../../src/errors.js';
import { sampleClients, sampleSize, sampleWithoutReplacement } from '../../src/fl/sampling.js';

describe('sampleSize: m = max(⌈C·K⌉, minimum) (McMahan et al. 2017, Alg. 1)', () => {
  it.each([
    [10, 1, 1, 10],
    [10, 0.1, 1, 1],
    [10, 0.3, 1, 3],
    [10, 0.01, 1, 1], // never zero clients
    [5, 0.5, 1, 3], // rounds up
    [100, 0.29, 1, 29], // 0.29·100 = 28.999999999999996 in floating point
    [10, 0.7, 1, 7],
    [10, 0.1, 4, 4], // the minimum wins
    [3, 0.1, 5, 3], // but never more than are available
  ])('K=%i, C=%f, min=%i → %i', (available, fraction, minimum, expected) => {
    expect(sampleSize(available, fraction, minimum)).toBe(expected);
  });

  it.each([0, -0.5, 1.5, Number.NaN])('rejects fraction %f', (fraction) => {
    expect(() => sampleSize(10, fraction)).toThrow(CohortError);
    expect(() => sampleSize(10, fraction)).toThrow(/fraction must be in \(0, 1\]/);
  });
});

describe('sampleClients', () => {
  const clients = Array.from({ length: 10 }, (_, i) => `client-${i}`);

  it('chooses ⌈fraction·K⌉ distinct clients, listed in their original order', () => {
    const chosen = sampleClients(clients, 0.4, new SeededRandom(1));
    expect(chosen).toHaveLength(4);
    expect(new Set(chosen).size).toBe(4);
    expect([...chosen].sort((a, b) => clients.indexOf(a) - clients.indexOf(b))).toEqual(chosen);
  });

  it('is reproducible from the seed and varies with it', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, (_, round) => sampleClients(clients, 0.3, new SeededRandom(seed + round * 1000)));
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('returns everyone when fraction = 1, without drawing', () => {
    const rng = new SeededRandom(3);
    const before = new SeededRandom(3).uint32();
    expect(sampleClients(clients, 1, rng)).toEqual(clients);
    expect(rng.uint32()).toBe(before);
  });

  it('gives every client the same chance (chi-square, 9 d.o.f., false-alarm rate 0.1 %)', () => {
    // 20 000 rounds choosing 3 of 10: each client expected 6 000 times.
    const rng = new SeededRandom(20240601);
    const counts = new Array<number>(10).fill(0);
    const rounds = 20_000;
    for (let r = 0; r < rounds; r++) for (const index of sampleWithoutReplacement([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, rng)) counts[index]!++;
    const expected = (rounds * 3) / 10;
    const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // Inclusion indicators are negatively correlated, which only shrinks the statistic; 27.88 is
    // the 99.9 % quantile of χ²(9).
    expect(chiSquare).toBeLessThan(27.88);
  });

  it('rejects a count outside [0, K]', () => {
    expect(() => sampleWithoutReplacement([1, 2], 3, new SeededRandom(1))).toThrow(/count must be an integer in \[0, 2\] \(got 3\)/);
  });
});
