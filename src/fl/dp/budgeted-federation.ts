/**
 * The round loop with an enforced privacy budget: `runFederation` (src/fl/server.ts) with a gate
 * asked in every round after the strategy has chosen its clients and before any of them trains
 * (budget-gate.ts). A refused round is never started; the run stops cleanly with the global model
 * of the last completed round, and the result says why.
 */
import { check } from '../../errors.js';
import type { Metrics } from '../../ml/model.js';
import { runFederation, type FederationResult, type RoundResult, type RunFederationOptions } from '../server.js';
import type { AggregateFitContext, AggregateFitResult, Strategy } from '../strategy.js';
import { budgetStopOf, gateRounds, type BudgetStop, type RoundGate } from './budget-gate.js';

export interface BudgetedFederationOptions extends RunFederationOptions {
  /** Asked in each round, once the clients are chosen; a refusal stops the run before that round trains. */
  readonly beforeRound: RoundGate;
}

export interface BudgetedFederationResult extends FederationResult {
  /** Present when the budget stopped the run before its last planned round. */
  readonly stoppedEarly?: BudgetStop;
}

export async function runBudgetedFederation(options: BudgetedFederationOptions): Promise<BudgetedFederationResult> {
  check(typeof options.beforeRound === 'function', 'beforeRound', options.beforeRound, 'a function');
  const recorder = recordingStrategy(gateRounds(options.strategy, options.beforeRound));
  const evaluateGlobal = options.evaluateGlobal;
  let initial: Metrics | undefined;
  const rounds: RoundResult[] = [];
  try {
    return await runFederation({
      ...options,
      strategy: recorder.strategy,
      ...(evaluateGlobal === undefined
        ? {}
        : {
            evaluateGlobal: async (weights: Float32Array, round: number) => {
              const metrics = await evaluateGlobal(weights, round);
              if (round === 0) initial = metrics;
              return metrics;
            },
          }),
      onRound: async (round) => {
        rounds.push(round);
        await options.onRound?.(round);
      },
    });
  } catch (error) {
    const stoppedEarly = budgetStopOf(error);
    if (stoppedEarly === undefined) throw error;
    // The model so far: the last aggregate, or the (initialised) starting weights if no round ran.
    const weights = recorder.lastWeights() ?? options.initialWeights;
    return initial === undefined ? { weights, rounds, stoppedEarly } : { weights, rounds, initial, stoppedEarly };
  }
}

/** A transparent wrapper that remembers the last weights the run produced (the model so far). */
function recordingStrategy(inner: Strategy): { strategy: Strategy; lastWeights: () => Float32Array | undefined } {
  let last: Float32Array | undefined;
  const strategy: Strategy = {
    name: inner.name,
    ...(inner.allowsEmptyRounds === true ? { allowsEmptyRounds: true } : {}),
    configureFit: (context) => inner.configureFit(context),
    aggregateFit: async (context: AggregateFitContext): Promise<AggregateFitResult> => {
      const result = await inner.aggregateFit(context);
      last = result.weights;
      return result;
    },
    ...(inner.initialize
      ? {
          initialize: async (weights: Float32Array) => {
            last = await (inner.initialize as NonNullable<Strategy['initialize']>).call(inner, weights);
            return last;
          },
        }
      : {}),
    ...(inner.configureEvaluate ? { configureEvaluate: (context) => (inner.configureEvaluate as NonNullable<Strategy['configureEvaluate']>).call(inner, context) } : {}),
    ...(inner.aggregateEvaluate ? { aggregateEvaluate: (context) => (inner.aggregateEvaluate as NonNullable<Strategy['aggregateEvaluate']>).call(inner, context) } : {}),
  };
  return { strategy, lastWeights: () => last };
}
