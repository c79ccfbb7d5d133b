/**
 * The differential-privacy settings of a federated run (`cohort simulate --dp ...`, and the network
 * server's `cohort server --dp ...`) and what the run result reports about privacy.
 * docs/dp-federated.md explains the two levels.
 */
import { check } from '../../errors.js';

/** 'distributed': user-level DP from the clients' own discrete Gaussian noise under SecAgg+ (docs/distributed-dp.md). */
export type PrivacyLevel = 'sample' | 'user' | 'distributed';

export interface DpSimulationConfig {
  /** 'user': DP-FedAvg, each client's whole data is the protected unit; 'sample': each client runs DP-SGD, each record is the unit. */
  readonly level: PrivacyLevel;
  /** The run's ε budget. Alone it calibrates the noise to spend exactly this over the planned rounds; with a noise multiplier it caps the run. */
  readonly targetEpsilon?: number;
  /** The noise multiplier (noise std / clipping norm). Alone the run reports the ε it spends. */
  readonly noiseMultiplier?: number;
  readonly delta: number;
  /** User level: the clipping norm of each client's update; sample level: of each example's gradient. */
  readonly clippingNorm: number;
  /** Adaptive clipping of client updates (user level only; Andrew et al. 2021). */
  readonly adaptiveClipping: boolean;
  readonly accountant: 'rdp' | 'pld';
  /** Where the spends were recorded (a SQLite file), or absent for the in-memory ledger. Informational. */
  readonly ledger?: string;
}

export interface OwnerPrivacySummary {
  readonly owner: string;
  readonly epsilon: number;
  readonly delta: number;
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  /** Steps accounted (rounds for user level, DP-SGD steps for sample level). */
  readonly steps: number;
  /** Rounds the owner was charged for: every round at user level, the rounds it trained in at sample level. */
  readonly rounds: number;
}

export interface PrivacySummary {
  /** ε spent by the run (the largest over data owners at sample level). */
  readonly epsilon: number;
  readonly delta: number;
  readonly level: PrivacyLevel;
  readonly accountant: 'rdp' | 'pld';
  /** The noise multiplier the accountant saw (user level: z per round; sample level: σ of DP-SGD, the largest over owners). */
  readonly noiseMultiplier: number;
  /** The run's ε budget (the target ε), or null when only a noise multiplier was given. */
  readonly budgetEpsilon: number | null;
  /** True when the noise multiplier was calibrated from the target ε. */
  readonly calibrated: boolean;
  /** Per-round (user level) or per-step (sample level) sampling probability. */
  readonly sampleRate: number;
  readonly clippingNorm: number;
  /** Rounds run (each owner's own count is in `owners`). */
  readonly rounds: number;
  /** Present when the budget stopped the run before its last planned round. */
  readonly stoppedEarly?: { readonly round: number; readonly reason: string };
  /** Every data owner's guarantee (all equal at user level). */
  readonly owners: readonly OwnerPrivacySummary[];
  /** User level with adaptive clipping. */
  readonly adaptiveClipping?: {
    readonly targetQuantile: number;
    readonly learningRate: number;
    readonly countNoiseStd: number;
    /** The noise multiplier applied to the update sum, z_Δ > z (Andrew et al. 2021, Theorem 1). */
    readonly updateNoiseMultiplier: number;
    readonly finalClippingNorm: number;
  };
  /** 'memory' or the SQLite file the spends went to. */
  readonly ledger: string;
  /** What the guarantee covers, in words. */
  readonly unit: string;
  /** --dp distributed: the noise comes from the clients (level 'user'). */
  readonly mechanism?: 'distributed-discrete-gaussian';
  /** --dp distributed: the parameters of the distributed discrete Gaussian (integer domain; src/dp/calibration/distributed-discrete-gaussian.ts). */
  readonly distributedDiscreteGaussian?: {
    /** The fewest clients whose noise each released sum holds (SecAgg+'s threshold). */
    readonly noiseShares: number;
    /** The clients per round (the most inputs in one sum). */
    readonly maxContributors: number;
    /** The model's parameters padded to a power of two. */
    readonly dimension: number;
    readonly granularity: number;
    readonly localVariance: number;
    readonly l2Sensitivity: number;
    readonly tau: number;
    /** √(n·V)/Δ₂: below the nominal noise multiplier by the rounding inflation. */
    readonly effectiveNoiseMultiplier: number;
    /** The bound on every |coordinate| of the sum, ≤ 2^31 − 1. */
    readonly sumBound: number;
    readonly rotationSeed: number;
  };
}

/** Checks the settings that do not depend on the data (the CLI checks them while parsing flags). */
export function checkDpConfig(dp: DpSimulationConfig): void {
  check(typeof dp === 'object' && dp !== null, 'dp', dp, 'an object');
  check(dp.level === 'sample' || dp.level === 'user' || dp.level === 'distributed', '--dp', dp.level, '"sample", "user" or "distributed"');
  check(dp.targetEpsilon !== undefined || dp.noiseMultiplier !== undefined, '--target-epsilon', dp.targetEpsilon, 'given, or --noise-multiplier, with --dp');
  if (dp.targetEpsilon !== undefined) check(Number.isFinite(dp.targetEpsilon) && dp.targetEpsilon > 0, '--target-epsilon', dp.targetEpsilon, 'a finite number > 0');
  if (dp.noiseMultiplier !== undefined) check(Number.isFinite(dp.noiseMultiplier) && dp.noiseMultiplier > 0, '--noise-multiplier', dp.noiseMultiplier, 'a finite number > 0');
  check(typeof dp.delta === 'number' && dp.delta > 0 && dp.delta < 1, '--delta', dp.delta, 'in (0, 1)');
  check(Number.isFinite(dp.clippingNorm) && dp.clippingNorm > 0, '--clip', dp.clippingNorm, 'a finite number > 0');
  check(dp.accountant === 'rdp' || dp.accountant === 'pld', '--accountant', dp.accountant, '"rdp" or "pld"');
  check(!(dp.adaptiveClipping && dp.level !== 'user'), '--adaptive-clip', `with --dp ${dp.level}`, 'used with --dp user only (it adapts the clipping of client updates)');
  check(!(dp.level === 'distributed' && dp.accountant !== 'rdp'), '--accountant', `${dp.accountant} with --dp distributed`, 'rdp (the distributed discrete Gaussian is accounted by its RDP bound)');
}
