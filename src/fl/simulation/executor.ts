/**
 * Where simulated clients' work runs. A simulation registers its data sets (each client's
 * partition, the training union, the test set) under ids once; then any fit or evaluation names
 * a data set and carries the weights to start from. Every job depends only on its inputs (the
 * model's weights are overwritten and a fresh optimizer is made per job), so results are the same
 * whichever thread runs it: the in-process executor (tests, browsers) or the worker-thread pool.
 */
import type { Metrics, ModelSpec } from '../../ml/model.js';
import type { FitConfig, FitResponse } from '../types.js';

/** Everything needed to build identical models in any thread. */
export interface ModelBlueprint {
  readonly spec: ModelSpec;
  readonly numFeatures: number;
  readonly numClasses: number;
  readonly exampleShape?: readonly number[];
  /** Seed of the weight initialisation: the initial global weights. */
  readonly seed: number;
}

export interface SimulationExecutor {
  /** Jobs that can run at the same time. */
  readonly parallelism: number;
  /** The blueprint model's initial weights. */
  readonly initialWeights: Float32Array;
  /** The model's parameter count. */
  readonly numParameters: number;
  fit(datasetId: string, weights: Float32Array, config: FitConfig): Promise<FitResponse>;
  evaluate(datasetId: string, weights: Float32Array): Promise<Metrics>;
  /** Releases models and threads; the executor cannot be used afterwards. */
  close(): Promise<void>;
}
