/**
 * What both DP levels of a simulation share: the privacy schedule (what each data owner has spent
 * after t rounds, by the same accountant calls as `cohort dp epsilon`), the round gate that
 * enforces the budget and pays the ledger, noise calibration, and the run's privacy summary.
 */
import type { RandomSource } from '../../crypto/random.js';
import type { BudgetLedger } from '../../dp/budget-ledger.js';
import { InMemoryBudgetLedger } from '../../dp/budget-ledger-memory.js';
import { CohortError } from '../../errors.js';
import type { BudgetStop, RoundGateDecision } from '../dp/budgeted-federation.js';
import { calibrateNoiseMultiplier, subsampledGaussianEpsilon } from '../dp/accounting.js';
import type { DpRoundRecord } from '../dp/dp-fedavg.js';
import { RoundBudget, ensureBudgets, type OwnerPrivacy } from '../dp/round-budget.js';
import type { FedAvgOptions, StrategySpec } from '../strategies/index.js';
import type { Strategy } from '../strategy.js';
import type { SimulationConfig } from './config.js';
import type { DpSimulationConfig, OwnerPrivacySummary, PrivacySummary } from './privacy-config.js';

/** Run-time privacy inputs that are not settings: where spends go and where noise comes from. */
export interface PrivacyHooks {
  /** Default: a fresh in-memory ledger. */
  readonly ledger?: BudgetLedger;
  /** Noise and client sampling source; default the CSPRNG (a seeded source is accepted in tests only). */
  readonly rng?: RandomSource;
  /** Names the run in the ledger's idempotency keys; default a random UUID. */
  readonly runId?: string;
}

export interface PrivatePlan {
  readonly strategy: Strategy;
  readonly beforeRound: (round: number) => Promise<RoundGateDecision>;
  /** ε after `round` rounds (the largest over owners). */
  epsilonAfter(round: number): number;
  /** User level: what DP-FedAvg did in `round`. */
  roundRecord(round: number): DpRoundRecord | undefined;
  summarize(roundsRun: number, stoppedEarly: BudgetStop | undefined): PrivacySummary;
}

/** One owner's mechanism: `stepsPerRound` Poisson-subsampled Gaussian steps each round. */
export interface OwnerMechanism {
  readonly owner: string;
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  readonly stepsPerRound: number;
}

export interface PlanInput {
  readonly config: SimulationConfig;
  readonly dp: DpSimulationConfig;
  readonly strategySpec: StrategySpec;
  readonly strategyOptions: FedAvgOptions;
  readonly clientIds: readonly string[];
  readonly clientSizes: readonly number[];
  readonly hooks: PrivacyHooks;
}

/** Calibrates σ for `steps` steps at `sampleRate` to the target ε, naming the flag when it cannot. */
export function calibrateForTarget(dp: DpSimulationConfig, sampleRate: number, steps: number, what: string): number {
  const targetEpsilon = dp.targetEpsilon as number;
  try {
    return calibrateNoiseMultiplier({ targetEpsilon, sampleRate, steps, delta: dp.delta, accountant: dp.accountant });
  } catch (error) {
    if (error instanceof CohortError && error.code === 'DP_TARGET_UNREACHABLE') {
      throw new CohortError('DP_TARGET_UNREACHABLE', `--target-epsilon ${targetEpsilon} cannot be reached with ${what} at --delta ${dp.delta} (a noise multiplier above 10^4 would be needed); raise the target or run fewer rounds`, {
        subject: '--target-epsilon',
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * The schedule, gate and summary shared by both levels, from each owner's mechanism. ε per owner
 * after t rounds is one accountant call on (σ, q, t·stepsPerRound, δ), memoised.
 */
export async function budgetedPlan(
  input: PlanInput,
  mechanisms: readonly OwnerMechanism[],
  strategy: Strategy,
  extras: { readonly calibrated: boolean; readonly unit: string; readonly roundRecord?: (round: number) => DpRoundRecord | undefined; readonly describe?: () => Partial<PrivacySummary> },
): Promise<PrivatePlan> {
  const { dp, config, hooks } = input;
  const cache = new Map<string, number>();
  const epsilonOf = (mechanism: OwnerMechanism, rounds: number): number => {
    const steps = rounds * mechanism.stepsPerRound;
    const key = `${mechanism.noiseMultiplier}:${mechanism.sampleRate}:${steps}`;
    let epsilon = cache.get(key);
    if (epsilon === undefined) {
      epsilon = subsampledGaussianEpsilon({ noiseMultiplier: mechanism.noiseMultiplier, sampleRate: mechanism.sampleRate, steps }, dp.delta, dp.accountant);
      cache.set(key, epsilon);
    }
    return epsilon;
  };
  const schedule = (rounds: number): OwnerPrivacy[] =>
    mechanisms.map((mechanism) => ({ owner: mechanism.owner, epsilon: epsilonOf(mechanism, rounds), delta: rounds === 0 ? 0 : dp.delta }));
  const epsilonAfter = (rounds: number): number => Math.max(0, ...schedule(rounds).map((owner) => owner.epsilon));

  const budgetEpsilon = dp.targetEpsilon ?? Number.POSITIVE_INFINITY;
  const ledger = hooks.ledger ?? new InMemoryBudgetLedger();
  // Owners new to the ledger get the run's budget (or, with no target, what the planned rounds spend).
  const ledgerEpsilon = Number.isFinite(budgetEpsilon) ? budgetEpsilon : epsilonAfter(config.rounds);
  await ensureBudgets(
    ledger,
    mechanisms.map((mechanism) => mechanism.owner),
    { epsilon: ledgerEpsilon, delta: dp.delta },
  );
  const runId = hooks.runId ?? `simulation-${globalThis.crypto.randomUUID()}`;
  const budget = new RoundBudget({
    budget: { epsilon: budgetEpsilon, delta: dp.delta },
    schedule,
    ledger,
    runId,
    purpose: `${dp.level === 'user' ? 'DP-FedAvg (user-level DP)' : 'DP-SGD on each client (sample-level DP)'} on ${config.data}`,
    details: { level: dp.level, accountant: dp.accountant, clippingNorm: dp.clippingNorm },
  });

  return {
    strategy,
    beforeRound: (round) => budget.beforeRound(round),
    epsilonAfter,
    roundRecord: extras.roundRecord ?? (() => undefined),
    summarize(roundsRun, stoppedEarly) {
      const owners: OwnerPrivacySummary[] = mechanisms.map((mechanism) => ({
        owner: mechanism.owner,
        epsilon: epsilonOf(mechanism, roundsRun),
        delta: roundsRun === 0 ? 0 : dp.delta,
        noiseMultiplier: mechanism.noiseMultiplier,
        sampleRate: mechanism.sampleRate,
        steps: roundsRun * mechanism.stepsPerRound,
      }));
      const worst = owners.reduce((a, b) => (b.epsilon > a.epsilon ? b : a), owners[0] as OwnerPrivacySummary);
      return {
        epsilon: worst.epsilon,
        delta: dp.delta,
        level: dp.level,
        accountant: dp.accountant,
        noiseMultiplier: Math.max(...owners.map((owner) => owner.noiseMultiplier)),
        budgetEpsilon: dp.targetEpsilon ?? null,
        calibrated: extras.calibrated,
        sampleRate: worst.sampleRate,
        clippingNorm: dp.clippingNorm,
        rounds: roundsRun,
        ...(stoppedEarly === undefined ? {} : { stoppedEarly }),
        owners,
        ledger: dp.ledger ?? 'memory',
        unit: extras.unit,
        ...(extras.describe?.() ?? {}),
      };
    },
  };
}

