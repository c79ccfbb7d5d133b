// Small builders shared by the data-layer tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../../src/data/index.js';
import { CohortError } from '../../src/errors.js';

/** A data set with the given labels and one feature equal to the example's index. */
export function datasetWithLabels(labels: readonly number[], numClasses: number, name = 'synthetic'): Dataset {
  return {
    name,
    features: Float32Array.from(labels, (_, i) => i),
    labels: Int32Array.from(labels),
    numExamples: labels.length,
    numFeatures: 1,
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, c) => `class${c}`),
    featureNames: ['index'],
  };
}

export function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'cohort-data-test-'));
}

/** Runs `fn`, expecting a CohortError, and returns it. */
export function catchCohortError(fn: () => unknown): CohortError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CohortError) return error;
    throw error;
  }
  throw new Error('expected a CohortError, nothing was thrown');
}

export async function catchCohortErrorAsync(fn: () => Promise<unknown>): Promise<CohortError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof CohortError) return error;
    throw error;
  }
  throw new Error('expected a CohortError, nothing was thrown');
}
