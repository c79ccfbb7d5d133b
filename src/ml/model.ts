/**
 * What federated learning needs from a model: a flat weight vector with a stable layout (what
 * aggregation and transport move), local training, evaluation. Implemented on TensorFlow.js in
 * this folder; fl/ depends only on this interface.
 */
import type { Dataset } from '../data/dataset.js';

/**
 * The hidden layers' activation. 'relu' is the default and is left out of a spec; 'tanh' is the
 * tempered sigmoid with scale 2, inverse temperature 2, offset 1 (Papernot, Thakurta, Song, Chien &
 * Erlingsson, AAAI 2021, "Tempered sigmoid activations for deep learning with differential
 * privacy"), whose bounded outputs keep gradient norms small under DP-SGD's clipping.
 */
export type HiddenActivation = 'relu' | 'tanh';

export type ModelSpec =
  | { readonly kind: 'logreg' }
  | { readonly kind: 'mlp'; readonly hidden: readonly number[]; readonly activation?: HiddenActivation }
  | { readonly kind: 'cnn'; readonly activation?: HiddenActivation };

export type OptimizerSpec =
  | { readonly kind: 'sgd'; readonly learningRate: number; readonly momentum?: number }
  | { readonly kind: 'adam'; readonly learningRate: number };

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerSpec;
  /** Seed for shuffling; the same seed gives the same batches. */
  readonly seed: number;
  /**
   * FedProx (Li et al. 2020): adds (μ/2)·‖w − w_global‖² to the loss, pulling local training
   * towards the weights the round started from. μ = 0 (or absent) is plain local training.
   */
  readonly proximal?: { readonly mu: number; readonly anchor: Float32Array };
}

export interface TrainResult {
  readonly examples: number;
  readonly steps: number;
  /** Mean training loss over the last epoch. */
  readonly loss: number;
}

export interface Metrics {
  readonly accuracy: number;
  readonly loss: number;
  /** ROC AUC, binary tasks only. */
  readonly auc?: number;
  /** Recall of each class, index = label. */
  readonly perClassRecall: readonly number[];
  readonly examples: number;
}

export interface Model {
  readonly spec: ModelSpec;
  readonly numParameters: number;
  /** All trainable weights, concatenated in layer order, each tensor row-major. */
  getWeights(): Float32Array;
  setWeights(weights: Float32Array): void;
  train(data: Dataset, options: TrainOptions): Promise<TrainResult>;
  evaluate(data: Dataset): Promise<Metrics>;
  dispose(): void;
}
