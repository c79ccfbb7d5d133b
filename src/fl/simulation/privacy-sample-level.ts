/**
 * Sample-level ("local") DP for a federation: each client runs DP-SGD on its own records. Owner k
 * with n_k examples samples its batches by Poisson with q_k = min(1, B/n_k) (B = --batch-size, the
 * expected batch), takes E·max(1, round(1/q_k)) steps per round it trains in (E local epochs of
 * about one pass each), and its guarantee after training in t rounds is the subsampled Gaussian
 * over t times that many steps (Abadi et al. 2016). With a target ε each owner's σ is calibrated so
 * that training in every planned round spends exactly its budget (client sampling can only make
 * an owner train in fewer); each owner is charged for the rounds it was chosen for, nothing more.
 * Clients that join a server during the run get their mechanism when they first show up.
 */
import { CohortError } from '../../errors.js';
import { batchGeometry } from '../../ml/dp-sgd/dp-sgd.js';
import { LocalDp, type LocalDpSettings } from '../dp/local-dp.js';
import { createStrategy } from '../strategies/index.js';
import type { ClientInfo } from '../types.js';
import { budgetedPlan, calibrateForTarget, type OwnerMechanism, type PlanInput, type PrivatePlan } from './privacy-plan-common.js';
import type { DpSimulationConfig } from './privacy-config.js';

/** Refuses δ ≥ 1/n: a δ that large permits releasing whole records. */
export function checkSampleLevelDelta(dp: DpSimulationConfig, examples: number, whose: string): void {
  if (!(dp.delta < 1 / examples)) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `--delta ${dp.delta} must be below 1/n = ${1 / examples} for sample-level DP (n = ${examples} examples, ${whose}); a δ that large permits releasing whole records`,
      { subject: '--delta' },
    );
  }
}

export function planSampleLevel(input: PlanInput): Promise<PrivatePlan> {
  const { config, dp, clientIds, clientSizes } = input;
  if (clientSizes.length > 0) checkSampleLevelDelta(dp, Math.min(...clientSizes), "the smallest client's data");
  if (input.strategySpec.kind === 'fedprox') {
    throw new CohortError('UNSUPPORTED', `--strategy ${config.strategy} cannot be used with --dp sample: DP-SGD on the clients has no proximal term; use fedavg (or a server optimiser: fedavgm, fedadam, ...)`, { subject: '--strategy' });
  }
  const mechanismFor = (owner: string, examples: number): OwnerMechanism => {
    checkSampleLevelDelta(dp, examples, `the data of ${owner}`);
    const sampleRate = Math.min(1, config.batchSize / examples);
    // The trainer's own pass length (round(1/q) Poisson steps), so what runs is what is accounted.
    const stepsPerRound = config.localEpochs * batchGeometry(examples, sampleRate, 'poisson').stepsPerEpoch;
    const noiseMultiplier =
      dp.noiseMultiplier ?? calibrateForTarget(dp, sampleRate, config.rounds * stepsPerRound, `${config.rounds} rounds × ${stepsPerRound} DP-SGD steps at sampling rate ${sampleRate} (${owner}, ${examples} examples)`);
    return { owner, noiseMultiplier, sampleRate, stepsPerRound };
  };
  // Known clients are checked and calibrated now, so that a bad setting fails before any training.
  const mechanisms = new Map<string, OwnerMechanism>(clientIds.map((owner, i) => [owner, mechanismFor(owner, clientSizes[i] as number)]));
  const unprotectable = new Map<string, string>();
  const mechanismOf = (client: ClientInfo): OwnerMechanism => {
    let mechanism = mechanisms.get(client.id);
    if (mechanism === undefined) {
      if (client.numExamples === undefined) throw new CohortError('INVALID_DATA', `client ${JSON.stringify(client.id)} did not announce its number of examples; sample-level DP needs it`, { subject: client.id });
      mechanism = mechanismFor(client.id, client.numExamples);
      mechanisms.set(client.id, mechanism);
    }
    return mechanism;
  };
  const settingsOf = (client: ClientInfo): LocalDpSettings | undefined => {
    let mechanism: OwnerMechanism;
    try {
      mechanism = mechanismOf(client);
    } catch (error) {
      if (input.onUnprotectable === undefined || !(error instanceof CohortError)) throw error;
      if (!unprotectable.has(client.id)) input.onUnprotectable(client.id, error.message);
      unprotectable.set(client.id, error.message);
      return undefined;
    }
    return { noiseMultiplier: mechanism.noiseMultiplier, clippingNorm: dp.clippingNorm, sampleRate: mechanism.sampleRate, steps: mechanism.stepsPerRound };
  };
  const strategy = new LocalDp(createStrategy(input.strategySpec, input.strategyOptions), settingsOf);
  return budgetedPlan(
    input,
    (owner) => {
      const mechanism = mechanisms.get(owner);
      if (mechanism === undefined) throw new CohortError('INTERNAL', `no DP-SGD settings for client ${JSON.stringify(owner)}`);
      return mechanism;
    },
    strategy,
    {
      calibrated: dp.noiseMultiplier === undefined,
      unit: `each record of each client's data (sample-level DP, add/remove one example), charged to that client`,
      charge: 'chosen',
      restoreMechanism: (mechanism) => {
        if (!mechanisms.has(mechanism.owner)) mechanisms.set(mechanism.owner, mechanism);
      },
    },
  );
}
