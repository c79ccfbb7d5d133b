/**
 * Sample-level ("local") DP for a simulation: each client runs DP-SGD on its own records. Owner k
 * with n_k examples samples its batches by Poisson with q_k = min(1, B/n_k) (B = --batch-size, the
 * expected batch), takes E·max(1, round(1/q_k)) steps per round (E local epochs of about one pass
 * each), and its guarantee after t rounds is the subsampled Gaussian over t times that many steps.
 * With a target ε each owner's σ is calibrated so that the planned rounds spend exactly its
 * budget; every owner is charged as if it trains every round (exact with --fraction 1, an upper
 * bound otherwise).
 */
import { CohortError } from '../../errors.js';
import { batchGeometry } from '../../ml/dp-sgd/dp-sgd.js';
import { LocalDp, type LocalDpSettings } from '../dp/local-dp.js';
import { createStrategy } from '../strategies/index.js';
import { budgetedPlan, calibrateForTarget, type OwnerMechanism, type PlanInput, type PrivatePlan } from './privacy-plan-common.js';

export function planSampleLevel(input: PlanInput): Promise<PrivatePlan> {
  const { config, dp, clientIds, clientSizes } = input;
  const smallest = Math.min(...clientSizes);
  if (!(dp.delta < 1 / smallest)) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `--delta ${dp.delta} must be below 1/n = ${1 / smallest} for sample-level DP (n = ${smallest} examples, the smallest client's data); a δ that large permits releasing whole records`,
      { subject: '--delta' },
    );
  }
  if (input.strategySpec.kind === 'fedprox') {
    throw new CohortError('UNSUPPORTED', `--strategy ${config.strategy} cannot be used with --dp sample: DP-SGD on the clients has no proximal term; use fedavg (or a server optimiser: fedavgm, fedadam, ...)`, { subject: '--strategy' });
  }
  const settings = new Map<string, LocalDpSettings>();
  const mechanisms: OwnerMechanism[] = clientIds.map((owner, i) => {
    const examples = clientSizes[i] as number;
    const sampleRate = Math.min(1, config.batchSize / examples);
    // The trainer's own pass length (round(1/q) Poisson steps), so what runs is what is accounted.
    const stepsPerRound = config.localEpochs * batchGeometry(examples, sampleRate, 'poisson').stepsPerEpoch;
    const noiseMultiplier =
      dp.noiseMultiplier ?? calibrateForTarget(dp, sampleRate, config.rounds * stepsPerRound, `${config.rounds} rounds × ${stepsPerRound} DP-SGD steps at sampling rate ${sampleRate} (${owner}, ${examples} examples)`);
    settings.set(owner, { noiseMultiplier, clippingNorm: dp.clippingNorm, sampleRate, steps: stepsPerRound });
    return { owner, noiseMultiplier, sampleRate, stepsPerRound };
  });
  const strategy = new LocalDp(createStrategy(input.strategySpec, input.strategyOptions), (clientId) => {
    const found = settings.get(clientId);
    if (!found) throw new CohortError('INTERNAL', `no DP-SGD settings for client ${JSON.stringify(clientId)}`);
    return found;
  });
  return budgetedPlan(input, mechanisms, strategy, {
    calibrated: dp.noiseMultiplier === undefined,
    unit: `each record of each client's data (sample-level DP, add/remove one example), charged to that client`,
  });
}
