import { describe, expect, it } from 'vitest';
import { labelCounts, largestRemainder, loadDataset, trainTestSplit } from '../../src/data/index.js';
import { catchCohortError, datasetWithLabels } from './helpers.js';

/** The original indices of a split part (the helper's one feature is the example's index). */
const ids = (part: { features: Float32Array }): number[] => Array.from(part.features);

describe('trainTestSplit', () => {
  it('splits breast-cancer 80/20 keeping the class mix (stratified by default)', async () => {
    const { data } = await loadDataset('breast-cancer');
    const { train, test } = trainTestSplit(data, { testFraction: 0.2, seed: 1 });
    expect(train.numExamples + test.numExamples).toBe(569);
    expect(test.numExamples).toBe(Math.round(569 * 0.2));
    // 357 benign / 212 malignant: quotas 114·357/569 = 71.5 and 42.5, largest remainder → 72 / 42.
    expect(labelCounts(test)).toEqual([72, 42]);
    expect(labelCounts(train)).toEqual([285, 170]);
  });

  it('is a disjoint cover, reproducible from the seed and different for another seed', () => {
    const labels = Array.from({ length: 200 }, (_, i) => i % 3);
    const data = datasetWithLabels(labels, 3);
    for (const stratify of [true, false]) {
      const a = trainTestSplit(data, { testFraction: 0.25, seed: 42, stratify });
      const b = trainTestSplit(data, { testFraction: 0.25, seed: 42, stratify });
      const c = trainTestSplit(data, { testFraction: 0.25, seed: 43, stratify });
      expect([...ids(a.train), ...ids(a.test)].sort((x, y) => x - y)).toEqual(labels.map((_, i) => i));
      expect(a.test.numExamples).toBe(50);
      expect(ids(a.test)).toEqual(ids(b.test));
      expect(ids(a.test)).not.toEqual(ids(c.test));
      // Labels travel with their examples.
      a.test.labels.forEach((label, k) => expect(label).toBe((a.test.features[k] as number) % 3));
    }
  });

  it('shuffles the parts so a class-sorted file does not stay sorted', async () => {
    const { data } = await loadDataset('iris'); // the file lists 50 setosa, then 50 versicolor, then 50 virginica
    const { train } = trainTestSplit(data, { testFraction: 0.2, seed: 3 });
    expect(new Set(Array.from(train.labels.subarray(0, 15))).size).toBeGreaterThan(1);
  });

  it('always leaves both parts non-empty and validates its inputs', () => {
    const tiny = datasetWithLabels([0, 1, 0], 2);
    const small = trainTestSplit(tiny, { testFraction: 0.01, seed: 1 });
    expect(small.test.numExamples).toBe(1);
    expect(small.train.numExamples).toBe(2);
    expect(catchCohortError(() => trainTestSplit(tiny, { testFraction: 1, seed: 1 })).message).toBe(
      'testFraction must be a number in (0, 1) (got 1)',
    );
    expect(catchCohortError(() => trainTestSplit(datasetWithLabels([0], 1), { testFraction: 0.5, seed: 1 })).code).toBe(
      'INVALID_ARGUMENT',
    );
  });
});

describe('largestRemainder', () => {
  it('apportions exactly the total, by Hamilton’s method', () => {
    expect(largestRemainder([1, 1, 1], 10)).toEqual([4, 3, 3]);
    expect(largestRemainder([357, 212], 114)).toEqual([72, 42]);
    expect(largestRemainder([5, 3, 2], 0)).toEqual([0, 0, 0]);
  });
});
