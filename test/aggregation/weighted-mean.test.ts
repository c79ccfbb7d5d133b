import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkVectors, checkWeights, firstNonFinite, mean, weightedMean, weightedSum } from '../../src/aggregation/index.js';
import { CohortError } from '../../src/errors.js';

/** Reference: float64 sum in plain order, divided once, rounded to float32. */
function reference(vectors: Float32Array[], weights: number[]): Float32Array {
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Float32Array(vectors[0]!.length);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let k = 0; k < vectors.length; k++) sum += weights[k]! * vectors[k]![i]!;
    out[i] = sum / total;
  }
  return out;
}

/** Distance in float32 units in the last place. */
function ulpDistance(a: number, b: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat32(0, a);
  view.setFloat32(4, b);
  const toOrdered = (bits: number): number => (bits < 0 ? -(bits & 0x7fffffff) : bits);
  return Math.abs(toOrdered(view.getInt32(0)) - toOrdered(view.getInt32(4)));
}

const weight = fc.double({ min: 1e-3, max: 1e4, noNaN: true, noDefaultInfinity: true });

/** K vectors of one length (1..4200 so blocks of 4096 are crossed) with K weights. */
const updates = fc.integer({ min: 1, max: 9 }).chain((count) =>
  fc.integer({ min: 1, max: 4200 }).chain((length) =>
    fc.tuple(
      fc.array(fc.float32Array({ minLength: length, maxLength: length, min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), {
        minLength: count,
        maxLength: count,
      }),
      fc.array(weight, { minLength: count, maxLength: count }),
    ),
  ),
);

describe('weightedMean', () => {
  it('gives the textbook answer on a small example', () => {
    // (1·[1,2] + 3·[3,4]) / 4 = [2.5, 3.5]
    const result = weightedMean([Float32Array.of(1, 2), Float32Array.of(3, 4)], [1, 3]);
    expect(Array.from(result)).toEqual([2.5, 3.5]);
  });

  it('matches FedAvg on example counts (McMahan et al. 2017, Alg. 1) for integer data exactly', () => {
    const clients = [Float32Array.of(0, 10, -4), Float32Array.of(6, 0, 4), Float32Array.of(3, 3, 3)];
    const examples = [100, 50, 50]; // n = 200
    // w = 0.5·w1 + 0.25·w2 + 0.25·w3
    expect(Array.from(weightedMean(clients, examples))).toEqual([2.25, 5.75, -0.25]);
  });

  it('is within the float64 summation bound of a plain-order reference (Higham 2002, §4.2)', () => {
    // Two float64 sums of K products differ by at most ~2K·2^-53·Σ|w·x|; both are then rounded
    // to float32, which adds up to one float32 ulp between them.
    fc.assert(
      fc.property(updates, ([vectors, weights]) => {
        const result = weightedMean(vectors, weights);
        const ref = reference(vectors, weights);
        const total = weights.reduce((a, b) => a + b, 0);
        for (let i = 0; i < ref.length; i++) {
          let magnitude = 0;
          for (let k = 0; k < vectors.length; k++) magnitude += Math.abs(weights[k]! * vectors[k]![i]!);
          const bound = (4 * vectors.length * 2 ** -53 * magnitude) / total;
          if (ulpDistance(result[i]!, ref[i]!) > 1 && Math.abs(result[i]! - ref[i]!) > bound) return false;
        }
        return true;
      }),
      { numRuns: 30 },
    );
  });

  it('returns v itself when every client sends v, whatever the weights', () => {
    fc.assert(
      fc.property(fc.float32Array({ minLength: 1, maxLength: 300, noNaN: true, noDefaultInfinity: true }), fc.array(weight, { minLength: 1, maxLength: 7 }), (v, weights) => {
        const result = weightedMean(weights.map(() => v), weights);
        return result.every((x, i) => Object.is(x, v[i]) || (x === 0 && v[i] === 0));
      }),
    );
  });

  it('does not depend on the order of the clients (exact on integer data)', () => {
    const intVector = (length: number) =>
      fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: length, maxLength: length }).map((xs) => Float32Array.from(xs));
    const arb = fc.integer({ min: 1, max: 50 }).chain((length) =>
      fc.array(fc.tuple(intVector(length), fc.integer({ min: 1, max: 1000 })), { minLength: 1, maxLength: 8 }),
    );
    fc.assert(
      fc.property(arb, fc.infiniteStream(fc.nat()), (pairs, stream) => {
        const shuffled = [...pairs];
        const draws = stream.take(shuffled.length);
        let j = shuffled.length;
        for (const draw of draws) {
          const r = draw % j;
          j--;
          [shuffled[j], shuffled[r]] = [shuffled[r]!, shuffled[j]!];
        }
        const a = weightedMean(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
        const b = weightedMean(shuffled.map((p) => p[0]), shuffled.map((p) => p[1]));
        return a.every((x, i) => x === b[i]);
      }),
    );
  });

  it('does not change when all weights are scaled by a power of two', () => {
    fc.assert(
      fc.property(updates, fc.integer({ min: -10, max: 10 }), ([vectors, weights], exponent) => {
        const scale = 2 ** exponent;
        const a = weightedMean(vectors, weights);
        const b = weightedMean(vectors, weights.map((w) => w * scale));
        return a.every((x, i) => Object.is(x, b[i]) || x === b[i]);
      }),
      { numRuns: 20 },
    );
  });

  it('keeps precision that a float32 accumulator loses', () => {
    // 1e8 + 1 − 1e8 over three clients: float32 sums lose the 1 (ulp(1e8) = 8), float64 keeps it.
    const result = weightedMean([Float32Array.of(1e8), Float32Array.of(3), Float32Array.of(-1e8)], [1, 1, 1]);
    expect(result[0]).toBe(1);
  });

  it('weightedSum and mean agree with their definitions', () => {
    expect(Array.from(weightedSum([Float32Array.of(1, 2), Float32Array.of(3, 4)], [2, 0.5]))).toEqual([3.5, 6]);
    expect(Array.from(mean([Float32Array.of(1, 2), Float32Array.of(3, 5)]))).toEqual([2, 3.5]);
  });
});

describe('input validation', () => {
  const v = Float32Array.of(1, 2);
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['no vectors', () => weightedMean([], []), /vectors\.length must be at least 1/],
    ['unequal lengths', () => weightedMean([v, Float32Array.of(1)], [1, 1]), /vectors\[1\]\.length must equal vectors\[0\]\.length = 2 \(got 1\)/],
    ['not a Float32Array', () => weightedMean([v, [1, 2] as unknown as Float32Array], [1, 1]), /vectors\[1\] must be a Float32Array \(got "Array"\)/],
    ['weight count', () => weightedMean([v, v], [1]), /weights\.length must be equal to the number of vectors \(2\)/],
    ['zero weight', () => weightedMean([v, v], [1, 0]), /weights\[1\] must be a finite number > 0 \(got 0\)/],
    ['negative weight', () => weightedMean([v], [-2]), /weights\[0\] must be a finite number > 0 \(got -2\)/],
    ['NaN weight', () => weightedMean([v], [Number.NaN]), /weights\[0\] .*got NaN/],
    ['infinite weight', () => weightedMean([v], [Number.POSITIVE_INFINITY]), /weights\[0\] .*got Infinity/],
    ['overflowing total', () => weightedMean([v, v], [Number.MAX_VALUE, Number.MAX_VALUE]), /sum of weights must be finite/],
  ];
  it.each(cases)('rejects %s with a CohortError naming the argument', (_name, run, message) => {
    expect(run).toThrow(CohortError);
    expect(run).toThrow(message);
  });

  it('checkVectors returns the common length, checkWeights the total', () => {
    expect(checkVectors([v, v])).toBe(2);
    expect(checkWeights([1, 2.5], 2)).toBe(3.5);
  });

  it('firstNonFinite finds NaN and infinities and nothing else', () => {
    expect(firstNonFinite(Float32Array.of(0, -0, 3e38, -1))).toBe(-1);
    expect(firstNonFinite(Float32Array.of(0, Number.NaN))).toBe(1);
    expect(firstNonFinite(Float32Array.of(Number.NEGATIVE_INFINITY))).toBe(0);
  });
});
