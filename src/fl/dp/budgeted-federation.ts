/**
 * The round loop with an enforced privacy budget: `runFederation` (src/fl/server.ts), asking a
 * gate before every round whether it may start. A refused round is never started; the run stops
 * cleanly with the global model of the last completed round, and the result says why.
 *
 * The gate is asked before round 1 and then between rounds (after round t's `onRound`), which is
 * the point where the round loop checks its abort signal; the loop is stopped through that signal
 * and the model so far is taken from the strategy's last aggregate.
 */
import { CohortError, check } from '../../errors.js';
import type { Metrics } from '../../ml/model.js';
import { runFederation, type FederationResult, type RoundResult, type RunFederationOptions } from '../server.js';
import type { AggregateFitContext, AggregateFitResult, Strategy } from '../strategy.js';

export interface RoundGateDecision {
  readonly allowed: boolean;
  /** Why a round was refused (shown to users). */
  readonly reason?: string;
}

export interface BudgetedFederationOptions extends RunFederationOptions {
  /** Asked before each round; a refusal stops the run before that round. */
  readonly beforeRound: (round: number) => Promise<RoundGateDecision> | RoundGateDecision;
}

export interface BudgetStop {
  /** The round that was refused (it did not run). */
  readonly round: number;
  readonly reason: string;
}

export interface BudgetedFederationResult extends FederationResult {
  /** Present when the budget stopped the run before its last planned round. */
  readonly stoppedEarly?: BudgetStop;
}

class BudgetReached extends Error {
  constructor(readonly stop: BudgetStop) {
    super(stop.reason);
  }
}

export async function runBudgetedFederation(options: BudgetedFederationOptions): Promise<BudgetedFederationResult> {
  check(typeof options.beforeRound === 'function', 'beforeRound', options.beforeRound, 'a function');
  const firstRound = options.firstRound ?? 1;
  const lastRound = firstRound + options.rounds - 1;
  let initial: Metrics | undefined;
  const evaluateGlobal = options.evaluateGlobal;

  const first = await options.beforeRound(firstRound);
  if (!first.allowed) {
    // Nothing may run: the result is the initial model.
    const weights = options.strategy.initialize ? await options.strategy.initialize(options.initialWeights) : options.initialWeights;
    initial = evaluateGlobal ? await evaluateGlobal(weights, 0) : undefined;
    const stoppedEarly = { round: firstRound, reason: first.reason ?? `round ${firstRound} refused` };
    return initial === undefined ? { weights, rounds: [], stoppedEarly } : { weights, rounds: [], initial, stoppedEarly };
  }

  const recorder = recordingStrategy(options.strategy);
  const rounds: RoundResult[] = [];
  const controller = new AbortController();
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
  let stop: BudgetStop | undefined;
  try {
    const result = await runFederation({
      ...options,
      strategy: recorder.strategy,
      signal,
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
        if (round.round >= lastRound) return;
        const next = await options.beforeRound(round.round + 1);
        if (!next.allowed) {
          stop = { round: round.round + 1, reason: next.reason ?? `round ${round.round + 1} refused` };
          controller.abort(new BudgetReached(stop));
        }
      },
    });
    return result;
  } catch (error) {
    if (stop === undefined || options.signal?.aborted) throw error;
    const weights = recorder.lastWeights() ?? options.initialWeights;
    return initial === undefined ? { weights, rounds, stoppedEarly: stop } : { weights, rounds, initial, stoppedEarly: stop };
  }
}

/** A transparent wrapper that remembers the last aggregated weights (the model so far). */
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
    ...(inner.initialize ? { initialize: (weights: Float32Array) => (inner.initialize as NonNullable<Strategy['initialize']>).call(inner, weights) } : {}),
    ...(inner.configureEvaluate ? { configureEvaluate: (context) => (inner.configureEvaluate as NonNullable<Strategy['configureEvaluate']>).call(inner, context) } : {}),
    ...(inner.aggregateEvaluate ? { aggregateEvaluate: (context) => (inner.aggregateEvaluate as NonNullable<Strategy['aggregateEvaluate']>).call(inner, context) } : {}),
  };
  return {
    strategy,
    lastWeights: () => {
      if (last !== undefined && !(last instanceof Float32Array)) throw new CohortError('INTERNAL', 'strategy returned non-Float32Array weights');
      return last;
    },
  };
}
