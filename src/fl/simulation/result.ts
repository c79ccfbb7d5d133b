/** The JSON-ready result of a simulation run (what `cohort simulate --json` writes). */
import type { PartitionSummary } from '../../data/partition.js';
import type { SimulationConfig } from './config.js';
import type { PrivacySummary } from './privacy-config.js';
import type { SecureAggregationSummary } from '../secure-aggregation/summary.js';

export interface EvaluationSummary {
  readonly accuracy: number;
  readonly loss: number;
  /** Binary tasks only. */
  readonly auc?: number;
  readonly perClassRecall?: readonly number[];
}

export interface SimulationRound extends EvaluationSummary {
  readonly round: number;
  readonly trainLoss: number;
  readonly participants: readonly string[];
  readonly failures: readonly { readonly clientId: string; readonly message: string }[];
  readonly numExamples: number;
  readonly durationMs: number;
  /** DP runs: ε spent once this round was done (the largest over data owners). */
  readonly epsilon?: number;
  /** User-level DP runs: the clipping norm used this round (it moves with adaptive clipping). */
  readonly clippingNorm?: number;
}

export interface CentralizedSummary extends EvaluationSummary {
  readonly epochs: number;
  readonly rounds: readonly (EvaluationSummary & { readonly round: number; readonly trainLoss: number })[];
  readonly durationMs: number;
}

export interface SimulationResult {
  readonly config: SimulationConfig;
  readonly dataset: {
    readonly name: string;
    readonly numFeatures: number;
    readonly numClasses: number;
    readonly classNames: readonly string[];
    readonly trainExamples: number;
    readonly testExamples: number;
    /** "predefined" when the data came with its own test split, else "split". */
    readonly testSet: 'predefined' | 'split';
  };
  readonly model: { readonly spec: string; readonly numParameters: number };
  readonly strategy: string;
  readonly partition: PartitionSummary & { readonly spec: string; readonly clientIds: readonly string[] };
  /** The initial (untrained) global model on the test set. */
  readonly initial: EvaluationSummary;
  readonly rounds: readonly SimulationRound[];
  readonly final: EvaluationSummary;
  /** Null when the baseline was turned off. */
  readonly centralized: CentralizedSummary | null;
  readonly timing: { readonly totalMs: number; readonly federatedMs: number; readonly workers: number; readonly backend: string };
  /** DP runs only: the guarantee, how it was accounted and whether the budget stopped the run. */
  readonly privacy?: PrivacySummary;
  /** --secure-aggregation runs only: the SecAgg+ settings, dropouts per round and an aborted round. */
  readonly secureAggregation?: SecureAggregationSummary;
}
