/**
 * Weighted mean of equally long vectors, the aggregation step of FedAvg (McMahan et al. 2017,
 * "Communication-Efficient Learning of Deep Networks from Decentralized Data", Algorithm 1:
 * w ← Σ_k (n_k / n) · w_k with n = Σ_k n_k).
 *
 * Sums are accumulated in float64 and rounded to float32 once at the end, so the result is the
 * float64 weighted mean rounded to the nearest float32 (no float32 drift however many clients).
 * The work is blocked so that the float64 accumulator stays in the L1 cache while every input
 * vector streams through it once.
 */
import { checkVectors, checkWeights } from './validate.js';

/** Elements per block: 4096 float64 = 32 KiB, the accumulator block stays in L1. */
const BLOCK = 4096;

/** Σ_k weights[k] · vectors[k] / Σ_k weights[k], element-wise. Weights must be finite and > 0. */
export function weightedMean(vectors: readonly Float32Array[], weights: readonly number[]): Float32Array {
  const length = checkVectors(vectors);
  const total = checkWeights(weights, vectors.length);
  const out = new Float32Array(length);
  accumulate(vectors, weights, total, out);
  return out;
}

/** Σ_k weights[k] · vectors[k], element-wise (float64 accumulation). Weights must be finite and > 0. */
export function weightedSum(vectors: readonly Float32Array[], weights: readonly number[]): Float32Array {
  const length = checkVectors(vectors);
  checkWeights(weights, vectors.length);
  const out = new Float32Array(length);
  accumulate(vectors, weights, 1, out);
  return out;
}

/** The unweighted mean (1/K) Σ_k vectors[k]. */
export function mean(vectors: readonly Float32Array[]): Float32Array {
  return weightedMean(vectors, new Array<number>(vectors.length).fill(1));
}

/**
 * out[i] = round32( (Σ_k weights[k]·vectors[k][i]) / divisor ). Division (not multiplication by a
 * rounded reciprocal) keeps the result correctly rounded from the float64 sum; `divisor` = 1
 * skips it.
 */
function accumulate(
  vectors: readonly Float32Array[],
  weights: readonly number[],
  divisor: number,
  out: Float32Array,
): void {
  const length = out.length;
  const count = vectors.length;
  const acc = new Float64Array(Math.min(BLOCK, length));
  for (let start = 0; start < length; start += BLOCK) {
    const end = Math.min(length, start + BLOCK);
    const size = end - start;
    acc.fill(0, 0, size);
    // Four input vectors per pass cut the accumulator traffic; the sum stays in float64.
    let k = 0;
    for (; k + 3 < count; k += 4) {
      const a = vectors[k] as Float32Array;
      const b = vectors[k + 1] as Float32Array;
      const c = vectors[k + 2] as Float32Array;
      const d = vectors[k + 3] as Float32Array;
      const wa = weights[k] as number;
      const wb = weights[k + 1] as number;
      const wc = weights[k + 2] as number;
      const wd = weights[k + 3] as number;
      for (let i = 0, j = start; i < size; i++, j++) {
        acc[i] =
          (acc[i] as number) +
          (wa * (a[j] as number) + wb * (b[j] as number) + (wc * (c[j] as number) + wd * (d[j] as number)));
      }
    }
    for (; k < count; k++) {
      const a = vectors[k] as Float32Array;
      const wa = weights[k] as number;
      for (let i = 0, j = start; i < size; i++, j++) acc[i] = (acc[i] as number) + wa * (a[j] as number);
    }
    if (divisor === 1) {
      for (let i = 0; i < size; i++) out[start + i] = acc[i] as number;
    } else {
      for (let i = 0; i < size; i++) out[start + i] = (acc[i] as number) / divisor;
    }
  }
}
