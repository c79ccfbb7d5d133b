/**
 * What both DP levels share, in a simulation and on the network server alike: each owner's privacy
 * schedule (what it has spent after taking part in t rounds, by the same accountant calls as
 * `cohort dp epsilon`), the round gate that enforces the budget and pays the ledger, noise
 * calibration, and the run's privacy summary. Owners may be known before the run (a simulation's
 * clients) or appear while it runs (clients joining a server).
 */
import type { RandomSource } from '../../crypto/random.js';
import type { BudgetLedger } from '../../dp/budget-ledger.js';
import { InMemoryBudgetLedger } from '../../dp/budget-ledger-memory.js';
import { CohortError } from '../../errors.js';
import type { BudgetStop, RoundGate } from '../dp/budget-gate.js';
import { calibrateNoiseMultiplier, subsampledGaussianEpsilon } from '../dp/accounting.js';
import type { DpRoundRecord } from '../dp/dp-fedavg.js';
import { RoundBudget, type OwnerSchedule } from '../dp/round-budget.js';
import type { FedAvgOptions, StrategySpec } from '../strategies/index.js';
import type { SecureUpdateEncoder } from '../secure-aggregation/encoder.js';
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
  /** The private strategy (DP-FedAvg around the chosen one, or DP-SGD settings on every client). */
  readonly strategy: Strategy;
  /** The budget gate: asked in each round once its clients are chosen (budget-gate.ts). */
  readonly beforeRound: RoundGate;
  /** ε after `round` rounds (the largest over owners). */
  epsilonAfter(round: number): number;
  /** User level: what DP-FedAvg did in `round`. */
  roundRecord(round: number): DpRoundRecord | undefined;
  summarize(roundsRun: number, stoppedEarly: BudgetStop | undefined): PrivacySummary;
  /** Continues a run's accounting from what the ledger already holds for its run id (a restarted server). */
  restore(): Promise<void>;
  /** --dp distributed: what the clients mask under SecAgg+ (their noise is in it). */
  readonly secureEncoder?: SecureUpdateEncoder;
}

/** One owner's mechanism: `stepsPerRound` Poisson-subsampled Gaussian steps each round it takes part in. */
export interface OwnerMechanism {
  readonly owner: string;
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  readonly stepsPerRound: number;
  /** ε after taking part in `rounds` rounds, when the mechanism is not a subsampled Gaussian (--dp distributed). */
  readonly epsilonAfter?: (rounds: number) => number;
}

/** The run settings the privacy plan reads (a SimulationConfig, or a network server's flags). */
export type PlanSettings = Pick<SimulationConfig, 'data' | 'rounds' | 'fraction' | 'batchSize' | 'localEpochs' | 'strategy'> & Partial<Pick<SimulationConfig, 'secureAggregation' | 'seed'>>;

export interface PlanInput {
  readonly config: PlanSettings;
  readonly dp: DpSimulationConfig;
  readonly strategySpec: StrategySpec;
  readonly strategyOptions: FedAvgOptions;
  /** Clients known before the run, in order (all of a simulation's; none for a server). */
  readonly clientIds: readonly string[];
  readonly clientSizes: readonly number[];
  /** K, the clients of the federation, for the user-level checks (default: clientIds.length). */
  readonly population?: number;
  /**
   * Sample level, clients that appear during the run: called when one cannot be protected (its data
   * is too small for --delta or the target ε); it is then left out of the rounds. Without it such a
   * client stops the run with the error.
   */
  readonly onUnprotectable?: (clientId: string, reason: string) => void;
  readonly hooks: PrivacyHooks;
  /** The model's parameter count (--dp distributed sizes its rotation and accounting by it). */
  readonly numParameters?: number;
}

const PURPOSES = {
  user: 'DP-FedAvg (user-level DP)',
  sample: 'DP-SGD on each client (sample-level DP)',
  distributed: 'distributed discrete Gaussian under SecAgg+ (user-level DP)',
} as const;

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

export interface PlanExtras {
  readonly calibrated: boolean;
  readonly unit: string;
  /** Who pays for a round: every available client (user level, default) or the clients chosen to train (sample level). */
  readonly charge?: 'available' | 'chosen';
  readonly roundRecord?: (round: number) => DpRoundRecord | undefined;
  readonly describe?: () => Partial<PrivacySummary>;
  /** A resumed run: an owner's mechanism as its ledger entries recorded it (it must not change mid-run). */
  readonly restoreMechanism?: (mechanism: OwnerMechanism) => void;
}

/**
 * The schedule, gate and summary shared by both levels, from each owner's mechanism (a list, or a
 * function for owners that appear during the run). ε of an owner after it took part in t rounds is
 * one accountant call on (σ, q, t·stepsPerRound, δ), memoised.
 */
export async function budgetedPlan(
  input: PlanInput,
  mechanisms: readonly OwnerMechanism[] | ((owner: string) => OwnerMechanism),
  strategy: Strategy,
  extras: PlanExtras,
): Promise<PrivatePlan> {
  const { dp, config, hooks } = input;
  const known = typeof mechanisms === 'function' ? new Map<string, OwnerMechanism>() : new Map(mechanisms.map((mechanism) => [mechanism.owner, mechanism]));
  const mechanismOf = (owner: string): OwnerMechanism => {
    let mechanism = known.get(owner);
    if (mechanism === undefined) {
      if (typeof mechanisms !== 'function') throw new CohortError('INTERNAL', `no DP mechanism for client ${JSON.stringify(owner)}`);
      mechanism = mechanisms(owner);
      known.set(owner, mechanism);
    }
    return mechanism;
  };
  const cache = new Map<string, number>();
  const epsilonOf = (mechanism: OwnerMechanism, rounds: number): number => {
    if (mechanism.epsilonAfter !== undefined) return mechanism.epsilonAfter(rounds);
    const steps = rounds * mechanism.stepsPerRound;
    const key = `${mechanism.noiseMultiplier}:${mechanism.sampleRate}:${steps}`;
    let epsilon = cache.get(key);
    if (epsilon === undefined) {
      epsilon = subsampledGaussianEpsilon({ noiseMultiplier: mechanism.noiseMultiplier, sampleRate: mechanism.sampleRate, steps }, dp.delta, dp.accountant);
      cache.set(key, epsilon);
    }
    return epsilon;
  };
  const scheduleOf = (owner: string): OwnerSchedule => {
    const mechanism = mechanismOf(owner);
    return (rounds) => ({ epsilon: epsilonOf(mechanism, rounds), delta: rounds === 0 ? 0 : dp.delta });
  };

  const budgetEpsilon = dp.targetEpsilon ?? Number.POSITIVE_INFINITY;
  const ledger = hooks.ledger ?? new InMemoryBudgetLedger();
  const runId = hooks.runId ?? `simulation-${globalThis.crypto.randomUUID()}`;
  const budget = new RoundBudget({
    budget: { epsilon: budgetEpsilon, delta: dp.delta },
    scheduleOf,
    // Owners new to the ledger get the run's budget or, with no target, what the planned rounds would
    // spend, with room for the one-ulp round-up of each round's increment (round-budget.ts).
    ledgerBudgetOf: (owner) => ({
      epsilon: Number.isFinite(budgetEpsilon) ? budgetEpsilon : epsilonOf(mechanismOf(owner), config.rounds) * (1 + (config.rounds + 1) * 2 ** -50),
      delta: dp.delta,
    }),
    ledger,
    runId,
    purpose: `${PURPOSES[dp.level]} on ${config.data}`,
    details: { level: dp.level, accountant: dp.accountant, clippingNorm: dp.clippingNorm },
    ownerDetails: (owner) => {
      const { noiseMultiplier, sampleRate, stepsPerRound } = mechanismOf(owner);
      return { noiseMultiplier, sampleRate, stepsPerRound };
    },
  });
  const charge = extras.charge ?? 'available';
  const owners = (): string[] => [...new Set([...input.clientIds, ...budget.knownOwners()])];

  return {
    strategy,
    beforeRound: (round, participants) => budget.beforeRound(round, charge === 'chosen' ? participants.chosen : participants.available),
    epsilonAfter: (round) => Math.max(0, ...budget.totalsAfter(round).map((owner) => owner.epsilon)),
    roundRecord: extras.roundRecord ?? (() => undefined),
    async restore() {
      for (const [owner, d] of await budget.restore()) {
        if (known.has(owner) || typeof d.noiseMultiplier !== 'number' || typeof d.sampleRate !== 'number' || typeof d.stepsPerRound !== 'number') continue;
        const mechanism = { owner, noiseMultiplier: d.noiseMultiplier, sampleRate: d.sampleRate, stepsPerRound: d.stepsPerRound };
        known.set(owner, mechanism);
        extras.restoreMechanism?.(mechanism);
      }
    },
    summarize(roundsRun, stoppedEarly) {
      const summaries: OwnerPrivacySummary[] = owners().map((owner) => {
        const mechanism = mechanismOf(owner);
        const rounds = budget.roundsOf(owner);
        return {
          owner,
          epsilon: epsilonOf(mechanism, rounds),
          delta: rounds === 0 ? 0 : dp.delta,
          noiseMultiplier: mechanism.noiseMultiplier,
          sampleRate: mechanism.sampleRate,
          steps: rounds * mechanism.stepsPerRound,
          rounds,
        };
      });
      const worst = summaries.reduce<OwnerPrivacySummary | undefined>((a, b) => (a === undefined || b.epsilon > a.epsilon ? b : a), undefined);
      return {
        epsilon: worst?.epsilon ?? 0,
        delta: dp.delta,
        level: dp.level,
        accountant: dp.accountant,
        noiseMultiplier: summaries.length > 0 ? Math.max(...summaries.map((owner) => owner.noiseMultiplier)) : (dp.noiseMultiplier ?? 0),
        budgetEpsilon: dp.targetEpsilon ?? null,
        calibrated: extras.calibrated,
        sampleRate: worst?.sampleRate ?? (dp.level === 'user' ? config.fraction : 0),
        clippingNorm: dp.clippingNorm,
        rounds: roundsRun,
        ...(stoppedEarly === undefined ? {} : { stoppedEarly }),
        owners: summaries,
        ledger: dp.ledger ?? 'memory',
        unit: extras.unit,
        ...(extras.describe?.() ?? {}),
      };
    },
  };
}
