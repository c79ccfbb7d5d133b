/**
 * Turns a run's DP settings into a private run — a simulation's, or the network server's (whose
 * clients join while it runs). User level: DP-FedAvg around the chosen strategy (here); sample
 * level: DP-SGD on every client (privacy-sample-level.ts).
 */
import { CohortError } from '../../errors.js';
import { DpFedAvg } from '../dp/dp-fedavg.js';
import { createStrategy } from '../strategies/index.js';
import { budgetedPlan, calibrateForTarget, type PlanInput, type PrivatePlan } from './privacy-plan-common.js';
import { planDistributed } from './privacy-distributed.js';
import { planSampleLevel } from './privacy-sample-level.js';

export type { PlanInput, PlanSettings, PrivacyHooks, PrivatePlan } from './privacy-plan-common.js';
export { checkSampleLevelDelta } from './privacy-sample-level.js';

export async function planPrivacy(input: PlanInput): Promise<PrivatePlan> {
  if (input.dp.level === 'distributed') return planDistributed(input);
  return input.dp.level === 'user' ? planUserLevel(input) : planSampleLevel(input);
}

function planUserLevel(input: PlanInput): Promise<PrivatePlan> {
  const { config, dp, clientIds } = input;
  const clients = input.population ?? clientIds.length;
  if (!(dp.delta < 1 / clients)) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `--delta ${dp.delta} must be below 1/n = ${1 / clients} for user-level DP (n = ${clients} clients); a δ that large permits releasing a whole client's data`,
      { subject: '--delta' },
    );
  }
  const kind = input.strategySpec.kind;
  if (kind !== 'fedavg' && kind !== 'fedprox') {
    throw new CohortError(
      'UNSUPPORTED',
      `--strategy ${config.strategy} cannot be used with --dp user: DP-FedAvg noises the plain mean of the clipped updates, and ${kind} aggregates differently; use fedavg or fedprox:MU`,
      { subject: '--strategy' },
    );
  }
  const sampleRate = config.fraction;
  const noiseMultiplier = dp.noiseMultiplier ?? calibrateForTarget(dp, sampleRate, config.rounds, `${config.rounds} rounds at client sampling rate ${sampleRate}`);
  // DpFedAvg samples the clients itself (Poisson), so the inner strategy takes every client it is offered.
  const inner = createStrategy(input.strategySpec, { ...input.strategyOptions, fraction: 1 });
  const strategy = new DpFedAvg(inner, {
    noiseMultiplier,
    clippingNorm: dp.clippingNorm,
    sampleRate,
    adaptiveClipping: dp.adaptiveClipping,
    ...(input.hooks.rng === undefined ? {} : { rng: input.hooks.rng }),
  });
  try {
    strategy.prepare(clients);
  } catch (error) {
    if (error instanceof CohortError && error.subject === 'countNoiseStd') {
      throw new CohortError(
        'INVALID_ARGUMENT',
        `--adaptive-clip cannot be used with ${clients} clients at noise multiplier ${noiseMultiplier}: the clipped-count noise σ_b = m/20 = ${strategy.clipCountNoiseStd} (m = ${sampleRate * clients} clients per round) must exceed noiseMultiplier/2 (Andrew et al. 2021, Theorem 1); use fixed clipping or more clients`,
        { subject: '--adaptive-clip', cause: error },
      );
    }
    throw error;
  }
  // Every owner: one sampled-Gaussian step per round it is available in (sampled or not).
  const mechanismOf = (owner: string) => ({ owner, noiseMultiplier, sampleRate, stepsPerRound: 1 });
  const byRound = (round: number) => strategy.rounds.find((record) => record.round === round);
  return budgetedPlan(input, mechanismOf, strategy, {
    charge: 'available',
    calibrated: dp.noiseMultiplier === undefined,
    unit: `each client's entire data (user-level DP, add/remove one client), ${clients} clients`,
    roundRecord: byRound,
    describe: () => {
      const adaptive = strategy.adaptiveClipping;
      return adaptive
        ? {
            adaptiveClipping: {
              ...adaptive,
              countNoiseStd: strategy.clipCountNoiseStd,
              updateNoiseMultiplier: strategy.updateNoiseMultiplier as number,
              finalClippingNorm: strategy.clippingNorm,
            },
          }
        : {};
    },
  });
}
