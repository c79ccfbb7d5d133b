import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CohortError } from '../../src/errors.js';
import { computeMetrics, LOG_EPSILON, rocAuc } from '../../src/ml/index.js';

/** Binary probabilities [1−s, s] for scores s. */
function binary(scores: number[]): Float32Array {
  return Float32Array.from(scores.flatMap((s) => [1 - s, s]));
}

/** AUC by definition: P(score of a positive > score of a negative) + ½ P(tie), over all pairs. */
function pairwiseAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((sn, j) => {
      if (labels[j] === 1) return;
      pairs += 1;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('rocAuc', () => {
  it('matches the scikit-learn roc_auc_score documentation example (0.75)', () => {
    // scikit-learn docs, sklearn.metrics.roc_auc_score: y_true [0,0,1,1], scores [0.1,0.4,0.35,0.8] → 0.75
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
  });

  it('counts a tied positive/negative pair as one half', () => {
    // pairs: (0.6 vs 0.2) 1, (0.6 vs 0.6) ½, (0.9 vs 0.2) 1, (0.9 vs 0.6) 1 → 3.5 / 4
    expect(rocAuc([0.2, 0.6, 0.6, 0.9], [0, 0, 1, 1])).toBeCloseTo(0.875, 12);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBeCloseTo(0.5, 12);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, undefined with one class', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeUndefined();
    expect(rocAuc([0.1, 0.2], [0, 0])).toBeUndefined();
  });

  it('equals the pairwise definition, and reversing the scores gives 1 − AUC (property)', () => {
    const sample = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 40 })
      .filter((rows) => rows.some(([, y]) => y === 1) && rows.some(([, y]) => y === 0));
    fc.assert(
      fc.property(sample, (rows) => {
        // Scores drawn from 7 levels, so ties are frequent.
        const scores = rows.map(([s]) => s / 6);
        const labels = rows.map(([, y]) => y);
        const auc = rocAuc(scores, labels) as number;
        expect(auc).toBeCloseTo(pairwiseAuc(scores, labels), 12);
        expect(rocAuc(scores.map((s) => -s), labels) as number).toBeCloseTo(1 - auc, 12);
      }),
    );
  });
});

describe('computeMetrics', () => {
  it('binary: accuracy, loss, AUC and recall by hand', () => {
    const metrics = computeMetrics(binary([0.1, 0.4, 0.35, 0.8]), Int32Array.from([0, 0, 1, 1]), 2);
    // predictions (p1 > p0): 0, 0, 0, 1 → correct: 1, 1, 0, 1
    expect(metrics.accuracy).toBe(0.75);
    expect(metrics.examples).toBe(4);
    expect(metrics.perClassRecall).toEqual([1, 0.5]);
    expect(metrics.auc).toBeCloseTo(0.75, 12);
    const expectedLoss = -(Math.log(0.9) + Math.log(0.6) + Math.log(Math.fround(0.35)) + Math.log(0.8)) / 4;
    expect(metrics.loss).toBeCloseTo(expectedLoss, 6);
  });

  it('three classes: per-class recall, NaN for an absent class, no AUC', () => {
    // labels 0,0,1,1 (class 2 absent); predicted argmax 0,1,1,2
    const probabilities = Float32Array.from([0.7, 0.2, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8, 0.1, 0.2, 0.3, 0.5]);
    const metrics = computeMetrics(probabilities, Int32Array.from([0, 0, 1, 1]), 3);
    expect(metrics.accuracy).toBe(0.5);
    expect(metrics.perClassRecall[0]).toBe(0.5);
    expect(metrics.perClassRecall[1]).toBe(0.5);
    expect(metrics.perClassRecall[2]).toBeNaN();
    expect(metrics.auc).toBeUndefined();
  });

  it('clips zero probabilities so a confident miss costs −ln ε, and breaks argmax ties towards the first class', () => {
    const metrics = computeMetrics(Float32Array.from([1, 0, 0.5, 0.5]), Int32Array.from([1, 0]), 2);
    expect(metrics.loss).toBeCloseTo((-Math.log(LOG_EPSILON) - Math.log(0.5)) / 2, 6);
    expect(metrics.accuracy).toBe(0.5); // row 2 ties → class 0 = its label
  });

  it('rejects mismatched lengths, out-of-range labels and too few classes', () => {
    const expectError = (f: () => unknown, pattern: RegExp): void => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(CohortError);
        expect((error as CohortError).code).toBe('INVALID_ARGUMENT');
        expect((error as Error).message).toMatch(pattern);
        return;
      }
      throw new Error('expected a CohortError');
    };
    expectError(() => computeMetrics(new Float32Array(3), Int32Array.from([0, 1]), 2), /probabilities\.length.*got 3/);
    expectError(() => computeMetrics(new Float32Array(4), Int32Array.from([0, 2]), 2), /labels\[1\].*got 2/);
    expectError(() => computeMetrics(new Float32Array(2), Int32Array.from([0]), 1), /numClasses.*got 1/);
    expectError(() => computeMetrics(new Float32Array(0), new Int32Array(0), 2), /labels\.length/);
  });
});
