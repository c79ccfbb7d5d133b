import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { conditionalRandomizedRound } from '../../../src/fl/secure-aggregation/conditional-rounding.js';
import { DistributedDiscreteGaussianEncoder, type DistributedDiscreteGaussianEncoderSettings } from '../../../src/fl/secure-aggregation/distributed-discrete-gaussian.js';
import { checkEncoderFitConfig, encoderFitConfig } from '../../../src/fl/secure-aggregation/encoder-config.js';
import { fastWalshHadamard, paddedLength, rotate, rotationSigns, unrotate } from '../../../src/fl/secure-aggregation/hadamard-rotation.js';

const TWO_POW_32 = 4294967296;

function centred(word: number): number {
  return word >= 2 ** 31 ? word - TWO_POW_32 : word;
}

function sumMod(vectors: readonly Uint32Array[]): Uint32Array {
  const sum = new Uint32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < sum.length; i++) sum[i] = (sum[i]! + v[i]!) >>> 0;
  return sum;
}

function randomUpdate(rng: SeededRandom, length: number, scale: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = (rng.uniform() * 2 - 1) * scale;
  return out;
}

function clipped(delta: Float32Array, c: number): Float64Array {
  let norm = 0;
  for (const x of delta) norm += x * x;
  norm = Math.sqrt(norm);
  const factor = norm > c ? c / norm : 1;
  return Float64Array.from(delta, (x) => x * factor);
}

describe('randomised Hadamard rotation', () => {
  it('transforms a unit vector into a flat one and back; pads to a power of two', () => {
    expect(Array.from(fastWalshHadamard(Float64Array.from([1, 0, 0, 0])))).toEqual([1, 1, 1, 1]);
    expect(Array.from(fastWalshHadamard(Float64Array.from([1, 2, 3, 4])))).toEqual([10, -2, -4, 0]);
    expect([1, 2, 3, 5, 1024, 1025].map(paddedLength)).toEqual([1, 2, 4, 8, 1024, 2048]);
  });

  it('keeps the norm, inverts exactly, and uses the same public signs for the same (seed, round) only', () => {
    const rng = new SeededRandom(3);
    const x = Float64Array.from({ length: 512 }, () => rng.uniform() - 0.5);
    const signs = rotationSigns(77, 4, 512);
    expect(Array.from(rotationSigns(77, 4, 512))).toEqual(Array.from(signs));
    expect(Array.from(rotationSigns(77, 5, 512))).not.toEqual(Array.from(signs));
    expect(Array.from(rotationSigns(78, 4, 512))).not.toEqual(Array.from(signs));
    const ones = signs.reduce((a, s) => a + (s === 1 ? 1 : 0), 0);
    expect(ones).toBeGreaterThan(200);
    expect(ones).toBeLessThan(312);
    const y = rotate(x.slice(), signs);
    const norm = (v: Float64Array) => Math.sqrt(v.reduce((a, b) => a + b * b, 0));
    expect(norm(y)).toBeCloseTo(norm(x), 12);
    const back = unrotate(y, signs);
    for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(x[i]!, 12);
  });
});

describe('conditional randomised rounding', () => {
  it('gives integers within the norm bound, unbiased on average', () => {
    const rng = new SeededRandom(5);
    const values = Float64Array.from({ length: 64 }, (_, i) => (i - 32) * 0.37);
    const norm = Math.sqrt(values.reduce((a, b) => a + b * b, 0));
    const bound = norm + 2;
    const mean = new Float64Array(64);
    const trials = 2000;
    let truncated = 0;
    let bad = 0;
    let largestNorm = 0;
    for (let t = 0; t < trials; t++) {
      const out = new Float64Array(64);
      if (conditionalRandomizedRound(values, bound, rng, out).truncated) truncated++;
      let sq = 0;
      for (let i = 0; i < 64; i++) {
        if (!Number.isInteger(out[i]) || Math.abs(out[i]! - values[i]!) >= 1) bad++;
        sq += out[i]! * out[i]!;
        mean[i]! += out[i]! / trials;
      }
      largestNorm = Math.max(largestNorm, Math.sqrt(sq));
    }
    expect(truncated).toBe(0);
    expect(bad).toBe(0);
    expect(largestNorm).toBeLessThanOrEqual(bound);
    expect(largestNorm).toBeGreaterThan(norm); // rounding does push the norm up, and the bound matters
    // Each coordinate's rounding has variance ≤ 1/4: the mean of 2000 is within 5·0.5/√2000 = 0.056.
    // (Conditioning on the norm biases it slightly; the bound here leaves room for that.)
    for (let i = 0; i < 64; i++) expect(Math.abs(mean[i]! - values[i]!)).toBeLessThan(0.08);
  });

  it('falls back to rounding towards zero after the last attempt, still within the bound', () => {
    const values = new Float64Array(64).fill(0.5);
    const out = new Float64Array(64);
    const outcome = conditionalRandomizedRound(values, 4, new SeededRandom(1), out, 1);
    expect(outcome).toEqual({ attempts: 1, truncated: true });
    expect(Array.from(out)).toEqual(new Array(64).fill(0));
    expect(() => conditionalRandomizedRound(values, 3, new SeededRandom(1))).toThrow(/norm 4/);
  });
});

describe('DistributedDiscreteGaussianEncoder', () => {
  const base: DistributedDiscreteGaussianEncoderSettings = { clippingNorm: 1, noiseMultiplier: 0, noiseShares: 8, maxContributors: 10, rotationSeed: 1234 };

  it('without noise: decode(Σ encode) is the mean of the clipped updates within γ·√d', () => {
    const rng = new SeededRandom(21);
    const encoder = new DistributedDiscreteGaussianEncoder(base, { rng });
    const numParameters = 300; // padded to 512
    const updates = Array.from({ length: 10 }, (_, k) => randomUpdate(rng, numParameters, k < 5 ? 0.01 : 0.5)); // half need clipping
    const round = 7;
    const sum = sumMod(updates.map((u) => encoder.encode(u, 1, round)));
    expect(sum.length).toBe(512);
    const { meanDelta, metrics } = encoder.decode(sum, 10, numParameters, round);
    const plan = encoder.planFor(numParameters);
    expect(plan.localVariance).toBe(0);
    const expected = new Float64Array(numParameters);
    for (const u of updates) clipped(u, 1).forEach((x, i) => (expected[i]! += x / 10));
    let largest = 0;
    for (let i = 0; i < numParameters; i++) largest = Math.max(largest, Math.abs(meanDelta[i]! - expected[i]!));
    // Rounding moves each rotated coordinate by < γ, so each client's error has norm < γ√d and the mean's
    // coordinates are off by < γ√d; float32 output adds ≤ 2^-24 relative.
    const bound = plan.granularity * Math.sqrt(plan.dimension) + 1e-7;
    expect(largest).toBeLessThan(bound);
    expect(largest).toBeGreaterThan(0); // and it is a real computation, not a copy
    expect(metrics.meanNoiseStd).toBe(0);
    expect(encoder.truncatedRoundings).toBe(0);
  });

  it('with noise: the sum of n shares has variance n·σ²/γ² per coordinate (fixed seed)', () => {
    const rng = new SeededRandom(99);
    const encoder = new DistributedDiscreteGaussianEncoder({ ...base, noiseMultiplier: 1.5, noiseShares: 10 }, { rng });
    const numParameters = 4096;
    const plan = encoder.planFor(numParameters);
    expect(plan.localVariance).toBeGreaterThan(1000);
    expect(plan.localVariance * plan.granularity ** 2).toBeCloseTo((1.5 * 1) ** 2 / 10, 6);
    const zero = new Float32Array(numParameters);
    const sum = sumMod(Array.from({ length: 10 }, () => encoder.encode(zero, 1, 1)));
    let mean = 0;
    let squares = 0;
    for (const word of sum) {
      const v = centred(word);
      mean += v / sum.length;
      squares += (v * v) / sum.length;
    }
    const expected = 10 * plan.localVariance;
    // 4096 samples: the sample variance has relative std √(2/4096) = 2.2 %; 11 % is 5 standard
    // errors (false alarm < 1e-6). The mean's std is √(expected/4096).
    expect(Math.abs(squares / expected - 1)).toBeLessThan(0.11);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(expected / 4096));
    // Decoded: the noise on the mean update has std z·c/m per coordinate (here m = n = 10).
    const { meanDelta, metrics } = encoder.decode(sum, 10, numParameters, 1);
    const std = Math.sqrt(meanDelta.reduce((a, x) => a + x * x, 0) / numParameters);
    expect(metrics.meanNoiseStd).toBeCloseTo(0.15, 6);
    expect(Math.abs(std / 0.15 - 1)).toBeLessThan(0.11);
  });

  it('what a client hands to SecAgg already carries its noise: it differs from the noiseless encoding by ~N_Z(0, V)', () => {
    const rng = new SeededRandom(7);
    const encoder = new DistributedDiscreteGaussianEncoder({ ...base, noiseMultiplier: 1, noiseShares: 5 }, { rng });
    const delta = randomUpdate(rng, 2000, 0.02);
    const plan = encoder.planFor(delta.length);
    const noiseless = encoder.quantizeWithoutNoise(delta, 3);
    const encoded = encoder.encode(delta, 1, 3);
    let same = 0;
    let squares = 0;
    for (let i = 0; i < encoded.length; i++) {
      const difference = centred(encoded[i]!) - noiseless[i]!;
      if (difference === 0) same++;
      squares += difference * difference;
    }
    // Rounding randomness differs between the two calls by at most 1 per coordinate; the noise share dominates.
    expect(same).toBeLessThan(encoded.length * 0.01);
    expect(Math.abs(squares / encoded.length / plan.localVariance - 1)).toBeLessThan(0.15);
    // And a zero update encodes to pure noise, not to zeros.
    const zero = encoder.encode(new Float32Array(2000), 1, 3);
    expect(zero.filter((w) => w === 0).length).toBeLessThan(zero.length * 0.01);
  });

  it('announces its public settings; a client built differently refuses to train', () => {
    const server = new DistributedDiscreteGaussianEncoder({ ...base, noiseMultiplier: 1 });
    const extra = encoderFitConfig(server);
    expect(extra).toMatchObject({ 'secagg.encoder': 'distributed-discrete-gaussian', 'secagg.ddg.noiseMultiplier': 1, 'secagg.ddg.noiseShares': 8, 'secagg.ddg.rotationSeed': 1234 });
    expect(() => checkEncoderFitConfig(new DistributedDiscreteGaussianEncoder({ ...base, noiseMultiplier: 1 }), extra, 1)).not.toThrow();
    expect(() => checkEncoderFitConfig(new DistributedDiscreteGaussianEncoder({ ...base, noiseMultiplier: 0.5 }), extra, 1)).toThrow(/secagg\.ddg\.noiseMultiplier/);
  });

  it('refuses a sum with fewer noise shares than accounted, and bad settings', () => {
    const encoder = new DistributedDiscreteGaussianEncoder({ ...base, noiseMultiplier: 1 });
    expect(() => encoder.decode(new Uint32Array(16), 7, 16, 1)).toThrow(/fewer than the 8/);
    expect(() => encoder.decode(new Uint32Array(16), 11, 16, 1)).toThrow(/contributors/);
    expect(() => encoder.decode(new Uint32Array(8), 8, 16, 1)).toThrow(/sum\.length/);
    expect(() => new DistributedDiscreteGaussianEncoder({ ...base, clippingNorm: 0 })).toThrow(/clippingNorm/);
    expect(() => new DistributedDiscreteGaussianEncoder({ ...base, maxContributors: 7 })).toThrow(/maxContributors/);
    expect(() => new DistributedDiscreteGaussianEncoder({ ...base, rotationSeed: -1 })).toThrow(/rotationSeed/);
    expect(() => encoder.encode(Float32Array.from([1, Number.NaN]), 1, 1)).toThrow(/coordinate 1/);
  });
});
