/** The Model interface on TensorFlow.js variables. */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset.js';
import { CohortError, check } from '../errors.js';
import { buildArchitecture, type Architecture, type ModelShape } from './architecture.js';
import { initBackend } from './backend.js';
import { initialWeights } from './init.js';
import { computeMetrics } from './metrics.js';
import type { Metrics, Model, ModelSpec, TrainOptions, TrainResult } from './model.js';
import { predictProbabilities, splitIntoTensors, trainVariables } from './train-loop.js';

export interface CreateModelOptions {
  /** Seed of the weight initialisation: the same seed gives identical weights. */
  readonly seed: number;
}

export class TfModel implements Model {
  readonly spec: ModelSpec;
  readonly shape: ModelShape;
  readonly architecture: Architecture;
  readonly numParameters: number;
  private readonly variables: tf.Variable[];
  private disposed = false;

  /** Use `createModel`, which also initialises the backend. */
  constructor(architecture: Architecture, weights: Float32Array) {
    this.architecture = architecture;
    this.spec = architecture.spec;
    this.shape = architecture.shape;
    this.numParameters = architecture.numParameters;
    this.checkWeights(weights);
    this.variables = splitIntoTensors(architecture, weights).map((tensor) => {
      const variable = tf.variable(tensor, true);
      tensor.dispose();
      return variable;
    });
  }

  /** All trainable weights: layer order, kernel then bias, each tensor row-major (see docs/models.md). */
  getWeights(): Float32Array {
    this.checkAlive();
    const out = new Float32Array(this.numParameters);
    let offset = 0;
    for (const variable of this.variables) {
      const values = variable.dataSync() as Float32Array;
      out.set(values, offset);
      offset += values.length;
    }
    return out;
  }

  setWeights(weights: Float32Array): void {
    this.checkAlive();
    this.checkWeights(weights);
    const tensors = splitIntoTensors(this.architecture, weights);
    this.variables.forEach((variable, i) => variable.assign(tensors[i] as tf.Tensor));
    for (const tensor of tensors) tensor.dispose();
  }

  async train(data: Dataset, options: TrainOptions): Promise<TrainResult> {
    this.checkAlive();
    return trainVariables(this.architecture, this.variables, data, options);
  }

  async evaluate(data: Dataset): Promise<Metrics> {
    const probabilities = await this.predict(data);
    return computeMetrics(probabilities, data.labels, this.shape.numClasses);
  }

  /** Class probabilities, row-major [data.numExamples × numClasses]. */
  async predict(data: Dataset): Promise<Float32Array> {
    this.checkAlive();
    return predictProbabilities(this.architecture, this.variables, data);
  }

  /** The trainable variables (read-only use: e.g. attacks or DP-SGD that need tensors). */
  get trainableVariables(): readonly tf.Variable[] {
    this.checkAlive();
    return this.variables;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const variable of this.variables) variable.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private checkWeights(weights: Float32Array): void {
    check(weights instanceof Float32Array, 'weights', Object.prototype.toString.call(weights), 'a Float32Array');
    check(weights.length === this.numParameters, 'weights.length', weights.length, `the model's numParameters = ${this.numParameters}`);
  }

  private checkAlive(): void {
    if (this.disposed) throw new CohortError('INVALID_ARGUMENT', 'model has been disposed', { subject: 'model' });
  }
}

/**
 * Builds a model with seeded Glorot-uniform kernels and zero biases. Initialises the backend
 * (default choice) if no one has yet.
 */
export async function createModel(spec: ModelSpec, shape: ModelShape, options: CreateModelOptions): Promise<TfModel> {
  check(typeof options === 'object' && options !== null, 'options', options, 'an object with a seed');
  check(Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32, 'seed', options.seed, 'an integer in [0, 2^32)');
  const architecture = buildArchitecture(spec, shape);
  await initBackend();
  return new TfModel(architecture, initialWeights(architecture, options.seed));
}
