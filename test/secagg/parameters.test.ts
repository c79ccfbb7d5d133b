import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/crypto/random.js';
import { hypergeometricTail } from '../../src/secagg/defaults.js';
import { NeighbourGraph, defaultNeighbours, defaultThreshold, validateGraphParameters } from '../../src/secagg/index.js';

describe('default neighbours and threshold', () => {
  it('gives the documented values: complete graphs up to n = 13, then O(log n)', () => {
    const table: [number, number, number][] = [
      [2, 1, 1], [3, 2, 2], [5, 4, 3], [10, 9, 5], [13, 12, 7], [14, 12, 7], [60, 14, 8],
      [100, 22, 12], [1000, 36, 19], [10000, 42, 22], [65535, 46, 24],
    ];
    for (const [n, k, t] of table) {
      expect(defaultNeighbours(n)).toBe(k);
      expect(defaultThreshold(n, k)).toBe(t);
    }
  });

  it('is always valid: k ≤ n − 1, even or complete, k/2 < t ≤ k, k ≤ 4·log2 n beyond small n', () => {
    let previous = 0;
    for (let n = 2; n <= 3000; n += n < 200 ? 1 : 37) {
      const k = defaultNeighbours(n);
      const t = defaultThreshold(n, k);
      expect(() => validateGraphParameters(n, k, t)).not.toThrow();
      expect(k).toBeGreaterThanOrEqual(Math.min(previous, n - 1) - 2); // no large dips
      if (n > 13) expect(k).toBeLessThanOrEqual(Math.max(12, 4 * Math.log2(n)));
      previous = k;
    }
  });

  it('refuses out-of-range arguments', () => {
    expect(() => defaultNeighbours(1)).toThrow(/n must be an integer in \[2, 65535\] \(got 1\)/);
    expect(() => defaultThreshold(10, 10)).toThrow(/k must be an integer in \[1, 9\] \(got 10\)/);
  });

  it('hypergeometric tail matches direct counting', () => {
    // Population 10 with 3 marked, 4 drawn: P(X ≥ 2) = [C(3,2)C(7,2) + C(3,3)C(7,1)] / C(10,4) = (63 + 7)/210.
    expect(hypergeometricTail(10, 3, 4, 2)).toBeCloseTo(70 / 210, 12);
    expect(hypergeometricTail(10, 3, 4, 0)).toBeCloseTo(1, 12);
    expect(hypergeometricTail(10, 3, 4, 4)).toBe(0);
    // Large populations use Stirling's series: the full distribution still sums to 1.
    expect(hypergeometricTail(5000, 700, 40, 0)).toBeCloseTo(1, 9);
  });
});

describe('NeighbourGraph (random Harary graph)', () => {
  const shape = fc.integer({ min: 3, max: 60 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      k: fc.constantFrom(n - 1, ...Array.from({ length: (n - 2) >> 1 }, (_, i) => 2 * (i + 1))),
      seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    }),
  );

  it('is k-regular, symmetric, loop-free, and isNeighbour agrees with the lists (property)', () => {
    fc.assert(
      fc.property(shape, ({ n, k, seed }) => {
        const g = NeighbourGraph.random(n, k, new SeededRandom(seed));
        for (let u = 0; u < n; u++) {
          const list = g.neighbours(u);
          expect(list.length).toBe(k);
          expect(new Set(list).size).toBe(k);
          expect(list).not.toContain(u);
          expect([...list].sort((a, b) => a - b)).toEqual(list);
          const disagreements = [...Array(n).keys()].filter((v) => g.isNeighbour(u, v) !== list.includes(v));
          expect(disagreements).toEqual([]);
          expect(list.filter((v) => !g.neighbours(v).includes(u))).toEqual([]);
        }
      }),
      { numRuns: 60, seed: 1 },
    );
  });

  it('stays connected after removing any k − 1 clients (vertex connectivity k) (property)', () => {
    fc.assert(
      fc.property(shape, fc.integer({ min: 0, max: 2 ** 32 - 1 }), ({ n, k, seed }, removeSeed) => {
        const g = NeighbourGraph.random(n, k, new SeededRandom(seed));
        const rng = new SeededRandom(removeSeed);
        const removed = new Set<number>();
        while (removed.size < k - 1) removed.add(rng.uniformInt(n));
        const start = [...Array(n).keys()].find((u) => !removed.has(u)) as number;
        const seen = new Set([start]);
        const stack = [start];
        while (stack.length > 0) {
          for (const v of g.neighbours(stack.pop() as number)) {
            if (!removed.has(v) && !seen.has(v)) {
              seen.add(v);
              stack.push(v);
            }
          }
        }
        expect(seen.size).toBe(n - removed.size);
      }),
      { numRuns: 60, seed: 2 },
    );
  });

  it('gives each client a uniformly random neighbour set (chi-square, fixed seed, false-alarm 1e-6)', () => {
    // Client 0's neighbourhood is a uniform k-subset of the others, so every other client is its
    // neighbour with probability k/(n − 1).
    const n = 20;
    const k = 4;
    const graphs = 6000;
    const rng = new SeededRandom(99);
    const counts = new Array<number>(n - 1).fill(0);
    for (let i = 0; i < graphs; i++) for (const v of NeighbourGraph.random(n, k, rng).neighbours(0)) counts[v - 1] = (counts[v - 1] as number) + 1;
    const expected = (graphs * k) / (n - 1);
    const chi = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // The neighbour indicators are not independent (exactly k per graph), which only shrinks the
    // statistic; 18 degrees of freedom, 1 − 1e-6 quantile ≈ 56.
    expect(chi).toBeLessThan(56);
    // The identity placement is far from uniform: client 0 is always next to 1, 2, n−1, n−2.
    const ring = NeighbourGraph.ring(n, k).neighbours(0);
    expect(ring).toEqual([1, 2, 18, 19]);
  });

  it('refuses an odd degree below n − 1', () => {
    expect(() => NeighbourGraph.random(10, 3, new SeededRandom(1))).toThrow(/degree must be an even integer/);
    expect(() => validateGraphParameters(10, 3, 2)).toThrow(/neighbours must be even/);
    expect(NeighbourGraph.random(10, 9, new SeededRandom(1)).complete).toBe(true);
  });
});
