/**
 * DP-SGD (Abadi, Chu, Goodfellow, McMahan, Mironov, Talwar & Zhang, CCS 2016, "Deep learning with
 * differential privacy", Algorithm 1) on a TfModel: per step, a Poisson-sampled batch, per-example
 * gradients clipped to ℓ2 norm C (clipped-gradients.ts), Gaussian noise N(0, σ²C²I) added to their
 * sum, and the update
 *     ĝ = (Σ_{i∈batch} clip(∇ℓ_i, C) + N(0, σ²C²I)) / (q·n),
 * divided by the EXPECTED batch size q·n rather than the realised one, which would itself depend on
 * the data (Opacus's DPOptimizer with loss_reduction="mean" divides by expected_batch_size the same
 * way; an empty batch then contributes noise only). ĝ goes to the chosen optimizer (SGD, momentum,
 * Adam), which is post-processing.
 *
 * This class does no accounting: it reports plain events {noiseMultiplier, sampleRate, steps}
 * that an accountant in dp/ composes (fl/private-training.ts does both).
 */
import * as tf from '@tensorflow/tfjs-core';
import { requireSecure, type RandomSource } from '../../crypto/random.js';
import type { Dataset } from '../../data/dataset.js';
import { CohortError, check } from '../../errors.js';
import type { OptimizerSpec } from '../model.js';
import { createOptimizer, disposeOptimizer, validateOptimizer } from '../optimizer.js';
import type { TfModel } from '../tf-model.js';
import { validateData } from '../train-loop.js';
import { poissonBatch, randomOrder } from './batch-sampling.js';
import { clippedGradientSum, planClipping, type ClippingOptions, type ClippingPlan } from './clipped-gradients.js';
import { createGaussianNoise, type GaussianNoiseSource, type NoiseConstruction } from './gaussian-noise.js';

export type BatchSampling = 'poisson' | 'shuffle';

export interface DpSgdOptions {
  /** σ: the noise's standard deviation is σ·C. 0 adds no noise (experiments only: no privacy). */
  readonly noiseMultiplier: number;
  /** C: the ℓ2 bound on each example's gradient. */
  readonly clippingNorm: number;
  /** q: each example joins a batch with this probability (expected batch size q·n). */
  readonly sampleRate: number;
  readonly optimizer: OptimizerSpec;
  /**
   * 'poisson' (default, what the accountants analyse) or 'shuffle': fixed batches of round(q·n)
   * from a shuffled order, NOT covered by the Poisson analysis (docs/dp-sgd.md).
   */
  readonly sampling?: BatchSampling;
  /** How per-example gradients are clipped (default: ghost norms, per-example fallback with a warning). */
  readonly clipping?: Omit<ClippingOptions, 'clippingNorm' | 'scale'>;
  /**
   * Randomness for batch sampling and (inline) noise. Default: the platform CSPRNG, with noise from
   * a background worker. A SeededRandom is accepted in tests only (requireSecure).
   */
  readonly rng?: RandomSource;
  /** A noise source to use instead of creating one (the caller closes it); any standard deviation. */
  readonly noise?: GaussianNoiseSource;
  /** Noise construction when the trainer creates the source (default 'plain'). */
  readonly noiseConstruction?: NoiseConstruction;
  /**
   * Default true: the trainer's noise comes from a worker thread where the platform has one. False
   * generates it on the training thread (e.g. when many trainers already run in worker threads).
   */
  readonly backgroundNoise?: boolean;
  /** Read each step's clipped fraction back (one small sync per step). */
  readonly diagnostics?: boolean;
}

export interface DpSgdStepResult {
  /** Examples in this step's batch (Poisson: varies, may be 0). Data-dependent: not for release. */
  readonly batchSize: number;
  /** With `diagnostics`: the fraction of the batch's examples whose gradient was clipped. Not for release. */
  readonly clippedFraction?: number;
}

/** What happened, for an accountant: the same shape as dp/'s poisson-gaussian event. */
export interface DpSgdPrivacyEvent {
  readonly kind: 'poisson-gaussian';
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  readonly steps: number;
}

export function validateDpSgdOptions(options: DpSgdOptions): void {
  check(typeof options === 'object' && options !== null, 'options', options, 'an object');
  check(Number.isFinite(options.noiseMultiplier) && options.noiseMultiplier >= 0, 'noiseMultiplier', options.noiseMultiplier, 'a finite number ≥ 0');
  check(Number.isFinite(options.clippingNorm) && options.clippingNorm > 0, 'clippingNorm', options.clippingNorm, 'a finite number > 0');
  check(typeof options.sampleRate === 'number' && options.sampleRate > 0 && options.sampleRate <= 1, 'sampleRate', options.sampleRate, 'in (0, 1]');
  validateOptimizer(options.optimizer);
  const sampling = options.sampling ?? 'poisson';
  check(sampling === 'poisson' || sampling === 'shuffle', 'sampling', sampling, '"poisson" or "shuffle"');
}

/** ‖x_i‖² of each row, summed in float64. */
function squaredRowNorms(data: Dataset): Float32Array {
  const d = data.numFeatures;
  const out = new Float32Array(data.numExamples);
  for (let i = 0; i < data.numExamples; i++) {
    let sum = 0;
    for (let j = i * d; j < (i + 1) * d; j++) sum += (data.features[j] as number) ** 2;
    out[i] = sum;
  }
  return out;
}

/** The divisor of the noisy sum and the steps per epoch, for a sampling scheme. */
export function batchGeometry(numExamples: number, sampleRate: number, sampling: BatchSampling): { expectedBatchSize: number; stepsPerEpoch: number } {
  if (sampling === 'poisson') return { expectedBatchSize: sampleRate * numExamples, stepsPerEpoch: Math.max(1, Math.round(1 / sampleRate)) };
  const expectedBatchSize = Math.max(1, Math.round(sampleRate * numExamples));
  return { expectedBatchSize, stepsPerEpoch: Math.max(1, Math.floor(numExamples / expectedBatchSize)) };
}

export class DpSgdTrainer {
  readonly noiseMultiplier: number;
  readonly clippingNorm: number;
  readonly sampleRate: number;
  readonly sampling: BatchSampling;
  /** The divisor of the noisy sum: q·n (Poisson) or the fixed batch size (shuffle). */
  readonly expectedBatchSize: number;
  /** Steps that make one pass over the data on average: round(1/q) (Poisson) or ⌊n/B⌋ (shuffle). */
  readonly stepsPerEpoch: number;
  /** The clipping path ('ghost' or 'per-example') and why, if it is not the one asked for. */
  readonly plan: ClippingPlan;
  private stepCount = 0;
  private readonly optimizer: tf.Optimizer;
  private readonly rng: RandomSource;
  private readonly clipping: ClippingOptions;
  private features = new Float32Array(0);
  private labels = new Int32Array(0);
  private squaredNorms = new Float32Array(0);
  /** ‖x_i‖² of every example: constants of the data, used by a first dense layer's ghost norms. */
  private readonly exampleSquaredNorms: Float32Array;
  private order: Int32Array | undefined;
  private cursor = 0;
  private closed = false;

  private constructor(
    private readonly model: TfModel,
    private readonly data: Dataset,
    private readonly options: DpSgdOptions,
    private readonly noise: GaussianNoiseSource,
    private readonly ownsNoise: boolean,
  ) {
    this.noiseMultiplier = options.noiseMultiplier;
    this.clippingNorm = options.clippingNorm;
    this.sampleRate = options.sampleRate;
    this.sampling = options.sampling ?? 'poisson';
    this.rng = requireSecure(options.rng, 'DP-SGD batch sampling');
    const { expectedBatchSize, stepsPerEpoch } = batchGeometry(data.numExamples, options.sampleRate, this.sampling);
    this.expectedBatchSize = expectedBatchSize;
    this.stepsPerEpoch = stepsPerEpoch;
    this.clipping = { ...options.clipping, clippingNorm: options.clippingNorm, scale: 1 / expectedBatchSize };
    this.plan = planClipping(model.architecture, this.clipping);
    this.optimizer = createOptimizer(options.optimizer);
    this.exampleSquaredNorms = squaredRowNorms(data);
  }

  /** Validates everything, then prepares the noise source (a worker thread by default, in Node). */
  static async create(model: TfModel, data: Dataset, options: DpSgdOptions): Promise<DpSgdTrainer> {
    check(typeof model === 'object' && model !== null && 'architecture' in model, 'model', model, 'a TfModel');
    validateDpSgdOptions(options);
    validateData(model.architecture, data);
    planClipping(model.architecture, { ...options.clipping, clippingNorm: options.clippingNorm }); // throws before a worker starts
    if (options.noise !== undefined) {
      check(options.noise.blockLength === model.numParameters, 'noise.blockLength', options.noise.blockLength, `the model's numParameters = ${model.numParameters}`);
    }
    const { expectedBatchSize } = batchGeometry(data.numExamples, options.sampleRate, options.sampling ?? 'poisson');
    const noise =
      options.noise ??
      (await createGaussianNoise({
        blockLength: model.numParameters,
        // σ·C/(q·n): the noise arrives already scaled.
        standardDeviation: options.noiseMultiplier > 0 ? (options.noiseMultiplier * options.clippingNorm) / expectedBatchSize : 1,
        ...(options.rng === undefined ? {} : { rng: options.rng }),
        ...(options.noiseConstruction === undefined ? {} : { construction: options.noiseConstruction }),
        ...(options.backgroundNoise === undefined ? {} : { background: options.backgroundNoise }),
      }));
    return new DpSgdTrainer(model, data, options, noise, options.noise === undefined);
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.stepCount;
  }

  /** The privacy event of every step so far (sampleRate is q as configured, for both samplings). */
  get privacyEvent(): DpSgdPrivacyEvent {
    return { kind: 'poisson-gaussian', noiseMultiplier: this.noiseMultiplier, sampleRate: this.sampleRate, steps: this.stepCount };
  }

  /** True when the noise is generated off the training thread. */
  get backgroundNoise(): boolean {
    return this.noise.background;
  }

  /** One DP-SGD step: sample, clip, noise, update. */
  async step(): Promise<DpSgdStepResult> {
    if (this.closed) throw new CohortError('INVALID_ARGUMENT', 'DP-SGD trainer has been closed', { subject: 'trainer' });
    const batch = this.nextBatch();
    const noise = this.noiseMultiplier > 0 ? await this.noise.nextBlock() : undefined;
    let norms: tf.Tensor1D | undefined;
    try {
      norms = this.update(batch, noise);
    } finally {
      // After the update's tidy: no tensor refers to the block any more.
      if (noise !== undefined) this.noise.recycle(noise);
    }
    this.stepCount += 1;
    if (norms === undefined) return { batchSize: batch.length, ...(this.options.diagnostics ? { clippedFraction: 0 } : {}) };
    const values = norms.dataSync() as Float32Array;
    norms.dispose();
    let clipped = 0;
    for (const norm of values) if (norm > this.clippingNorm) clipped += 1;
    return { batchSize: batch.length, clippedFraction: clipped / values.length };
  }

  /** Frees the optimizer and, if the trainer created it, the noise source. The model stays. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    disposeOptimizer(this.optimizer);
    // The last batch's rows, labels and norms say which examples were drawn: do not leave them behind.
    this.features.fill(0);
    this.labels.fill(0);
    this.squaredNorms.fill(0);
    if (this.ownsNoise) await this.noise.close();
  }

  private nextBatch(): Int32Array {
    const n = this.data.numExamples;
    if (this.sampling === 'poisson') return poissonBatch(n, this.sampleRate, this.rng);
    const size = this.expectedBatchSize;
    if (this.order === undefined || this.cursor + size > n) {
      this.order = randomOrder(n, this.rng);
      this.cursor = 0;
    }
    const batch = this.order.slice(this.cursor, this.cursor + size);
    this.cursor += size;
    return batch;
  }

  /** Applies the noisy update; returns the batch's gradient norms when diagnostics are on. */
  private update(batch: Int32Array, noise: Float32Array | undefined): tf.Tensor1D | undefined {
    const { architecture } = this.model;
    const variables = this.model.trainableVariables;
    const d = this.data.numFeatures;
    const size = batch.length;
    if (this.labels.length < size) {
      this.features.fill(0);
      this.features = new Float32Array(size * d);
      this.labels = new Int32Array(size);
      this.squaredNorms = new Float32Array(size);
    }
    for (let k = 0; k < size; k++) {
      const i = batch[k] as number;
      this.features.set(this.data.features.subarray(i * d, (i + 1) * d), k * d);
      this.labels[k] = this.data.labels[i] as number;
      this.squaredNorms[k] = this.exampleSquaredNorms[i] as number;
    }
    // The sums arrive divided by q·n (clipping.scale); the noise should have σ·C/(q·n).
    const noiseFactor = (this.noiseMultiplier * this.clippingNorm) / this.expectedBatchSize / this.noise.standardDeviation;
    const result = tf.tidy(() => {
      let sums: tf.Tensor[];
      let norms: tf.Tensor1D | undefined;
      if (size > 0) {
        const x = tf.tensor2d(this.features.subarray(0, size * d), [size, d]);
        const y = tf.cast(tf.oneHot(tf.tensor1d(this.labels.subarray(0, size), 'int32'), architecture.shape.numClasses), 'float32') as tf.Tensor2D;
        const featureSquaredNorms = tf.tensor1d(this.squaredNorms.subarray(0, size), 'float32');
        const clipped = clippedGradientSum(architecture, variables, x, y, this.clipping, this.plan, featureSquaredNorms);
        sums = clipped.sums;
        norms = clipped.norms;
      } else {
        sums = variables.map((v) => tf.zerosLike(v)); // an empty batch: the update is noise only
      }
      const gradients: tf.NamedTensorMap = {};
      let offset = 0;
      variables.forEach((variable, k) => {
        const sum = sums[k] as tf.Tensor;
        let gradient = sum;
        if (noise !== undefined) {
          const values = tf.tensor(noise.subarray(offset, offset + variable.size), variable.shape, 'float32');
          gradient = tf.add(sum, Math.abs(noiseFactor - 1) < 1e-12 ? values : tf.mul(values, noiseFactor));
        }
        offset += variable.size;
        gradients[variable.name] = gradient;
      });
      this.optimizer.applyGradients(gradients);
      return this.options.diagnostics && norms !== undefined ? norms : undefined;
    });
    return result;
  }
}

export interface DpSgdRunResult {
  /** The privacy event of the steps run, for an accountant. */
  readonly event: DpSgdPrivacyEvent;
  /** From the clipping plan (e.g. a per-example fallback). */
  readonly warnings: readonly string[];
}

/**
 * Runs exactly `steps` DP-SGD steps on `model` (trained in place) and closes the trainer: e.g. one
 * federated client's local DP-SGD in a round. Accounting is the caller's (see fl/private-training.ts).
 */
export async function runDpSgdSteps(model: TfModel, data: Dataset, options: DpSgdOptions & { readonly steps: number }): Promise<DpSgdRunResult> {
  check(Number.isSafeInteger(options.steps) && options.steps >= 1, 'steps', options.steps, 'an integer ≥ 1');
  const trainer = await DpSgdTrainer.create(model, data, options);
  try {
    for (let t = 0; t < options.steps; t++) await trainer.step();
    return { event: trainer.privacyEvent, warnings: trainer.plan.warnings };
  } finally {
    await trainer.close();
  }
}
