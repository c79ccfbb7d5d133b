/**
 * FedAvg (McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from
 * Decentralized Data", Algorithm 1): each round a fraction C of the clients trains E local epochs
 * from the global weights, and the server replaces the global weights by the mean of the
 * returned weights weighted by the clients' example counts, w ← Σ_k (n_k / n) · w_k.
 */
import { firstNonFinite, weightedMean } from '../../aggregation/index.js';
import { CohortError, check } from '../../errors.js';
import type { OptimizerSpec } from '../../ml/model.js';
import { sampleClients } from '../sampling.js';
import type {
  AggregateEvaluateContext,
  AggregateFitContext,
  AggregateFitResult,
  ConfigureFitContext,
  EvaluateInstruction,
  FitInstruction,
  Strategy,
} from '../strategy.js';
import type { FitConfig } from '../types.js';

export interface FedAvgOptions {
  /** Local epochs per round (E). */
  readonly localEpochs: number;
  /** Local mini-batch size (B). */
  readonly batchSize: number;
  readonly optimizer: OptimizerSpec;
  /** Fraction of clients that train each round (C), in (0, 1]. Default 1. */
  readonly fraction?: number;
  /** Never fewer clients than this per round. Default 1. */
  readonly minClients?: number;
  /** Fraction of clients asked to evaluate on their own data each round; 0 (default) turns it off. */
  readonly fractionEvaluate?: number;
  /** When false, a round in which any client failed is an error. Default true. */
  readonly acceptFailures?: boolean;
}

export class FedAvg implements Strategy {
  readonly name: string = 'FedAvg';
  readonly options: Required<FedAvgOptions>;

  constructor(options: FedAvgOptions) {
    check(typeof options === 'object' && options !== null, 'options', options, 'an object');
    const { localEpochs, batchSize, optimizer } = options;
    check(Number.isInteger(localEpochs) && localEpochs >= 1, 'localEpochs', localEpochs, 'an integer ≥ 1');
    check(Number.isInteger(batchSize) && batchSize >= 1, 'batchSize', batchSize, 'an integer ≥ 1');
    checkOptimizer(optimizer);
    const fraction = options.fraction ?? 1;
    check(Number.isFinite(fraction) && fraction > 0 && fraction <= 1, 'fraction', fraction, 'in (0, 1]');
    const minClients = options.minClients ?? 1;
    check(Number.isInteger(minClients) && minClients >= 1, 'minClients', minClients, 'an integer ≥ 1');
    const fractionEvaluate = options.fractionEvaluate ?? 0;
    check(Number.isFinite(fractionEvaluate) && fractionEvaluate >= 0 && fractionEvaluate <= 1, 'fractionEvaluate', fractionEvaluate, 'in [0, 1]');
    this.options = { localEpochs, batchSize, optimizer, fraction, minClients, fractionEvaluate, acceptFailures: options.acceptFailures ?? true };
  }

  configureFit(context: ConfigureFitContext): FitInstruction[] {
    check(context.clients.length >= 1, 'clients.length', context.clients.length, 'at least 1');
    const chosen = sampleClients(context.clients, this.options.fraction, context.rng, this.options.minClients);
    // One seed per chosen client, drawn in client order, so a run is reproducible from its seed.
    return chosen.map((client) => ({
      clientId: client.id,
      weights: context.globalWeights,
      config: this.fitConfig(context.round, context.rng.uint32()),
    }));
  }

  /** The configuration every chosen client receives; subclasses add their settings. */
  protected fitConfig(round: number, seed: number): FitConfig {
    return {
      round,
      localEpochs: this.options.localEpochs,
      batchSize: this.options.batchSize,
      optimizer: this.options.optimizer,
      seed,
    };
  }

  aggregateFit(context: AggregateFitContext): AggregateFitResult {
    const { round, results, failures, globalWeights } = context;
    if (failures.length > 0 && !this.options.acceptFailures) {
      const first = failures[0];
      throw new CohortError('INVALID_DATA', `round ${round}: ${failures.length} client(s) failed, first ${JSON.stringify(first?.clientId)}: ${describeError(first?.error)}`, {
        subject: first?.clientId,
        cause: first?.error,
      });
    }
    if (results.length === 0) {
      const first = failures[0];
      const reason = first === undefined ? '' : `; first ${JSON.stringify(first.clientId)}: ${describeError(first.error)}`;
      // Keep the cause's code: a crashed worker (INTERNAL) is not the user's bad input.
      const code = first?.error instanceof CohortError ? first.error.code : 'INVALID_DATA';
      throw new CohortError(code, `round ${round}: no client returned a result (${failures.length} failed${reason})`, { subject: 'results', cause: first?.error });
    }
    let examples = 0;
    let lossSum = 0;
    for (const result of results) {
      checkFitOutcome(result, globalWeights.length, round);
      examples += result.numExamples;
      lossSum += result.numExamples * result.metrics.trainLoss;
    }
    const weights = weightedMean(
      results.map((result) => result.weights),
      results.map((result) => result.numExamples),
    );
    return { weights, metrics: { trainLoss: lossSum / examples, examples, clients: results.length } };
  }

  configureEvaluate(context: ConfigureFitContext): EvaluateInstruction[] {
    if (this.options.fractionEvaluate === 0) return [];
    const chosen = sampleClients(context.clients, this.options.fractionEvaluate, context.rng);
    return chosen.map((client) => ({ clientId: client.id, weights: context.globalWeights, config: { round: context.round } }));
  }

  /** Example-weighted mean of the clients' accuracy and loss on their own data. */
  aggregateEvaluate(context: AggregateEvaluateContext): Record<string, number> {
    let examples = 0;
    let accuracy = 0;
    let loss = 0;
    for (const result of context.results) {
      examples += result.numExamples;
      accuracy += result.numExamples * result.metrics.accuracy;
      loss += result.numExamples * result.metrics.loss;
    }
    if (examples === 0) return {};
    return { accuracy: accuracy / examples, loss: loss / examples, examples };
  }
}

export function checkOptimizer(optimizer: OptimizerSpec): void {
  check(typeof optimizer === 'object' && optimizer !== null, 'optimizer', optimizer, 'an optimizer spec');
  check(optimizer.kind === 'sgd' || optimizer.kind === 'adam', 'optimizer.kind', optimizer.kind, '"sgd" or "adam"');
  check(Number.isFinite(optimizer.learningRate) && optimizer.learningRate > 0, 'learningRate', optimizer.learningRate, 'a finite number > 0');
  if (optimizer.kind === 'sgd' && optimizer.momentum !== undefined) {
    check(Number.isFinite(optimizer.momentum) && optimizer.momentum >= 0 && optimizer.momentum < 1, 'momentum', optimizer.momentum, 'in [0, 1)');
  }
}

function checkFitOutcome(result: AggregateFitContext['results'][number], length: number, round: number): void {
  const id = JSON.stringify(result.clientId);
  if (!(result.weights instanceof Float32Array) || result.weights.length !== length) {
    throw new CohortError('INVALID_DATA', `round ${round}: client ${id} returned ${result.weights?.length ?? 'no'} weights, expected ${length}`, {
      subject: result.clientId,
    });
  }
  if (!Number.isInteger(result.numExamples) || result.numExamples < 1) {
    throw new CohortError('INVALID_DATA', `round ${round}: client ${id} reported numExamples = ${String(result.numExamples)}, expected an integer ≥ 1`, {
      subject: result.clientId,
    });
  }
  const bad = firstNonFinite(result.weights);
  if (bad >= 0) {
    throw new CohortError(
      'INVALID_DATA',
      `round ${round}: client ${id} returned a non-finite weight (index ${bad} = ${result.weights[bad]}); local training diverged, try a smaller learning rate`,
      { subject: result.clientId },
    );
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
