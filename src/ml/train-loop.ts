/**
 * Local training: mini-batch gradient descent over seeded shuffles, softmax cross-entropy loss,
 * optional FedProx proximal term. Every step runs inside tf.tidy, so the number of live tensors
 * is the same before and after a call (checked in test/ml).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '../crypto/random.js';
import type { Dataset } from '../data/dataset.js';
import { CohortError, check } from '../errors.js';
import { forwardLogits, type Architecture } from './architecture.js';
import type { TrainOptions, TrainResult } from './model.js';
import { createOptimizer, disposeOptimizer, validateOptimizer } from './optimizer.js';

/** Batch size used for inference; large batches amortise per-kernel overhead. */
export const PREDICT_BATCH_SIZE = 1024;

export function validateData(architecture: Architecture, data: Dataset, name = 'data'): void {
  check(typeof data === 'object' && data !== null, name, data, 'a Dataset');
  const { numFeatures, numClasses } = architecture.shape;
  check(data.numFeatures === numFeatures, `${name}.numFeatures`, data.numFeatures, `equal to the model's ${numFeatures}`);
  check(Number.isInteger(data.numExamples) && data.numExamples >= 1, `${name}.numExamples`, data.numExamples, 'at least 1');
  check(data.features.length === data.numExamples * numFeatures, `${name}.features.length`, data.features.length, `numExamples × numFeatures = ${data.numExamples * numFeatures}`);
  check(data.labels.length === data.numExamples, `${name}.labels.length`, data.labels.length, `numExamples = ${data.numExamples}`);
  for (let i = 0; i < data.labels.length; i++) {
    const label = data.labels[i] as number;
    if (!(label >= 0 && label < numClasses)) {
      throw new CohortError('INVALID_DATA', `${name}.labels[${i}] = ${label} is outside the model's classes [0, ${numClasses})`, { subject: name });
    }
  }
}

export function validateTrainOptions(options: TrainOptions, numParameters: number): void {
  check(typeof options === 'object' && options !== null, 'options', options, 'an object');
  check(Number.isInteger(options.epochs) && options.epochs >= 1, 'epochs', options.epochs, 'a positive integer');
  check(Number.isInteger(options.batchSize) && options.batchSize >= 1, 'batchSize', options.batchSize, 'a positive integer');
  check(Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32, 'seed', options.seed, 'an integer in [0, 2^32)');
  validateOptimizer(options.optimizer);
  if (options.proximal !== undefined) {
    const { mu, anchor } = options.proximal;
    check(Number.isFinite(mu) && mu >= 0, 'mu', mu, 'a finite number ≥ 0');
    check(anchor instanceof Float32Array, 'proximal.anchor', typeof anchor, 'a Float32Array');
    check(anchor.length === numParameters, 'proximal.anchor.length', anchor.length, `the model's numParameters = ${numParameters}`);
  }
}

/** Softmax cross-entropy, mean over the batch: −(1/B) Σᵢ log softmax(zᵢ)[yᵢ]. */
export function crossEntropyLoss(logits: tf.Tensor2D, oneHotLabels: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHotLabels, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Trains `variables` in place. */
export function trainVariables(
  architecture: Architecture,
  variables: readonly tf.Variable[],
  data: Dataset,
  options: TrainOptions,
): TrainResult {
  validateTrainOptions(options, architecture.numParameters);
  validateData(architecture, data);
  const n = data.numExamples;
  const d = data.numFeatures;
  const numClasses = architecture.shape.numClasses;
  const batchSize = Math.min(options.batchSize, n);
  const mu = options.proximal?.mu ?? 0;
  // μ = 0 adds nothing, so it takes exactly the plain path (FedProx with μ = 0 is FedAvg).
  const anchors = mu > 0 && options.proximal !== undefined ? splitIntoTensors(architecture, options.proximal.anchor) : [];
  const optimizer = createOptimizer(options.optimizer);
  const rng = new SeededRandom(options.seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const batchFeatures = new Float32Array(batchSize * d);
  const batchLabels = new Int32Array(batchSize);
  let steps = 0;
  let lastEpochLoss = 0;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      shuffle(order, rng);
      let lossSum = 0;
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        for (let k = 0; k < size; k++) {
          const i = order[start + k] as number;
          batchFeatures.set(data.features.subarray(i * d, (i + 1) * d), k * d);
          batchLabels[k] = data.labels[i] as number;
        }
        const loss = trainStep(architecture, variables, optimizer, batchFeatures.subarray(0, size * d), batchLabels.subarray(0, size), numClasses, mu, anchors);
        lossSum += loss * size;
        steps += 1;
      }
      lastEpochLoss = lossSum / n;
    }
  } finally {
    disposeOptimizer(optimizer);
    for (const anchor of anchors) anchor.dispose();
  }
  return { examples: n, steps, loss: lastEpochLoss };
}

/** One step; returns the batch's mean data loss (before the update, the proximal term excluded). */
function trainStep(
  architecture: Architecture,
  variables: readonly tf.Variable[],
  optimizer: tf.Optimizer,
  features: Float32Array,
  labels: Int32Array,
  numClasses: number,
  mu: number,
  anchors: readonly tf.Tensor[],
): number {
  const lossTensor = tf.tidy(() => {
    const x = tf.tensor2d(features, [labels.length, features.length / labels.length]);
    const y = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), 'float32') as tf.Tensor2D;
    const { value, grads } = tf.variableGrads(() => crossEntropyLoss(forwardLogits(architecture, variables, x, true), y), variables as tf.Variable[]);
    if (mu > 0) {
      // FedProx (Li et al. 2020, "Federated Optimization in Heterogeneous Networks", eq. 2): the
      // local objective adds (μ/2)‖w − w_global‖², whose gradient is μ(w − w_global).
      variables.forEach((variable, i) => {
        const gradient = grads[variable.name] as tf.Tensor;
        grads[variable.name] = tf.add(gradient, tf.mul(mu, tf.sub(variable, anchors[i] as tf.Tensor)));
      });
    }
    optimizer.applyGradients(grads);
    return value;
  });
  const loss = (lossTensor.dataSync() as Float32Array)[0] as number;
  lossTensor.dispose();
  return loss;
}

/** Fisher–Yates shuffle (Durstenfeld 1964, Algorithm 235) driven by the seeded generator. */
export function shuffle(order: Int32Array, rng: SeededRandom): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.uniformInt(i + 1);
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
}

/** The flat weight layout cut into one tensor per parameter (caller disposes). */
export function splitIntoTensors(architecture: Architecture, flat: Float32Array): tf.Tensor[] {
  const tensors: tf.Tensor[] = [];
  let offset = 0;
  for (const parameter of architecture.parameters) {
    tensors.push(tf.tensor(flat.subarray(offset, offset + parameter.size), [...parameter.shape], 'float32'));
    offset += parameter.size;
  }
  return tensors;
}

/** Class probabilities, row-major [numExamples × numClasses]. */
export function predictProbabilities(architecture: Architecture, variables: readonly tf.Tensor[], data: Dataset): Float32Array {
  validateData(architecture, data);
  const { numExamples: n, numFeatures: d } = data;
  const numClasses = architecture.shape.numClasses;
  const out = new Float32Array(n * numClasses);
  for (let start = 0; start < n; start += PREDICT_BATCH_SIZE) {
    const size = Math.min(PREDICT_BATCH_SIZE, n - start);
    const probabilities = tf.tidy(() => {
      const x = tf.tensor2d(data.features.subarray(start * d, (start + size) * d), [size, d]);
      return tf.softmax(forwardLogits(architecture, variables, x, false));
    });
    out.set(probabilities.dataSync() as Float32Array, start * numClasses);
    probabilities.dispose();
  }
  return out;
}
