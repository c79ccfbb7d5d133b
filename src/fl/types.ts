/**
 * The transport-free vocabulary of a federation: what the server sends a client (weights + a fit
 * configuration), what comes back, and the client interface the round loop talks to. Simulated
 * clients (in-process or in worker threads) and, later, network clients implement
 * `FederatedClient`; the round loop and the strategies never know which.
 */
import type { Metrics, OptimizerSpec } from '../ml/model.js';

/** Scalar settings a strategy or wrapper may add to a fit/evaluate configuration (e.g. a clipping norm). */
export type ConfigValue = number | string | boolean;

/** What a client is told to do with the weights it receives (Flower's FitIns.config, typed). */
export interface FitConfig {
  readonly round: number;
  readonly localEpochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerSpec;
  /** Seed for this client's shuffling in this round: the same seed gives the same batches. */
  readonly seed: number;
  /** FedProx μ (Li et al. 2020); 0 or absent means plain local training. */
  readonly proximalMu?: number;
  /** Settings added by strategy wrappers, passed through untouched. */
  readonly extra?: Readonly<Record<string, ConfigValue>>;
}

export interface EvaluateConfig {
  readonly round: number;
  readonly extra?: Readonly<Record<string, ConfigValue>>;
}

export interface FitResponse {
  /** The client's locally trained weights; ownership passes to the caller. */
  readonly weights: Float32Array;
  /** Examples the client trained on (FedAvg's weight n_k). */
  readonly numExamples: number;
  /** At least the mean training loss of the last local epoch; wrappers may add more. */
  readonly metrics: Readonly<{ trainLoss: number } & Record<string, number>>;
}

export interface EvaluateResponse {
  readonly numExamples: number;
  readonly metrics: Metrics;
}

/** A participant as the server sees it. */
export interface ClientInfo {
  readonly id: string;
  /** Local training examples, when the client has announced it. */
  readonly numExamples?: number;
}

/**
 * A client the round loop can ask to train or evaluate. `fit` must not keep or modify the
 * `weights` it is given (the caller may reuse them); the weights it returns belong to the caller.
 */
export interface FederatedClient extends ClientInfo {
  fit(weights: Float32Array, config: FitConfig): Promise<FitResponse>;
  evaluate?(weights: Float32Array, config: EvaluateConfig): Promise<EvaluateResponse>;
}
