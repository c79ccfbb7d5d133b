/**
 * Wraps the chosen strategy for the network server, without changing what it computes:
 * - a round with fewer than `minClients` valid replies is refused (ROUND_INCOMPLETE) before the
 *   inner strategy sees it, so it is retried and never aggregated short — except for a strategy
 *   that allows empty rounds (DP-FedAvg's Poisson sampling): its rounds are valid with any number
 *   of replies, and retrying a short one would condition the sample on its size, which the
 *   subsampled-Gaussian analysis does not allow;
 * - it keeps the weights the inner strategy returned, for the round checkpoint;
 * - it exposes the inner strategy's state (adaptive optimisers' moments) for the checkpoint;
 * - with a budget ledger, it charges each reply's reported (ε, δ) to its data owner before the
 *   inner strategy sees it, and drops (never aggregates) a reply whose owner's budget would be
 *   exceeded. The spend's idempotency key is (run, round, client): a retried or resumed round
 *   finds the charge already recorded and pays nothing twice.
 */
import { CohortError } from '../../errors.js';
import type { BudgetLedger } from '../../dp/budget-ledger.js';
import type { AggregateFitContext, AggregateFitResult, Strategy } from '../strategy.js';
import { roundIncomplete } from './client-pool.js';
import type { ServerLogger } from './log.js';

export interface RoundBudgetOptions {
  readonly ledger: BudgetLedger;
  readonly runId: string;
  readonly log: ServerLogger;
}

type FitOutcome = AggregateFitContext['results'][number];

/** The (ε, δ) a fit reply reported (metrics "epsilon", "delta"), or undefined when it made no claim. */
export function reportedPrivacy(outcome: FitOutcome): { epsilon: number; delta: number } | undefined {
  const epsilon = outcome.metrics.epsilon;
  if (epsilon === undefined || !Number.isFinite(epsilon) || epsilon < 0) return undefined;
  return { epsilon, delta: Math.max(0, outcome.metrics.delta ?? 0) };
}

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
  /** Replies of the last aggregation refused by the budget ledger (not aggregated). */
  lastRefused(): { clientId: string; message: string }[];
  state(): StrategyState | undefined;
}

/** Idempotency key of the spend of one client's reply in one round of one run. */
export function roundSpendKey(runId: string, round: number, clientId: string): string {
  return `federated-round:${JSON.stringify([runId, round, clientId])}`;
}

/**
 * Charges the replies that report a guarantee to their owners; returns those that may be
 * aggregated (replies reporting nothing pass uncharged) and why the others were refused.
 */
async function chargeReplies(context: AggregateFitContext, budget: RoundBudgetOptions): Promise<{ accepted: FitOutcome[]; refused: { clientId: string; message: string }[] }> {
  const accepted: FitOutcome[] = [];
  const refused: { clientId: string; message: string }[] = [];
  for (const outcome of context.results) {
    const privacy = reportedPrivacy(outcome);
    if (privacy === undefined) {
      accepted.push(outcome);
      continue;
    }
    let message: string | undefined;
    try {
      const result = await budget.ledger.trySpend({
        owner: outcome.clientId,
        epsilon: privacy.epsilon,
        delta: privacy.delta,
        purpose: `federated round ${context.round} of run ${budget.runId}`,
        details: { runId: budget.runId, round: context.round },
        idempotencyKey: roundSpendKey(budget.runId, context.round, outcome.clientId),
      });
      if (!result.granted) {
        message = `client ${JSON.stringify(outcome.clientId)} reported ε=${privacy.epsilon}, δ=${privacy.delta}; its budget ${result.budget === undefined ? 'is not set' : `(ε=${result.budget.epsilon}, δ=${result.budget.delta})`} has ε=${result.remaining.epsilon}, δ=${result.remaining.delta} left`;
      }
    } catch (error) {
      // Invalid amounts (δ ≥ 1) or a retried round reporting a different spend under the same key: refuse, never aggregate.
      if (!(error instanceof CohortError) || error.code !== 'INVALID_ARGUMENT') throw error;
      message = `client ${JSON.stringify(outcome.clientId)}: ${error.message}`;
    }
    if (message === undefined) accepted.push(outcome);
    else {
      budget.log({ level: 'warn', kind: 'budget-refused', clientId: outcome.clientId, round: context.round, message: `${message}; the update is not aggregated` });
      refused.push({ clientId: outcome.clientId, message });
    }
  }
  return { accepted, refused };
}

export function guardRounds(inner: Strategy, minClients: number, budget?: RoundBudgetOptions): GuardedStrategy {
  let last: Float32Array | undefined;
  let privacy: { client: string; epsilon: number; delta: number }[] = [];
  let refusedLast: { clientId: string; message: string }[] = [];
  const guarded: GuardedStrategy = {
    name: inner.name,
    ...(inner.allowsEmptyRounds === true ? { allowsEmptyRounds: true } : {}),
    configureFit: (context) => inner.configureFit(context),
    aggregateFit: async (given: AggregateFitContext): Promise<AggregateFitResult> => {
      let context = given;
      if (budget !== undefined) {
        const { accepted, refused } = await chargeReplies(given, budget);
        refusedLast = refused;
        if (refused.length > 0) context = { ...given, results: accepted, failures: [...given.failures, ...refused.map((r) => ({ clientId: r.clientId, error: new CohortError('DP_BUDGET_EXCEEDED', r.message, { subject: r.clientId }) }))] };
      }
      if (context.results.length < minClients && inner.allowsEmptyRounds !== true) throw roundIncomplete(context.round, context.results.length, minClients);
      const result = await inner.aggregateFit(context);
      last = result.weights;
      privacy = context.results.flatMap((outcome) => {
        const reported = reportedPrivacy(outcome);
        return reported === undefined ? [] : [{ client: outcome.clientId, ...reported }];
      });
      return result;
    },
    lastWeights: () => last,
    lastPrivacy: () => privacy,
    lastRefused: () => refusedLast,
    state: () => (isStateful(inner) ? inner.exportState() : undefined),
  };
  if (inner.initialize) guarded.initialize = (weights) => (inner.initialize as NonNullable<Strategy['initialize']>)(weights);
  if (inner.configureEvaluate) guarded.configureEvaluate = (context) => (inner.configureEvaluate as NonNullable<Strategy['configureEvaluate']>)(context);
  if (inner.aggregateEvaluate) guarded.aggregateEvaluate = (context) => (inner.aggregateEvaluate as NonNullable<Strategy['aggregateEvaluate']>)(context);
  return guarded;
}
