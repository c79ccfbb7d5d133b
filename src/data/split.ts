/**
 * A seeded train/test split, stratified by class by default so both parts keep the class mix.
 */
import { SeededRandom } from '../crypto/random.js';
import { check } from '../errors.js';
import { subset, type Dataset } from './dataset.js';
import { shuffleInPlace } from './sampling.js';

export interface SplitOptions {
  /** Fraction of examples that go to the test set, in (0, 1). */
  readonly testFraction: number;
  readonly seed: number;
  /** Keep each class's share in both parts (default true). */
  readonly stratify?: boolean;
}

export function trainTestSplit(data: Dataset, options: SplitOptions): { train: Dataset; test: Dataset } {
  const { testFraction, seed } = options;
  check(Number.isFinite(testFraction) && testFraction > 0 && testFraction < 1, 'testFraction', testFraction, 'a number in (0, 1)');
  check(data.numExamples >= 2, 'numExamples', data.numExamples, 'at least 2 to split');
  const rng = new SeededRandom(seed);
  const n = data.numExamples;
  const testSize = Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));

  const testIndices: number[] = [];
  const trainIndices: number[] = [];
  if (options.stratify ?? true) {
    const byClass = indicesByClass(data);
    const quotas = largestRemainder(
      byClass.map((indices) => indices.length),
      testSize,
    );
    byClass.forEach((indices, c) => {
      shuffleInPlace(indices, rng);
      const quota = quotas[c] as number;
      appendRange(testIndices, indices, 0, quota);
      appendRange(trainIndices, indices, quota, indices.length);
    });
  } else {
    const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), rng);
    appendRange(testIndices, order, 0, testSize);
    appendRange(trainIndices, order, testSize, n);
  }
  // Mix the classes so a model that reads the parts in order does not see one class at a time.
  shuffleInPlace(trainIndices, rng);
  shuffleInPlace(testIndices, rng);
  return { train: subset(data, trainIndices), test: subset(data, testIndices) };
}

/** Appends source[start..end) to target (a loop: spreading 100k+ values would overflow the stack). */
export function appendRange(target: number[], source: ArrayLike<number>, start: number, end: number): void {
  for (let i = start; i < end; i++) target.push(source[i] as number);
}

/** Example indices of each class, in data order. */
export function indicesByClass(data: Pick<Dataset, 'labels' | 'numClasses'>): number[][] {
  const byClass: number[][] = Array.from({ length: data.numClasses }, () => []);
  data.labels.forEach((label, i) => byClass[label]?.push(i));
  return byClass;
}

/**
 * Splits `total` into integer parts proportional to `weights` (Hamilton's largest-remainder
 * method): floors first, then one more to the largest fractional parts, ties to the lower index.
 */
export function largestRemainder(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  check(sum > 0, 'sum of weights', sum, 'positive');
  const exact = weights.map((w) => (w * total) / sum);
  const parts = exact.map(Math.floor);
  let missing = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (missing <= 0) break;
    parts[i] = (parts[i] as number) + 1;
    missing--;
  }
  return parts;
}
