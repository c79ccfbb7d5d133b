// The naive reference for per-sample clipping: one tf.grads call per example, clipped and summed in float64.
import * as tf from '@tensorflow/tfjs-core';
import { forwardLogits, type TfModel } from '../../../src/ml/index.js';
import { summedCrossEntropy } from '../../../src/ml/dp-sgd/index.js';
import type { Dataset } from '../../../src/data/dataset.js';

export interface NaiveClipping {
  /** Σ clip(∇ℓ_i), one Float64Array per parameter tensor. */
  readonly sums: Float64Array[];
  /** ‖∇ℓ_i‖ before clipping. */
  readonly norms: number[];
}

/** Per-example gradients of `model` on rows `indices` of `data` (float64 copies). */
export function perExampleGradients(model: TfModel, data: Dataset, indices: readonly number[]): Float64Array[][] {
  const d = data.numFeatures;
  const variables = model.trainableVariables;
  return indices.map((i) => {
    let gradients: Float64Array[] = [];
    tf.tidy(() => {
      const x = tf.tensor2d(data.features.slice(i * d, (i + 1) * d), [1, d]);
      const y = tf.cast(tf.oneHot(tf.tensor1d([data.labels[i] as number], 'int32'), data.numClasses), 'float32') as tf.Tensor2D;
      const grads = tf.grads((...params: tf.Tensor[]) => summedCrossEntropy(forwardLogits(model.architecture, params, x, true), y))([...variables]);
      gradients = grads.map((g) => Float64Array.from(g.dataSync()));
    });
    return gradients;
  });
}

export function naiveClippedSum(model: TfModel, data: Dataset, indices: readonly number[], clippingNorm: number): NaiveClipping {
  const perExample = perExampleGradients(model, data, indices);
  const sums = model.trainableVariables.map((v) => new Float64Array(v.size));
  const norms: number[] = [];
  for (const gradients of perExample) {
    let squared = 0;
    for (const g of gradients) for (const value of g) squared += value * value;
    const norm = Math.sqrt(squared);
    norms.push(norm);
    const factor = Math.min(1, clippingNorm / norm);
    gradients.forEach((g, k) => {
      const sum = sums[k] as Float64Array;
      for (let j = 0; j < g.length; j++) sum[j] = (sum[j] as number) + factor * (g[j] as number);
    });
  }
  return { sums, norms };
}

/** ‖a − b‖₂ / ‖b‖₂. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let difference = 0;
  let reference = 0;
  for (let j = 0; j < a.length; j++) {
    difference += ((a[j] as number) - (b[j] as number)) ** 2;
    reference += (b[j] as number) ** 2;
  }
  return Math.sqrt(difference) / Math.sqrt(reference);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
