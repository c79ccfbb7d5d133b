import { describe, expect, it } from 'vitest';
import { Standardizer, fitStandardizer, type Dataset } from '../../src/data/index.js';
import { catchCohortError } from './helpers.js';

function table(rows: number[][]): Dataset {
  const d = rows[0]?.length ?? 0;
  return {
    name: 't',
    features: Float32Array.from(rows.flat()),
    labels: new Int32Array(rows.length),
    numExamples: rows.length,
    numFeatures: d,
    numClasses: 1,
    classNames: ['only'],
    featureNames: Array.from({ length: d }, (_, j) => `f${j}`),
  };
}

describe('fitStandardizer', () => {
  // Column 0: 1, 2, 3, 4 → mean 2.5, population std √1.25. Column 1 is constant.
  const train = table([
    [1, 7],
    [2, 7],
    [3, 7],
    [4, 7],
  ]);
  const test = table([
    [100, 7],
    [-100, 8],
  ]);

  it('uses the training statistics only (population std, as scikit-learn StandardScaler)', () => {
    const standardizer = fitStandardizer(train);
    expect(standardizer.toJSON()).toEqual({ mean: [2.5, 7], scale: [Math.sqrt(1.25), 1] });
    const scaledTest = standardizer.apply(test);
    expect(scaledTest.features[0]).toBeCloseTo((100 - 2.5) / Math.sqrt(1.25), 4);
    expect(scaledTest.features[3]).toBeCloseTo(1, 6); // (8 − 7) / 1: the test value did not change the fit
    // Fitting on the test set would give different numbers: the fit must not have seen it.
    expect(fitStandardizer(test).toJSON().mean).not.toEqual(standardizer.toJSON().mean);
  });

  it('gives the training set mean 0 and std 1, and maps a constant column to 0 without NaN', () => {
    const scaled = fitStandardizer(train).apply(train);
    const column = (j: number): number[] => [0, 1, 2, 3].map((i) => scaled.features[i * 2 + j] as number);
    const mean = column(0).reduce((a, b) => a + b, 0) / 4;
    const variance = column(0).reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
    expect(mean).toBeCloseTo(0, 6);
    expect(variance).toBeCloseTo(1, 6);
    expect(column(1)).toEqual([0, 0, 0, 0]);
    expect(scaled.labels).toBe(train.labels);
  });

  it('round-trips through JSON and refuses data of another width', () => {
    const standardizer = fitStandardizer(train);
    const again = Standardizer.fromJSON(JSON.parse(JSON.stringify(standardizer)));
    expect(Array.from(again.apply(test).features)).toEqual(Array.from(standardizer.apply(test).features));
    const error = catchCohortError(() => standardizer.apply(table([[1, 2, 3]])));
    expect(error.message).toContain('has 3 features, the standardizer was fitted on 2');
    expect(() => new Standardizer([0], [0])).toThrow(/scale\[0\] must be a finite number > 0/);
  });
});
