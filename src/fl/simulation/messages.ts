/** Messages between the worker pool and its worker threads (structured-clone payloads). */
import type { Dataset } from '../../data/dataset.js';
import type { Metrics } from '../../ml/model.js';
import type { FitConfig, FitResponse } from '../types.js';
import type { ModelBlueprint } from './executor.js';

export interface WorkerInit {
  readonly blueprint: ModelBlueprint;
  /** Data sets by id; their arrays live in SharedArrayBuffers, so every worker reads one copy. */
  readonly datasets: readonly (readonly [string, Dataset])[];
}

export type WorkerRequest =
  | { readonly type: 'fit'; readonly job: number; readonly datasetId: string; readonly weights: Float32Array; readonly config: FitConfig }
  | { readonly type: 'evaluate'; readonly job: number; readonly datasetId: string; readonly weights: Float32Array };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly subject?: string;
  readonly stack?: string;
}

export type WorkerReply =
  | { readonly type: 'ready'; readonly initialWeights: Float32Array; readonly numParameters: number }
  | { readonly type: 'init-failed'; readonly error: SerializedError }
  | { readonly type: 'fit-done'; readonly job: number; readonly response: FitResponse }
  | { readonly type: 'evaluate-done'; readonly job: number; readonly metrics: Metrics }
  | { readonly type: 'failed'; readonly job: number; readonly error: SerializedError };
