/**
 * The gate that enforces a privacy budget, as a strategy wrapper: after the inner strategy has
 * chosen the round's clients and before any of them is asked to train, the gate is told who takes
 * part and decides whether the round may run (and pays for it). A refused round never starts: the
 * wrapper throws a `BudgetStopError`, which the round loop's caller turns into a clean stop with the
 * model of the last completed round (budgeted-federation.ts in simulations, the network server's
 * run loop). Deciding after the choice is what lets an owner be charged only for the rounds it is
 * part of (client sampling at sample level).
 */
import { CohortError, check } from '../../errors.js';
import type { AggregateEvaluateContext, AggregateFitContext, AggregateFitResult, ConfigureFitContext, EvaluateInstruction, FitInstruction, Strategy } from '../strategy.js';

export interface RoundParticipants {
  /** Every client available this round (the population DP-FedAvg samples from). */
  readonly available: readonly string[];
  /** The clients the strategy asks to train. */
  readonly chosen: readonly string[];
}

export interface RoundGateDecision {
  readonly allowed: boolean;
  /** Why a round was refused (shown to users). */
  readonly reason?: string;
}

export type RoundGate = (round: number, participants: RoundParticipants) => Promise<RoundGateDecision> | RoundGateDecision;

export interface BudgetStop {
  /** The round that was refused (it did not run). */
  readonly round: number;
  readonly reason: string;
}

/** Thrown out of `configureFit` when the gate refuses a round; carries the stop for the caller. */
export class BudgetStopError extends CohortError {
  constructor(readonly stop: BudgetStop) {
    super('DP_BUDGET_EXCEEDED', stop.reason, { subject: `round ${stop.round}` });
  }
}

/** The budget stop an error carries, or undefined for any other error. */
export function budgetStopOf(error: unknown): BudgetStop | undefined {
  return error instanceof BudgetStopError ? error.stop : undefined;
}

interface StatefulParts {
  exportState?: () => unknown;
  importState?: (state: unknown) => void;
}

/** `inner` with `gate` asked between its choice of clients and their training. */
export function gateRounds(inner: Strategy, gate: RoundGate): Strategy {
  check(typeof inner === 'object' && inner !== null && typeof inner.configureFit === 'function', 'inner', inner, 'a Strategy');
  check(typeof gate === 'function', 'gate', gate, 'a function');
  const stateful = inner as Strategy & StatefulParts;
  const gated: Strategy & StatefulParts = {
    name: inner.name,
    ...(inner.allowsEmptyRounds === true ? { allowsEmptyRounds: true } : {}),
    configureFit: async (context: ConfigureFitContext): Promise<readonly FitInstruction[]> => {
      const instructions = await inner.configureFit(context);
      const participants = { available: context.clients.map((client) => client.id), chosen: instructions.map((instruction) => instruction.clientId) };
      const decision = await gate(context.round, participants);
      if (!decision.allowed) throw new BudgetStopError({ round: context.round, reason: decision.reason ?? `round ${context.round} refused` });
      return instructions;
    },
    aggregateFit: (context: AggregateFitContext): AggregateFitResult | Promise<AggregateFitResult> => inner.aggregateFit(context),
  };
  if (inner.initialize) gated.initialize = (weights: Float32Array) => (inner.initialize as NonNullable<Strategy['initialize']>).call(inner, weights);
  if (inner.configureEvaluate) gated.configureEvaluate = (context: ConfigureFitContext): readonly EvaluateInstruction[] | Promise<readonly EvaluateInstruction[]> => (inner.configureEvaluate as NonNullable<Strategy['configureEvaluate']>).call(inner, context);
  if (inner.aggregateEvaluate) gated.aggregateEvaluate = (context: AggregateEvaluateContext) => (inner.aggregateEvaluate as NonNullable<Strategy['aggregateEvaluate']>).call(inner, context);
  // Server optimisers' state goes into network checkpoints through the wrapper.
  if (typeof stateful.exportState === 'function' && typeof stateful.importState === 'function') {
    gated.exportState = () => (stateful.exportState as () => unknown).call(inner);
    gated.importState = (state: unknown) => (stateful.importState as (state: unknown) => void).call(inner, state);
  }
  return gated;
}
