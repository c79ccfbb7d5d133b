import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledDataPath, labelCounts, listBundledDatasets, loadDataset, packageRoot } from '../../src/data/index.js';
import { catchCohortErrorAsync, temporaryDirectory } from './helpers.js';

describe('bundled data sets', () => {
  it('lists breast-cancer, digits and iris with facts that match the loaded files', async () => {
    const listed = listBundledDatasets();
    expect(listed.map((d) => d.name)).toEqual(['breast-cancer', 'digits', 'iris']);
    for (const info of listed) {
      const { data, predefinedTest } = await loadDataset(info.name);
      expect(predefinedTest).toBeUndefined();
      expect([data.name, data.numExamples, data.numFeatures, data.numClasses]).toEqual([info.name, info.examples, info.features, info.classes]);
      expect(info.description.length).toBeGreaterThan(0);
      expect(info.source).toMatch(/UCI/);
    }
  });

  it('reads breast-cancer as the provenance note describes it (benign 357 / malignant 212)', async () => {
    const { data } = await loadDataset('breast-cancer');
    expect(data.classNames).toEqual(['benign', 'malignant']);
    expect(labelCounts(data)).toEqual([357, 212]);
    expect(data.featureNames[0]).toBe('radius_mean');
    expect(data.featureNames).not.toContain('diagnosis');
    expect(data.features[0]).toBeCloseTo(17.99, 5); // first row of the file, a malignant case
    expect(data.labels[0]).toBe(1);
  });

  it('reads the headerless digits file through its descriptor as 8×8 images', async () => {
    const { data } = await loadDataset('digits');
    expect(data.exampleShape).toEqual([8, 8, 1]);
    expect(data.featureNames[9]).toBe('pixel_1_1');
    expect(Array.from(data.features.subarray(0, 8))).toEqual([0, 0, 5, 13, 9, 1, 0, 0]); // the file's first row
    expect(data.labels[0]).toBe(0);
    expect(data.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('reads iris with 50 examples of each species', async () => {
    const { data } = await loadDataset('iris');
    expect(data.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(labelCounts(data)).toEqual([50, 50, 50]);
  });

  it('finds the package root by its package.json and the files in data/', () => {
    const root = packageRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('cohort');
    expect(existsSync(bundledDataPath('iris.csv'))).toBe(true);
    expect(readFileSync(join(root, 'data', 'README.md'), 'utf8')).toContain('Wolberg, Street, Mangasarian 1995');
  });
});

describe('loadDataset', () => {
  it('names --data, the bad value and the bundled names for an unknown data set', async () => {
    const error = await catchCohortErrorAsync(() => loadDataset('mnist'));
    expect(error.code).toBe('UNKNOWN_DATASET');
    expect(error.subject).toBe('--data');
    expect(error.message).toBe('unknown data set "mnist": use one of breast-cancer, digits, iris, csv:PATH or idx:DIR');
    expect((await catchCohortErrorAsync(() => loadDataset('csv:'))).subject).toBe('--data');
    expect((await catchCohortErrorAsync(() => loadDataset(''))).subject).toBe('--data');
  });

  it('loads csv:PATH with --label, and reports missing files and columns', async () => {
    const dir = temporaryDirectory();
    const path = join(dir, 'patients.csv');
    writeFileSync(path, 'age,outcome,dose\n50,yes,1\n60,no,2\n');
    const { data } = await loadDataset(`csv:${path}`, { label: 'outcome' });
    expect(data.name).toBe('patients');
    expect(data.featureNames).toEqual(['age', 'dose']);
    expect(data.classNames).toEqual(['no', 'yes']);

    const missing = await catchCohortErrorAsync(() => loadDataset(`csv:${join(dir, 'absent.csv')}`));
    expect(missing.code).toBe('FILE_NOT_FOUND');
    expect(missing.message).toContain('absent.csv');

    const column = await catchCohortErrorAsync(() => loadDataset('iris', { label: 'species' }));
    expect(column.subject).toBe('--label');
    expect(column.message).toContain('columns: sepal_length, sepal_width, petal_length, petal_width, label');
  });
});
