/**
 * The centralised baseline: the same model from the same initial weights, trained on the union of
 * the clients' data for the same total number of epochs (rounds × local epochs), in chunks of
 * `localEpochs` epochs so it can be evaluated after each "round" and plotted against the
 * federation. Each chunk starts a fresh optimizer, as each federated round does.
 */
import type { Metrics, OptimizerSpec } from '../../ml/model.js';
import { check } from '../../errors.js';
import type { SimulationExecutor } from './executor.js';
import { deriveSeed } from './seeds.js';

export interface CentralizedRound {
  readonly round: number;
  readonly accuracy: number;
  readonly loss: number;
  readonly auc?: number;
  readonly trainLoss: number;
  readonly evaluation: Metrics;
  readonly durationMs: number;
}

export interface CentralizedOptions {
  readonly executor: SimulationExecutor;
  readonly trainId: string;
  readonly testId: string;
  readonly initialWeights: Float32Array;
  readonly rounds: number;
  readonly localEpochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerSpec;
  readonly seed: number;
  readonly onRound?: (result: CentralizedRound) => void;
  readonly signal?: AbortSignal;
}

export async function runCentralized(options: CentralizedOptions): Promise<{ weights: Float32Array; rounds: CentralizedRound[] }> {
  const { executor, rounds, localEpochs, batchSize, optimizer } = options;
  check(Number.isInteger(rounds) && rounds >= 1, 'rounds', rounds, 'an integer ≥ 1');
  let weights = options.initialWeights;
  const results: CentralizedRound[] = [];
  for (let round = 1; round <= rounds; round++) {
    options.signal?.throwIfAborted();
    const started = performance.now();
    const fitted = await executor.fit(options.trainId, weights, {
      round,
      localEpochs,
      batchSize,
      optimizer,
      seed: deriveSeed(options.seed, `centralized:${round}`),
    });
    weights = fitted.weights;
    const evaluation = await executor.evaluate(options.testId, weights);
    const result: CentralizedRound = {
      round,
      accuracy: evaluation.accuracy,
      loss: evaluation.loss,
      ...(evaluation.auc === undefined ? {} : { auc: evaluation.auc }),
      trainLoss: fitted.metrics.trainLoss,
      evaluation,
      durationMs: performance.now() - started,
    };
    results.push(result);
    options.onRound?.(result);
  }
  return { weights, rounds: results };
}
