/**
 * A SecAgg+ round that loses too many clients aborts (ROUND_INCOMPLETE) without revealing
 * anything. In a simulation that ends the run cleanly: this wrapper around a round loop
 * (`runFederation` or `runBudgetedFederation`) catches the abort and returns the global model of
 * the last completed round, the completed rounds and why it stopped, as a budget stop does. (The
 * network server instead retries the round with the clients it has.)
 */
import { CohortError } from '../../errors.js';
import type { Metrics } from '../../ml/model.js';
import type { FederationResult, RoundResult, RunFederationOptions } from '../server.js';
import type { AggregateFitContext, AggregateFitResult, Strategy } from '../strategy.js';

export interface AbortedRound {
  /** The round that aborted (its result was discarded). */
  readonly round: number;
  readonly reason: string;
}

export type FederationResultWithAbort<T extends FederationResult> = (T | FederationResult) & { readonly abortedRound?: AbortedRound };

export async function runUntilRoundAborted<O extends RunFederationOptions, T extends FederationResult>(
  options: O,
  run: (options: O) => Promise<T>,
): Promise<FederationResultWithAbort<T>> {
  const rounds: RoundResult[] = [];
  let initial: Metrics | undefined;
  let started: Float32Array | undefined;
  let last: Float32Array | undefined;
  const inner = options.strategy;
  const strategy: Strategy = {
    name: inner.name,
    initialize: async (weights) => (started = inner.initialize ? await inner.initialize(weights) : weights),
    configureFit: (context) => inner.configureFit(context),
    aggregateFit: async (context: AggregateFitContext): Promise<AggregateFitResult> => {
      const result = await inner.aggregateFit(context);
      last = result.weights;
      return result;
    },
    ...(inner.configureEvaluate ? { configureEvaluate: (context) => (inner.configureEvaluate as NonNullable<Strategy['configureEvaluate']>).call(inner, context) } : {}),
    ...(inner.aggregateEvaluate ? { aggregateEvaluate: (context) => (inner.aggregateEvaluate as NonNullable<Strategy['aggregateEvaluate']>).call(inner, context) } : {}),
  };
  const evaluateGlobal = options.evaluateGlobal;
  try {
    return await run({
      ...options,
      strategy,
      ...(evaluateGlobal === undefined
        ? {}
        : {
            evaluateGlobal: async (weights: Float32Array, round: number) => {
              const metrics = await evaluateGlobal(weights, round);
              if (round === 0) initial = metrics;
              return metrics;
            },
          }),
      onRound: async (round: RoundResult) => {
        rounds.push(round);
        await options.onRound?.(round);
      },
    });
  } catch (error) {
    if (!(error instanceof CohortError) || error.code !== 'ROUND_INCOMPLETE' || options.signal?.aborted) throw error;
    const weights = last ?? started ?? options.initialWeights;
    const lastRound = rounds[rounds.length - 1];
    const abortedRound = { round: (lastRound?.round ?? (options.firstRound ?? 1) - 1) + 1, reason: error.message };
    return initial === undefined ? { weights, rounds, abortedRound } : { weights, rounds, initial, abortedRound };
  }
}
