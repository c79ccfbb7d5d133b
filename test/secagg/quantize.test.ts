import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/crypto/random.js';
import { dequantizeSum, maxMagnitude, planFixedPoint, quantize } from '../../src/secagg/index.js';

function sumMod32(vectors: readonly Uint32Array[]): Uint32Array {
  const out = new Uint32Array((vectors[0] as Uint32Array).length);
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (v[i] as number);
  return out;
}

describe('fixed-point plan', () => {
  it('leaves headroom: clients · range · scale < 2^31', () => {
    for (const [range, clients] of [[1, 1], [0.5, 10], [3, 100], [1e-3, 1000], [100, 65535], [1, 2 ** 31 - 1]] as const) {
      const plan = planFixedPoint(range, clients);
      expect(clients * range * plan.scale).toBeLessThan(2 ** 31);
      expect(maxMagnitude(plan)).toBe(Math.floor((2 ** 31 - 1) / clients));
      expect(plan.bits).toBe(32);
    }
  });

  it('refuses bad arguments, naming them', () => {
    expect(() => planFixedPoint(0, 3)).toThrow(/range must be a positive finite number \(got 0\)/);
    expect(() => planFixedPoint(1, 0)).toThrow(/clients must be an integer/);
    expect(() => quantize([Number.NaN], planFixedPoint(1, 2), new SeededRandom(1))).toThrow(/values\[0\] must be finite/);
    expect(() => quantize([1], { range: 1, clients: 2, scale: 2 ** 31, bits: 32 }, new SeededRandom(1))).toThrow(/plan.scale/);
  });
});

describe('quantize / dequantizeSum', () => {
  it('the sum of `clients` quantised vectors never overflows, even at ±range (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (clients, range, seed) => {
          const plan = planFixedPoint(range, clients);
          const rng = new SeededRandom(seed);
          const values = Array.from({ length: clients }, (_, c) => [range, -range, 5 * range, -5 * range, (2 * rng.uniform() - 1) * range, c % 2 === 0 ? range : -range]);
          const encoded = values.map((v) => quantize(v, plan, rng));
          const decoded = dequantizeSum(sumMod32(encoded), plan);
          const clipped = (x: number): number => Math.max(-range, Math.min(range, x));
          const resolution = 1 / plan.scale;
          for (let i = 0; i < 6; i++) {
            const exact = values.reduce((s, v) => s + clipped(v[i] as number), 0);
            expect(Math.abs((decoded[i] as number) - exact)).toBeLessThanOrEqual(clients * resolution * (1 + 1e-9) + 1e-9 * Math.abs(exact));
          }
          // All clients at +range (and at −range): the extreme sums decode with the right sign.
          expect(decoded[0]).toBeCloseTo(clients * range, 6);
          expect(decoded[1]).toBeCloseTo(-clients * range, 6);
        },
      ),
      { numRuns: 200, seed: 42 },
    );
  });

  it('clips to ±range', () => {
    const plan = planFixedPoint(2, 4);
    const q = quantize([100, -100, 2, -2], plan, new SeededRandom(3));
    expect(Array.from(dequantizeSum(q, plan))).toEqual([2, -2, 2, -2]);
  });

  it('stochastic rounding is unbiased (z-test, fixed seed, false-alarm rate 6e-7 per value)', () => {
    // q ∈ {⌊v·s⌋, ⌈v·s⌉} with P(up) = frac(v·s): E[q] = v·s, Var = f(1 − f)/draws for the mean.
    const plan = planFixedPoint(1, 10);
    const draws = 20000;
    const rng = new SeededRandom(20240607);
    for (const fraction of [0.1, 0.3, 0.5, 0.77, 0.99]) {
      const base = 12345;
      const value = (base + fraction) / plan.scale;
      const q = quantize(new Float64Array(draws).fill(value), plan, rng);
      let total = 0;
      let outside = 0;
      for (const x of q) {
        if (x !== base && x !== base + 1) outside++;
        total += x - base;
      }
      expect(outside).toBe(0);
      const mean = total / draws;
      const f = value * plan.scale - base; // the fraction as the float actually carries it
      const z = (mean - f) / Math.sqrt((f * (1 - f)) / draws);
      expect(Math.abs(z)).toBeLessThan(5); // two-sided P(|Z| ≥ 5) ≈ 5.7e-7
    }
    // The same test rejects round-to-nearest, which is biased for fraction 0.3 (mean 0, not 0.3).
    const z = (0 - 0.3) / Math.sqrt((0.3 * 0.7) / draws);
    expect(Math.abs(z)).toBeGreaterThan(5);
  });

  it('negative values encode as two’s complement residues and decode centred', () => {
    const plan = planFixedPoint(1, 1);
    const q = quantize([-1, 1, 0], plan, new SeededRandom(1));
    expect(q[0]).toBe(2 ** 32 - (2 ** 31 - 1));
    expect(q[1]).toBe(2 ** 31 - 1);
    expect(q[2]).toBe(0);
    expect(Array.from(dequantizeSum(q, plan))).toEqual([-1, 1, 0]);
  });
});
