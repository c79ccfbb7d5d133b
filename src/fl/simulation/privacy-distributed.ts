/**
 * `--dp distributed`: user-level DP whose noise the clients add themselves, under SecAgg+ — the
 * distributed discrete Gaussian (Kairouz, Liu & Steinke, ICML 2021; docs/distributed-dp.md). The
 * plan sizes the mechanism (the fewest noise shares n = SecAgg+'s threshold t for the clients per
 * round m; N = m inputs at most; d = the parameters padded to a power of two), calibrates the
 * noise multiplier to the target ε over the planned rounds (or takes the one given), builds the
 * encoder the clients mask with, and charges every owner's ledger each round like `--dp user`.
 *
 * Accounting is conservative about client sampling: every available client is charged every
 * round at sampling rate 1 (no amplification by subsampling is claimed: with distributed noise
 * the number of noise shares changes with the sample, and no bound for that is implemented).
 */
import {
  calibrateDistributedDiscreteGaussian,
  distributedDiscreteGaussianPlanEpsilon,
  planDistributedDiscreteGaussian,
  type DistributedDiscreteGaussianPlan,
  type DistributedDiscreteGaussianSettings,
} from '../../dp/calibration/distributed-discrete-gaussian.js';
import { CohortError } from '../../errors.js';
import { sampleSize } from '../sampling.js';
import { DistributedDiscreteGaussianEncoder } from '../secure-aggregation/distributed-discrete-gaussian.js';
import { paddedLength } from '../secure-aggregation/hadamard-rotation.js';
import { resolveSecureAggregation } from '../secure-aggregation/simulation.js';
import { createStrategy } from '../strategies/index.js';
import { budgetedPlan, type PlanInput, type PrivatePlan } from './privacy-plan-common.js';
import { deriveSeed } from './seeds.js';

export const DISTRIBUTED_DP_MECHANISM = 'distributed-discrete-gaussian';

export async function planDistributed(input: PlanInput): Promise<PrivatePlan> {
  const { config, dp, clientIds } = input;
  if (config.secureAggregation === undefined) {
    throw new CohortError('INVALID_ARGUMENT', '--dp distributed needs --secure-aggregation: the clients add the noise and only the masked sum may reach the server', { subject: '--dp' });
  }
  if (input.numParameters === undefined) {
    throw new CohortError('UNSUPPORTED', '--dp distributed runs in `cohort simulate` only (the network server does not set it up yet)', { subject: '--dp' });
  }
  const clients = input.population ?? clientIds.length;
  if (!(dp.delta < 1 / clients)) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `--delta ${dp.delta} must be below 1/n = ${1 / clients} for user-level DP (n = ${clients} clients); a δ that large permits releasing a whole client's data`,
      { subject: '--delta' },
    );
  }
  const strategy = createStrategy(input.strategySpec, input.strategyOptions);
  const perRound = sampleSize(clients, config.fraction, input.strategyOptions.minClients ?? 1);
  const resolved = resolveSecureAggregation(config.secureAggregation, perRound);
  const settings = {
    clippingNorm: dp.clippingNorm,
    noiseShares: resolved.threshold,
    maxContributors: perRound,
    dimension: paddedLength(input.numParameters),
  };
  const plan = dp.noiseMultiplier !== undefined ? planDistributedDiscreteGaussian({ ...settings, noiseMultiplier: dp.noiseMultiplier }) : calibrate(input, settings);
  const rotationSeed = deriveSeed(config.seed ?? 0, 'distributed-dp-rotation');
  const encoder = new DistributedDiscreteGaussianEncoder(
    { clippingNorm: dp.clippingNorm, noiseMultiplier: plan.noiseMultiplier, noiseShares: plan.noiseShares, maxContributors: perRound, rotationSeed },
    input.hooks.rng === undefined ? {} : { rng: input.hooks.rng },
  );
  const cache = new Map<number, number>();
  const epsilonAfter = (rounds: number): number => {
    let epsilon = cache.get(rounds);
    if (epsilon === undefined) {
      epsilon = distributedDiscreteGaussianPlanEpsilon(plan, rounds, dp.delta);
      cache.set(rounds, epsilon);
    }
    return epsilon;
  };
  const mechanisms = clientIds.map((owner) => ({ owner, noiseMultiplier: plan.noiseMultiplier, sampleRate: 1, stepsPerRound: 1, epsilonAfter }));
  const base = await budgetedPlan(input, mechanisms, strategy, {
    calibrated: dp.noiseMultiplier === undefined,
    unit: `each client's entire data (user-level DP; neighbouring runs differ in one client's update, replaced by zeros), ${clients} clients, the noise of at least ${plan.noiseShares} of the ${perRound} clients per round in every sum`,
    describe: () => ({
      level: 'user',
      mechanism: DISTRIBUTED_DP_MECHANISM,
      distributedDiscreteGaussian: {
        noiseShares: plan.noiseShares,
        maxContributors: plan.maxContributors,
        dimension: plan.dimension,
        granularity: plan.granularity,
        localVariance: plan.localVariance,
        l2Sensitivity: plan.l2Sensitivity,
        tau: plan.tau,
        effectiveNoiseMultiplier: plan.effectiveNoiseMultiplier,
        sumBound: plan.sumBound,
        rotationSeed,
      },
    }),
  });
  return { ...base, secureEncoder: encoder };
}

function calibrate(input: PlanInput, settings: DistributedDiscreteGaussianSettings): DistributedDiscreteGaussianPlan {
  const { dp, config } = input;
  const targetEpsilon = dp.targetEpsilon as number;
  try {
    return calibrateDistributedDiscreteGaussian({ ...settings, targetEpsilon, delta: dp.delta, rounds: config.rounds });
  } catch (error) {
    if (error instanceof CohortError && error.code === 'DP_TARGET_UNREACHABLE') {
      throw new CohortError('DP_TARGET_UNREACHABLE', `--target-epsilon ${targetEpsilon} cannot be reached in ${config.rounds} rounds at --delta ${dp.delta} with the distributed discrete Gaussian (a noise multiplier above 10^4 would be needed); raise the target or run fewer rounds`, {
        subject: '--target-epsilon',
        cause: error,
      });
    }
    throw error;
  }
}
