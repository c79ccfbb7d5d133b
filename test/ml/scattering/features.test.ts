// Per-example group normalisation and the ScatterNet feature data set.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';
import { GROUP_NORM_EPSILON, groupNormalize, scatteringFeatures, Scattering2d } from '../../../src/ml/scattering/index.js';
import { bars, dataset } from '../helpers.js';

describe('groupNormalize', () => {
  it('each group of consecutive channels gets mean 0 and variance σ²/(σ² + ε) over its channels and positions', () => {
    const rng = new SeededRandom(4);
    const [positions, channels, groups] = [5, 6, 3];
    const values = Float64Array.from({ length: 2 + positions * channels }, (_, i) => 3 + 10 * rng.uniform() * (1 + (i % 6)));
    const before = Float64Array.from(values);
    groupNormalize(values, positions, channels, groups, 2);
    expect(values[0]).toBe(before[0]); // before the offset: untouched
    expect(values[1]).toBe(before[1]);
    for (let g = 0; g < groups; g++) {
      const pick = (a: Float64Array): number[] => Array.from({ length: positions * 2 }, (_, i) => a[2 + Math.floor(i / 2) * channels + g * 2 + (i % 2)] as number);
      const original = pick(before);
      const mean = original.reduce((s, v) => s + v, 0) / original.length;
      const variance = original.reduce((s, v) => s + (v - mean) ** 2, 0) / original.length;
      const normalised = pick(values);
      const newMean = normalised.reduce((s, v) => s + v, 0) / normalised.length;
      const newVariance = normalised.reduce((s, v) => s + (v - newMean) ** 2, 0) / normalised.length;
      expect(Math.abs(newMean)).toBeLessThan(1e-12);
      expect(newVariance).toBeCloseTo(variance / (variance + GROUP_NORM_EPSILON), 12);
      normalised.forEach((v, i) => expect(v).toBeCloseTo(((original[i] as number) - mean) / Math.sqrt(variance + GROUP_NORM_EPSILON), 12));
    }
  });

  it('a constant group becomes zeros, not NaN', () => {
    const values = new Float32Array(8).fill(2.5);
    groupNormalize(values, 4, 2, 1);
    expect(Array.from(values)).toEqual(new Array(8).fill(0));
  });

  it('depends on the example alone (scaling and shifting the example changes nothing)', () => {
    const rng = new SeededRandom(5);
    const a = Float64Array.from({ length: 12 }, () => rng.uniform());
    const b = a.map((v) => 7 * v - 3);
    groupNormalize(a, 3, 4, 2, 0, 1e-12);
    groupNormalize(b, 3, 4, 2, 0, 1e-12);
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 9));
  });

  it('rejects a group count that does not divide the channels', () => {
    expect(() => groupNormalize(new Float32Array(12), 2, 6, 4)).toThrow(CohortError);
    expect(() => groupNormalize(new Float32Array(12), 2, 6, 0)).toThrow(/groups/);
    expect(() => groupNormalize(new Float32Array(5), 2, 6, 3)).toThrow(/values length/);
  });
});

describe('scatteringFeatures', () => {
  const images = bars(6, 2);

  it('replaces each image by its scattering coefficients, channel-last, labels kept', () => {
    const features = scatteringFeatures(images, { scales: 1, orientations: 4 });
    const s = new Scattering2d({ height: 8, width: 8, scales: 1, orientations: 4 });
    expect(features.numFeatures).toBe(4 * 4 * 5);
    expect(features.exampleShape).toEqual([4, 4, 5]);
    expect(features.featureNames.length).toBe(80);
    expect(features.labels).toEqual(images.labels);
    expect(features.numExamples).toBe(6);
    const expected = new Float32Array(s.outputSize);
    s.transform(images.features, expected, 3 * 64);
    expect(Array.from(features.features.subarray(3 * 80, 4 * 80))).toEqual(Array.from(expected));
  });

  it('with groups, every example is group-normalised on its own', () => {
    const plain = scatteringFeatures(images, { scales: 1, orientations: 4 });
    const normalised = scatteringFeatures(images, { scales: 1, orientations: 4, groups: 5 });
    const row = Float32Array.from(plain.features.subarray(80, 160));
    groupNormalize(row, 16, 5, 5);
    Array.from(normalised.features.subarray(80, 160)).forEach((v, i) => expect(v).toBeCloseTo(row[i] as number, 5));
    expect(() => scatteringFeatures(images, { scales: 1, orientations: 4, groups: 3 })).toThrow(/groups/);
  });

  it('reports progress and refuses tabular data', () => {
    const seen: number[] = [];
    scatteringFeatures(images, { scales: 1, orientations: 2, progressEvery: 4, onProgress: (done) => seen.push(done) });
    expect(seen).toEqual([4, 6]);
    const tabular = dataset(new Float32Array(12), new Int32Array(3), 4, 2);
    expect(() => scatteringFeatures(tabular)).toThrow(/example shape/);
  });
});
