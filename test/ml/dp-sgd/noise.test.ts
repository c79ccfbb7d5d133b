// Gaussian noise: the ziggurat's draws are N(0, σ²) (KS test, tail mass), inline and in the background worker.
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { normalCdf } from '../../../src/dp/math/special.js';
import { InlineGaussianNoise, ZIGGURAT_R, createGaussianNoise, fillGaussian, type GaussianNoiseSource } from '../../../src/ml/dp-sgd/index.js';

// False-alarm rate of each test: 1e-4. Kolmogorov–Smirnov critical value √(−ln(α/2)/2)/√n
// (the asymptotic Kolmogorov distribution; Massey 1951); z-tests at |z| < 3.89.
const KS_COEFFICIENT = Math.sqrt(-Math.log(0.0001 / 2) / 2);
const Z = 3.89;

/** sup |F_n(x) − Φ(x/σ)|. */
function ksDistance(values: ArrayLike<number>, standardDeviation: number): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let distance = 0;
  for (let i = 0; i < n; i++) {
    const cdf = normalCdf((sorted[i] as number) / standardDeviation);
    distance = Math.max(distance, (i + 1) / n - cdf, cdf - i / n);
  }
  return distance;
}

const sources: GaussianNoiseSource[] = [];
afterEach(async () => {
  for (const source of sources.splice(0)) await source.close();
});

describe('fillGaussian (ziggurat)', () => {
  it('gives N(0, 1) draws (KS, 10⁶ draws) and rejects a 2 % wrong scale (power check)', () => {
    const out = new Float32Array(1_000_000);
    fillGaussian(out, new SeededRandom(1));
    const critical = KS_COEFFICIENT / Math.sqrt(out.length);
    expect(ksDistance(out, 1)).toBeLessThan(critical);
    expect(ksDistance(out, 1.02)).toBeGreaterThan(critical);
  });

  it('puts the right mass beyond r = 3.4426 (the tail method) and inside the base strip', () => {
    const out = new Float32Array(1_000_000);
    fillGaussian(out, new SeededRandom(2));
    const p = 2 * normalCdf(-ZIGGURAT_R); // 5.76e-4
    const tail = out.reduce((count, z) => count + (Math.abs(z) > ZIGGURAT_R ? 1 : 0), 0);
    expect(Math.abs(tail - out.length * p) / Math.sqrt(out.length * p * (1 - p))).toBeLessThan(Z);
    const far = out.reduce((count, z) => count + (Math.abs(z) > 4.5 ? 1 : 0), 0);
    const pFar = 2 * normalCdf(-4.5); // 6.8e-6: about 7 expected
    expect(Math.abs(far - out.length * pFar) / Math.sqrt(out.length * pFar)).toBeLessThan(Z);
  });

  it('sum-of-four is N(0, 1) too, and the standard deviation scales', () => {
    const out = new Float32Array(200_000);
    fillGaussian(out, new SeededRandom(3), 'sum-of-four');
    expect(ksDistance(out, 1)).toBeLessThan(KS_COEFFICIENT / Math.sqrt(out.length));
    fillGaussian(out, new SeededRandom(4), 'plain', 3.5);
    expect(ksDistance(out, 3.5)).toBeLessThan(KS_COEFFICIENT / Math.sqrt(out.length));
  });

  it('successive values are uncorrelated (lag-1 correlation)', () => {
    const out = new Float32Array(400_000);
    fillGaussian(out, new SeededRandom(5));
    let sum = 0;
    for (let i = 1; i < out.length; i++) sum += (out[i] as number) * (out[i - 1] as number);
    expect(Math.abs(sum / Math.sqrt(out.length - 1))).toBeLessThan(Z); // ≈ N(0, 1) under independence
  });

  it('rejects bad arguments naming them', () => {
    const rng = new SeededRandom(1);
    expect(() => fillGaussian(new Float32Array(4), rng, 'plain', 0)).toThrow(/standardDeviation must be a finite number > 0/);
    expect(() => fillGaussian(new Float32Array(4), rng, 'box' as 'plain')).toThrow(/construction must be/);
  });
});

describe('noise sources', () => {
  it('inline: seeded blocks repeat from the seed; recycled blocks are zeroed', async () => {
    const a = new InlineGaussianNoise({ blockLength: 1000, rng: new SeededRandom(8), standardDeviation: 2 });
    const b = new InlineGaussianNoise({ blockLength: 1000, rng: new SeededRandom(8), standardDeviation: 2 });
    sources.push(a, b);
    const first = await a.nextBlock();
    expect(Array.from(first)).toEqual(Array.from(await b.nextBlock()));
    const copy = first.slice();
    a.recycle(first);
    expect(first.every((v) => v === 0)).toBe(true);
    expect(Array.from(await a.nextBlock())).not.toEqual(Array.from(copy));
  });

  it('background worker: blocks of N(0, σ²) from the CSPRNG, each different, until closed', async () => {
    const source = await createGaussianNoise({ blockLength: 200_000, standardDeviation: 0.5 });
    sources.push(source);
    expect(source.background).toBe(true);
    expect(source.standardDeviation).toBe(0.5);
    const first = await source.nextBlock();
    expect(first.length).toBe(200_000);
    expect(ksDistance(first, 0.5)).toBeLessThan(KS_COEFFICIENT / Math.sqrt(first.length));
    const saved = first.slice(0, 100);
    source.recycle(first);
    for (let i = 0; i < 4; i++) {
      const block = await source.nextBlock();
      expect(Array.from(block.subarray(0, 100))).not.toEqual(Array.from(saved));
      source.recycle(block);
    }
    await source.close();
    await expect(source.nextBlock()).rejects.toThrow(/noise source must be open/);
  });

  it('with an rng, or background: false, generation is inline', async () => {
    const seeded = await createGaussianNoise({ blockLength: 10, rng: new SeededRandom(1) });
    const inline = await createGaussianNoise({ blockLength: 10, background: false });
    sources.push(seeded, inline);
    expect(seeded.background).toBe(false);
    expect(inline.background).toBe(false);
    expect(() => new InlineGaussianNoise({ blockLength: 0 })).toThrow(/blockLength must be a positive integer/);
  });
});
