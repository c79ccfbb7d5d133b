/**
 * Wraps the chosen strategy for the network server, without changing what it computes:
 * - a round with fewer than `minClients` valid replies is refused (ROUND_INCOMPLETE) before the
 *   inner strategy sees it, so it is retried and never aggregated short;
 * - it keeps the weights the inner strategy returned, for the round checkpoint;
 * - it exposes the inner strategy's state (adaptive optimisers' moments) for the checkpoint.
 */
import type { AggregateFitContext, AggregateFitResult, Strategy } from '../strategy.js';
import { roundIncomplete } from './client-pool.js';

/** Server-side optimiser state a strategy carries between rounds (FedAvgM, FedAdam...). */
export type StrategyState = Readonly<Record<string, Float32Array | number>>;

export interface StatefulStrategy extends Strategy {
  exportState(): StrategyState;
  importState(state: StrategyState): void;
}

export function isStateful(strategy: Strategy): strategy is StatefulStrategy {
  const candidate = strategy as Partial<StatefulStrategy>;
  return typeof candidate.exportState === 'function' && typeof candidate.importState === 'function';
}

export interface GuardedStrategy extends Strategy {
  /** The weights of the last aggregation. */
  lastWeights(): Float32Array | undefined;
  /** DP guarantees the aggregated clients reported in the last aggregation (metrics "epsilon", "delta"). */
  lastPrivacy(): { client: string; epsilon: number; delta: number }[];
  state(): StrategyState | undefined;
}

export function guardRounds(inner: Strategy, minClients: number): GuardedStrategy {
  let last: Float32Array | undefined;
  let privacy: { client: string; epsilon: number; delta: number }[] = [];
  const guarded: GuardedStrategy = {
    name: inner.name,
    configureFit: (context) => inner.configureFit(context),
    aggregateFit: async (context: AggregateFitContext): Promise<AggregateFitResult> => {
      if (context.results.length < minClients) throw roundIncomplete(context.round, context.results.length, minClients);
      const result = await inner.aggregateFit(context);
      last = result.weights;
      privacy = context.results
        .filter((outcome) => Number.isFinite(outcome.metrics.epsilon) && (outcome.metrics.epsilon as number) >= 0)
        .map((outcome) => ({ client: outcome.clientId, epsilon: outcome.metrics.epsilon as number, delta: Math.max(0, outcome.metrics.delta ?? 0) }));
      return result;
    },
    lastWeights: () => last,
    lastPrivacy: () => privacy,
    state: () => (isStateful(inner) ? inner.exportState() : undefined),
  };
  if (inner.initialize) guarded.initialize = (weights) => (inner.initialize as NonNullable<Strategy['initialize']>)(weights);
  if (inner.configureEvaluate) guarded.configureEvaluate = (context) => (inner.configureEvaluate as NonNullable<Strategy['configureEvaluate']>)(context);
  if (inner.aggregateEvaluate) guarded.aggregateEvaluate = (context) => (inner.aggregateEvaluate as NonNullable<Strategy['aggregateEvaluate']>)(context);
  return guarded;
}
