/** Classification metrics from predicted class probabilities. */
import { check } from '../errors.js';
import type { Metrics } from './model.js';

/** Probabilities are clipped to [ε, 1] before the log, as Keras does, so a confident miss costs −ln ε, not ∞. */
export const LOG_EPSILON = 1e-7;

/**
 * `probabilities` is row-major [examples × numClasses]. Returns accuracy (argmax, first index on
 * ties), mean cross-entropy −(1/n) Σ ln p(yᵢ), per-class recall (NaN for a class with no
 * examples) and, for two classes, ROC AUC (omitted when one class is absent).
 */
export function computeMetrics(probabilities: Float32Array, labels: Int32Array, numClasses: number): Metrics {
  check(Number.isInteger(numClasses) && numClasses >= 2, 'numClasses', numClasses, 'an integer ≥ 2');
  const n = labels.length;
  check(n >= 1, 'labels.length', n, 'at least 1');
  check(probabilities.length === n * numClasses, 'probabilities.length', probabilities.length, `labels.length × numClasses = ${n * numClasses}`);
  const counts = new Array<number>(numClasses).fill(0);
  const hits = new Array<number>(numClasses).fill(0);
  let correct = 0;
  let lossSum = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i] as number;
    check(Number.isInteger(label) && label >= 0 && label < numClasses, `labels[${i}]`, label, `an integer in [0, ${numClasses})`);
    const row = i * numClasses;
    let best = 0;
    for (let c = 1; c < numClasses; c++) {
      if ((probabilities[row + c] as number) > (probabilities[row + best] as number)) best = c;
    }
    counts[label] = (counts[label] as number) + 1;
    if (best === label) {
      correct += 1;
      hits[label] = (hits[label] as number) + 1;
    }
    const p = probabilities[row + label] as number;
    check(!Number.isNaN(p), `probabilities[${row + label}]`, p, 'a number');
    lossSum -= Math.log(Math.min(1, Math.max(LOG_EPSILON, p)));
  }
  const metrics: { -readonly [K in keyof Metrics]: Metrics[K] } = {
    accuracy: correct / n,
    loss: lossSum / n,
    perClassRecall: counts.map((count, c) => (count === 0 ? Number.NaN : (hits[c] as number) / count)),
    examples: n,
  };
  if (numClasses === 2) {
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) scores[i] = probabilities[i * 2 + 1] as number;
    const auc = rocAuc(scores, labels);
    if (auc !== undefined) metrics.auc = auc;
  }
  return metrics;
}

/**
 * ROC AUC as the Mann–Whitney statistic (Mann & Whitney 1947; Hanley & McNeil 1982, "The meaning
 * and use of the area under a ROC curve"): AUC = (R₁ − n₁(n₁+1)/2) / (n₁·n₀), where R₁ is the
 * sum of the positives' ranks among all scores, tied scores sharing their mean rank (so a tied
 * positive/negative pair counts ½). Undefined (returns undefined) without both classes.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | undefined {
  check(scores.length === labels.length, 'scores.length', scores.length, `equal to labels.length = ${labels.length}`);
  const n = scores.length;
  for (let i = 0; i < n; i++) check(!Number.isNaN(scores[i]), `scores[${i}]`, scores[i], 'a number');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end] as number] === scores[order[start] as number]) end += 1;
    const meanRank = (start + 1 + end) / 2; // ranks start..end-1 are 1-based start+1..end
    for (let k = start; k < end; k++) {
      if (labels[order[k] as number] === 1) {
        positives += 1;
        positiveRankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return undefined;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
