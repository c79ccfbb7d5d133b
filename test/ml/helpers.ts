// Small synthetic data sets and plain-JS references for the ml tests.
import { SeededRandom } from '../../src/crypto/random.js';
import type { Dataset } from '../../src/data/dataset.js';

export function dataset(features: Float32Array, labels: Int32Array, numFeatures: number, numClasses: number, exampleShape?: number[]): Dataset {
  return {
    name: 'synthetic',
    features,
    labels,
    numExamples: labels.length,
    numFeatures,
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, c) => `class${c}`),
    featureNames: Array.from({ length: numFeatures }, (_, j) => `x${j}`),
    ...(exampleShape === undefined ? {} : { exampleShape }),
  };
}

/** Uniform values in [−1, 1). */
export function uniformArray(length: number, rng: SeededRandom): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = 2 * rng.uniform() - 1;
  return out;
}

/** Standard normal draws (Box–Muller). */
export function gaussian(rng: SeededRandom): number {
  const u = 1 - rng.uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}

/** Two Gaussian blobs in `numFeatures` dimensions whose means are `separation` apart: linearly separable w.h.p. */
export function blobs(examples: number, numFeatures: number, separation: number, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const features = new Float32Array(examples * numFeatures);
  const labels = new Int32Array(examples);
  for (let i = 0; i < examples; i++) {
    const label = i % 2;
    labels[i] = label;
    for (let j = 0; j < numFeatures; j++) {
      const centre = j === 0 ? (label === 1 ? separation / 2 : -separation / 2) : 0;
      features[i * numFeatures + j] = centre + gaussian(rng);
    }
  }
  return dataset(features, labels, numFeatures, 2);
}

/** XOR of the signs of two uniform features: no linear model beats ~50 %, an MLP can. */
export function xor(examples: number, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const features = new Float32Array(examples * 2);
  const labels = new Int32Array(examples);
  for (let i = 0; i < examples; i++) {
    const a = 2 * rng.uniform() - 1;
    const b = 2 * rng.uniform() - 1;
    features[2 * i] = a;
    features[2 * i + 1] = b;
    labels[i] = a * b > 0 ? 1 : 0;
  }
  return dataset(features, labels, 2, 2);
}

/** 8×8 images with a bright horizontal (class 0) or vertical (class 1) bar plus noise. */
export function bars(examples: number, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const features = new Float32Array(examples * 64);
  const labels = new Int32Array(examples);
  for (let i = 0; i < examples; i++) {
    const label = i % 2;
    labels[i] = label;
    const line = rng.uniformInt(8);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const on = label === 0 ? y === line : x === line;
        features[i * 64 + y * 8 + x] = (on ? 1 : 0) + 0.2 * gaussian(rng);
      }
    }
  }
  return dataset(features, labels, 64, 2, [8, 8, 1]);
}

/** Row-major float64 matmul of [m×k]·[k×n]. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p] as number;
      for (let j = 0; j < n; j++) out[i * n + j] = (out[i * n + j] as number) + aip * (b[p * n + j] as number);
    }
  }
  return out;
}

/** Transpose of a row-major [rows×cols] matrix. */
export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j] as number;
  return out;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
