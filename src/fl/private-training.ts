/**
 * Centralised private training: DP-SGD (ml/dp-sgd) with its privacy accounting (dp/), the two
 * joined here because ml/ may not import dp/.
 *
 *   trainPrivately(model, data, { epochs, sampleRate | batchSize, clippingNorm,
 *                                 noiseMultiplier | targetEpsilon, delta, accountant, optimizer, budget? })
 *     → { model, epsilon, epsilonPerEpoch, steps, noiseMultiplier, stoppedEarly, stopReason, ... }
 *
 * - targetEpsilon: the noise multiplier is calibrated before training (noiseMultiplierForEpsilon)
 *   so that all planned steps stay within it.
 * - budget: an ε ceiling at `delta`. Steps are deterministic events, so the largest number of steps
 *   within the budget is known before training (ε is non-decreasing in the steps); training stops
 *   cleanly there, with the model so far, and says why.
 * - The reported ε is the accountant's for one event {poisson-gaussian, σ, q, steps} at δ, exactly
 *   what `cohort dp epsilon` prints for the same (q, σ, steps, δ).
 * The privacy unit is one example of `data` (add/remove-one adjacency); see docs/dp-sgd.md.
 */
import { SeededRandom, type RandomSource } from '../crypto/random.js';
import type { Dataset } from '../data/dataset.js';
import { createAccountant } from '../dp/accountants/index.js';
import { noiseMultiplierForEpsilon } from '../dp/calibration/noise-multiplier.js';
import { CohortError, check } from '../errors.js';
import { DpSgdTrainer, batchGeometry, type BatchSampling, type DpSgdOptions } from '../ml/dp-sgd/dp-sgd.js';
import type { GaussianNoiseSource, NoiseConstruction } from '../ml/dp-sgd/gaussian-noise.js';
import type { OptimizerSpec } from '../ml/model.js';
import type { TfModel } from '../ml/tf-model.js';

export type PrivacyAccountantName = 'rdp' | 'pld';

export interface PrivateTrainingOptions {
  /** Passes over the data: epochs × stepsPerEpoch steps are planned (stepsPerEpoch = round(1/q) for Poisson). */
  readonly epochs: number;
  /** q, the Poisson sampling rate. Give this or batchSize. */
  readonly sampleRate?: number;
  /** The expected batch size: q = batchSize / n. Give this or sampleRate. */
  readonly batchSize?: number;
  /** C, the per-example gradient clipping norm. */
  readonly clippingNorm: number;
  /** σ. Give this or targetEpsilon. */
  readonly noiseMultiplier?: number;
  /** Calibrate σ so that the planned steps spend at most this ε at `delta`. */
  readonly targetEpsilon?: number;
  /** δ, below 1/n. */
  readonly delta: number;
  /** Default 'rdp'. */
  readonly accountant?: PrivacyAccountantName;
  readonly optimizer: OptimizerSpec;
  /** An ε ceiling at `delta`: training stops before the step that would exceed it. */
  readonly budget?: number;
  /** Default 'poisson'. 'shuffle' is NOT covered by the accountants' analysis (reported in warnings). */
  readonly sampling?: BatchSampling;
  readonly clipping?: DpSgdOptions['clipping'];
  /** Batch sampling and noise from this source. Default: the platform CSPRNG, noise in a background worker. */
  readonly rng?: RandomSource;
  /**
   * Tests only: sampling and noise from SeededRandom(seed), so a run repeats. Refused outside a test
   * run (INSECURE_RANDOMNESS): a seeded run has no privacy guarantee.
   */
  readonly seed?: number;
  readonly noise?: GaussianNoiseSource;
  readonly noiseConstruction?: NoiseConstruction;
  /** Called after each epoch (and at an early stop) with the privacy spent so far. */
  readonly onEpoch?: (progress: PrivateEpochProgress) => void | Promise<void>;
}

export interface PrivateEpochProgress {
  /** 1-based; a partial epoch at an early stop counts. */
  readonly epoch: number;
  readonly steps: number;
  readonly epsilon: number;
}

export interface PrivateTrainingResult {
  /** The model passed in, trained in place. */
  readonly model: TfModel;
  /** ε spent at `delta` by the steps taken. */
  readonly epsilon: number;
  readonly delta: number;
  /** Cumulative ε after each epoch; after an early stop the last entry is at the stop. */
  readonly epsilonPerEpoch: readonly number[];
  readonly steps: number;
  readonly plannedSteps: number;
  readonly stepsPerEpoch: number;
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  readonly clippingNorm: number;
  readonly accountant: PrivacyAccountantName;
  /** The event the accountant composed (what `cohort dp epsilon` takes). */
  readonly event: { readonly kind: 'poisson-gaussian'; readonly noiseMultiplier: number; readonly sampleRate: number; readonly steps: number };
  readonly stoppedEarly: boolean;
  /** Why training stopped before the planned steps. */
  readonly stopReason?: string;
  readonly sampling: BatchSampling;
  /** False for shuffled fixed-size batches: the ε then assumes a sampling that did not happen. */
  readonly samplingCoveredByAccountant: boolean;
  /** Things the caller should show: clipping fallbacks, an uncovered sampling scheme. */
  readonly warnings: readonly string[];
}

/** ε of `steps` DP-SGD steps, by a fresh accountant holding one event (as `cohort dp epsilon` computes it). */
export function dpSgdEpsilon(params: {
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  readonly steps: number;
  readonly delta: number;
  readonly accountant: PrivacyAccountantName;
}): number {
  if (params.steps === 0) return 0;
  return createAccountant(params.accountant)
    .compose({ kind: 'poisson-gaussian', noiseMultiplier: params.noiseMultiplier, sampleRate: params.sampleRate, steps: params.steps })
    .getEpsilon(params.delta);
}

/** The largest t ≤ maxSteps with ε(t) ≤ budget (ε is non-decreasing in t), by bisection. */
export function stepsWithinBudget(
  params: { readonly noiseMultiplier: number; readonly sampleRate: number; readonly delta: number; readonly accountant: PrivacyAccountantName },
  budget: number,
  maxSteps: number,
): number {
  const epsilonAt = (steps: number): number => dpSgdEpsilon({ ...params, steps });
  if (epsilonAt(maxSteps) <= budget) return maxSteps;
  let low = 0; // ε(low) ≤ budget
  let high = maxSteps; // ε(high) > budget
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (epsilonAt(middle) <= budget) low = middle;
    else high = middle;
  }
  return low;
}

interface ResolvedPlan {
  readonly sampleRate: number;
  readonly noiseMultiplier: number;
  readonly accountant: PrivacyAccountantName;
  readonly sampling: BatchSampling;
  readonly stepsPerEpoch: number;
  readonly plannedSteps: number;
}

function resolvePlan(model: TfModel, data: Dataset, options: PrivateTrainingOptions): ResolvedPlan {
  check(typeof options === 'object' && options !== null, 'options', options, 'an object');
  check(typeof model === 'object' && model !== null && 'architecture' in model, 'model', model, 'a TfModel');
  check(typeof data === 'object' && data !== null && Number.isInteger(data.numExamples) && data.numExamples >= 1, 'data', data, 'a Dataset with at least one example');
  const n = data.numExamples;
  check(Number.isSafeInteger(options.epochs) && options.epochs >= 1, 'epochs', options.epochs, 'an integer ≥ 1');
  check(Number.isFinite(options.clippingNorm) && options.clippingNorm > 0, 'clippingNorm', options.clippingNorm, 'a finite number > 0');
  check(typeof options.delta === 'number' && options.delta > 0 && options.delta < 1, 'delta', options.delta, 'in (0, 1)');
  // A δ of 1/n or more allows a mechanism that publishes one whole record at random (Dwork & Roth 2014, §2.3).
  check(options.delta < 1 / n, 'delta', options.delta, `below 1/n = ${1 / n} for n = ${n} examples`);
  const accountant = options.accountant ?? 'rdp';
  check(accountant === 'rdp' || accountant === 'pld', 'accountant', accountant, '"rdp" or "pld"');
  const sampling = options.sampling ?? 'poisson';
  check(sampling === 'poisson' || sampling === 'shuffle', 'sampling', sampling, '"poisson" or "shuffle"');

  if ((options.sampleRate === undefined) === (options.batchSize === undefined)) {
    throw new CohortError('INVALID_ARGUMENT', `give exactly one of sampleRate and batchSize (got ${options.sampleRate === undefined ? 'neither' : 'both'})`, {
      subject: options.sampleRate === undefined ? 'sampleRate' : 'batchSize',
    });
  }
  if (options.batchSize !== undefined) {
    check(Number.isSafeInteger(options.batchSize) && options.batchSize >= 1 && options.batchSize <= n, 'batchSize', options.batchSize, `an integer in [1, n = ${n}]`);
  } else {
    check(typeof options.sampleRate === 'number' && options.sampleRate > 0 && options.sampleRate <= 1, 'sampleRate', options.sampleRate, 'in (0, 1]');
  }
  const sampleRate = options.sampleRate ?? (options.batchSize as number) / n;
  const { stepsPerEpoch } = batchGeometry(n, sampleRate, sampling);
  const plannedSteps = options.epochs * stepsPerEpoch;

  if ((options.noiseMultiplier === undefined) === (options.targetEpsilon === undefined)) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `give exactly one of noiseMultiplier and targetEpsilon (got ${options.noiseMultiplier === undefined ? 'neither' : 'both'})`,
      { subject: options.noiseMultiplier === undefined ? 'noiseMultiplier' : 'targetEpsilon' },
    );
  }
  if (options.budget !== undefined) {
    check(Number.isFinite(options.budget) && options.budget > 0, 'budget', options.budget, 'a finite number > 0');
  }
  let noiseMultiplier: number;
  if (options.noiseMultiplier !== undefined) {
    check(Number.isFinite(options.noiseMultiplier) && options.noiseMultiplier > 0, 'noiseMultiplier', options.noiseMultiplier, 'a finite number > 0');
    noiseMultiplier = options.noiseMultiplier;
  } else {
    // Throws DP_TARGET_UNREACHABLE naming targetEpsilon when no σ ≤ 10⁴ reaches it.
    noiseMultiplier = noiseMultiplierForEpsilon({
      targetEpsilon: options.targetEpsilon as number,
      sampleRate,
      steps: plannedSteps,
      delta: options.delta,
      accountant,
    }).noiseMultiplier;
  }
  return { sampleRate, noiseMultiplier, accountant, sampling, stepsPerEpoch, plannedSteps };
}

export async function trainPrivately(model: TfModel, data: Dataset, options: PrivateTrainingOptions): Promise<PrivateTrainingResult> {
  const plan = resolvePlan(model, data, options);
  const { sampleRate, noiseMultiplier, accountant, sampling, stepsPerEpoch, plannedSteps } = plan;
  const delta = options.delta;
  const privacy = { noiseMultiplier, sampleRate, delta, accountant };
  const allowedSteps = options.budget === undefined ? plannedSteps : stepsWithinBudget(privacy, options.budget, plannedSteps);
  check(options.seed === undefined || (Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32), 'seed', options.seed, 'an integer in [0, 2^32)');
  const rng = options.rng ?? (options.seed === undefined ? undefined : new SeededRandom(options.seed));

  const warnings: string[] = [];
  if (sampling === 'shuffle') {
    warnings.push(
      'sampling "shuffle" (fixed-size batches from a shuffled order) is not covered by the Poisson-subsampling analysis of the ' +
        `${accountant.toUpperCase()} accountant: the reported epsilon assumes Poisson sampling at rate ${sampleRate}`,
    );
  }
  const epsilonPerEpoch: number[] = [];
  let steps = 0;
  if (allowedSteps > 0) {
    const trainer = await DpSgdTrainer.create(model, data, {
      noiseMultiplier,
      clippingNorm: options.clippingNorm,
      sampleRate,
      optimizer: options.optimizer,
      sampling,
      ...(options.clipping === undefined ? {} : { clipping: options.clipping }),
      ...(rng === undefined ? {} : { rng }),
      ...(options.noise === undefined ? {} : { noise: options.noise }),
      ...(options.noiseConstruction === undefined ? {} : { noiseConstruction: options.noiseConstruction }),
    });
    warnings.push(...trainer.plan.warnings);
    try {
      for (let epoch = 1; epoch <= options.epochs && steps < allowedSteps; epoch++) {
        const epochEnd = Math.min(allowedSteps, epoch * stepsPerEpoch);
        while (steps < epochEnd) {
          await trainer.step();
          steps += 1;
        }
        const epsilon = dpSgdEpsilon({ ...privacy, steps });
        epsilonPerEpoch.push(epsilon);
        await options.onEpoch?.({ epoch, steps, epsilon });
      }
    } finally {
      await trainer.close();
    }
  }
  const epsilon = dpSgdEpsilon({ ...privacy, steps });
  const stoppedEarly = steps < plannedSteps;
  const stopReason = stoppedEarly
    ? `privacy budget: step ${steps + 1} would spend epsilon = ${dpSgdEpsilon({ ...privacy, steps: steps + 1 })} > budget ${options.budget} ` +
      `at delta = ${delta} (${accountant.toUpperCase()}, noise multiplier ${noiseMultiplier}, sample rate ${sampleRate}); ` +
      `stopped after ${steps} of ${plannedSteps} planned steps with epsilon = ${epsilon}`
    : undefined;
  return {
    model,
    epsilon,
    delta,
    epsilonPerEpoch,
    steps,
    plannedSteps,
    stepsPerEpoch,
    noiseMultiplier,
    sampleRate,
    clippingNorm: options.clippingNorm,
    accountant,
    event: { kind: 'poisson-gaussian', noiseMultiplier, sampleRate, steps },
    stoppedEarly,
    ...(stopReason === undefined ? {} : { stopReason }),
    sampling,
    samplingCoveredByAccountant: sampling === 'poisson',
    warnings,
  };
}
