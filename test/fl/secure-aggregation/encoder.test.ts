import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { WeightedFixedPointEncoder } from '../../../src/fl/secure-aggregation/encoder.js';

/** Σ of the clients' vectors mod 2^32: what the SecAgg+ server reconstructs. */
function sumMod(vectors: readonly Uint32Array[]): Uint32Array {
  const out = new Uint32Array(vectors[0]!.length);
  for (const vector of vectors) for (let i = 0; i < out.length; i++) out[i] = (out[i]! + vector[i]!) >>> 0;
  return out;
}

describe('WeightedFixedPointEncoder', () => {
  const seed = 20260611;

  it('decodes the sum into the example-weighted mean of the clipped updates (FedAvg), within the quantisation error', () => {
    const rng = new SeededRandom(seed);
    const examples = [120, 40, 300, 75];
    const encoder = new WeightedFixedPointEncoder({ maxClients: 6, weightCap: 300, updateRange: 0.5 }, { rng });
    const deltas = examples.map(() => Float32Array.from({ length: 257 }, () => (rng.uniform() - 0.5) * 1.2)); // some beyond ±0.5
    const encoded = deltas.map((delta, k) => encoder.encode(delta, examples[k]!, 3));
    expect(encoded[0]!.length).toBe(encoder.encodedLength(257));
    const { meanDelta, metrics } = encoder.decode(sumMod(encoded), examples.length, 257, 3);

    const total = examples.reduce((a, b) => a + b, 0);
    let clipped = 0;
    let largest = 0;
    for (let i = 0; i < 257; i++) {
      let expected = 0;
      deltas.forEach((delta, k) => {
        const x = delta[i]!;
        if (Math.abs(x) > 0.5) clipped++;
        expected += (examples[k]! / total) * Math.max(-0.5, Math.min(0.5, x));
      });
      largest = Math.max(largest, Math.abs(meanDelta[i]! - expected));
    }
    // Each client's coordinate is off by < 1/scale; the weight sum Σw ≥ 1 by the same; Float32 output.
    const resolution = 1 / encoder.plan.scale;
    expect(largest).toBeLessThan(examples.length * resolution * 4 + 1e-7);
    expect(largest).toBeGreaterThan(0); // stochastic rounding did round
    expect(metrics.clippedValues).toBe(clipped);
    expect(clipped).toBeGreaterThan(0);
    expect(metrics.weightSum).toBeCloseTo(total / 300, 5);
  });

  it('without a weight cap every client weighs 1 (the unweighted mean)', () => {
    const encoder = new WeightedFixedPointEncoder({ maxClients: 3 }, { rng: new SeededRandom(seed) });
    const a = encoder.encode(Float32Array.of(0.25, -0.5), 10, 1);
    const b = encoder.encode(Float32Array.of(0.75, 0.5), 1000, 1);
    const { meanDelta } = encoder.decode(sumMod([a, b]), 2, 2, 1);
    expect(meanDelta[0]).toBeCloseTo(0.5, 6);
    expect(meanDelta[1]).toBeCloseTo(0, 6);
  });

  it('refuses a client above the weight cap, non-finite updates, more contributors than planned and a corrupt sum', () => {
    const encoder = new WeightedFixedPointEncoder({ maxClients: 2, weightCap: 100 }, { rng: new SeededRandom(seed) });
    expect(() => encoder.encode(Float32Array.of(0.1), 101, 1)).toThrow(/numExamples 101 exceeds the federation's public weight cap 100/);
    expect(() => encoder.encode(Float32Array.of(Number.NaN), 10, 1)).toThrow(/coordinate 0 is NaN/);
    const one = encoder.encode(Float32Array.of(0.1), 50, 1);
    expect(() => encoder.decode(one, 3, 1, 1)).toThrow(/contributors must be an integer in \[1, 2\]/);
    const corrupt = one.slice();
    corrupt[0] = 0; // weight sum 0
    expect(() => encoder.decode(corrupt, 1, 1, 1)).toThrow(/weight sum 0 is outside/);
    expect(() => new WeightedFixedPointEncoder({ maxClients: 0 })).toThrow(/maxClients must be an integer ≥ 1/);
    expect(() => new WeightedFixedPointEncoder({ maxClients: 2, updateRange: -1 })).toThrow(/updateRange/);
  });

  it('a sum of maxClients extreme inputs does not wrap', () => {
    const encoder = new WeightedFixedPointEncoder({ maxClients: 1000, weightCap: 1, updateRange: 2 }, { rng: new SeededRandom(seed) });
    const high = encoder.encode(Float32Array.of(5, -5), 1, 1);
    const { meanDelta } = encoder.decode(sumMod(Array.from({ length: 1000 }, () => high)), 1000, 2, 1);
    expect(meanDelta[0]).toBeCloseTo(2, 4);
    expect(meanDelta[1]).toBeCloseTo(-2, 4);
  });
});
