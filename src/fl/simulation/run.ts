/**
 * One simulated federation from a configuration: load and split the data, standardise with
 * training statistics, partition the training set among the clients, then run the federation and
 * the centralised baseline side by side on the executor (worker threads or in-process).
 */
import { SeededRandom } from '../../crypto/random.js';
import {
  type Dataset,
  fitStandardizer,
  formatPartitionSpec,
  loadDataset,
  parsePartitionSpec,
  partitionDataset,
  type PartitionSpec,
  type PartitionSummary,
  summarizePartition,
  trainTestSplit,
} from '../../data/index.js';
import { buildArchitecture, formatModelSpec, initBackend, parseModelSpec } from '../../ml/index.js';
import type { Metrics, OptimizerSpec } from '../../ml/model.js';
import { runBudgetedFederation, type BudgetedFederationResult } from '../dp/budgeted-federation.js';
import { setUpPaillierSimulation, type PaillierSimulation } from '../encrypted-aggregation/simulation.js';
import { runUntilRoundAborted, setUpSecureAggregationSimulation, summarizeSecureAggregation, type AbortedRound, type SecureAggregationSimulation } from '../secure-aggregation/index.js';
import { runFederation, type RoundResult } from '../server.js';
import { createStrategy, parseStrategySpec } from '../strategies/index.js';
import { runCentralized, type CentralizedRound } from './centralized.js';
import { simulatedClient } from './clients.js';
import { checkSimulationConfig, DEFAULT_SIMULATION_CONFIG, type SimulationConfig } from './config.js';
import type { ModelBlueprint, SimulationExecutor } from './executor.js';
import { LocalExecutor } from './local-executor.js';
import type { EvaluationSummary, SimulationResult, SimulationRound } from './result.js';
import { planPrivacy, type PrivacyHooks, type PrivatePlan } from './privacy-plan.js';
import { deriveSeed } from './seeds.js';
import { toSharedDataset } from './shared-dataset.js';

export interface SimulationHooks {
  /** After each federated round. */
  readonly onRound?: (round: SimulationRound, total: number) => void;
  readonly onCentralizedRound?: (round: number, total: number) => void;
  readonly signal?: AbortSignal;
  /** DP runs: the ledger that pays for the rounds and the noise source (defaults: in-memory, CSPRNG). */
  readonly privacy?: PrivacyHooks;
}

export interface SimulationOutput {
  readonly result: SimulationResult;
  /** The final global weights (not part of the JSON result). */
  readonly weights: Float32Array;
}

const TRAIN_ID = 'train';
const TEST_ID = 'test';

export async function runSimulation(partial: Partial<SimulationConfig> = {}, hooks: SimulationHooks = {}): Promise<SimulationOutput> {
  const started = performance.now();
  const config: SimulationConfig = { ...DEFAULT_SIMULATION_CONFIG, ...partial };
  checkSimulationConfig(config);
  const modelSpec = parseModelSpec(config.model);
  const partitionSpec = parsePartitionSpec(config.partition);
  const strategySpec = parseStrategySpec(config.strategy, '--strategy');

  const workers = Math.min(config.workers, config.clients + (config.centralized ? 1 : 0));
  const prepared = await prepareData(config, partitionSpec, workers > 0);
  const { clientIds, clientSizes } = prepared;

  const optimizer: OptimizerSpec =
    config.optimizer === 'adam' ? { kind: 'adam', learningRate: config.learningRate } : { kind: 'sgd', learningRate: config.learningRate, momentum: config.momentum };
  const strategyOptions = { localEpochs: config.localEpochs, batchSize: config.batchSize, optimizer, fraction: config.fraction };
  // A DP run checks its data-dependent settings (δ against the data size, the reachable target ε)
  // and calibrates its noise here, before any worker starts.
  const plan: PrivatePlan | undefined =
    config.dp === undefined
      ? undefined
      : await planPrivacy({
          config,
          dp: config.dp,
          strategySpec,
          strategyOptions,
          clientIds,
          clientSizes,
          hooks: hooks.privacy ?? {},
          ...(config.dp.level === 'distributed' ? { numParameters: buildArchitecture(modelSpec, prepared.shape).numParameters } : {}),
        });
  const strategy = plan?.strategy ?? createStrategy(strategySpec, strategyOptions);
  const toRound = (round: RoundResult): SimulationRound => toSimulationRound(round, plan);

  const blueprint: ModelBlueprint = { spec: modelSpec, ...prepared.shape, seed: deriveSeed(config.seed, 'model') };
  const backend = await initBackend();
  const executor = await createExecutor(blueprint, prepared.datasets, workers);
  let paillier: PaillierSimulation | undefined;
  let secure: SecureAggregationSimulation | undefined;
  try {
    const plainClients = clientIds.map((id, i) => simulatedClient(executor, id, id, clientSizes[i] as number));
    if (config.aggregation === 'paillier') {
      paillier = await setUpPaillierSimulation({ settings: config.paillier ?? {}, strategy, clients: plainClients, numParameters: executor.numParameters });
    }
    if (config.secureAggregation !== undefined) {
      secure = await setUpSecureAggregationSimulation({
        settings: config.secureAggregation,
        strategy,
        clients: plainClients,
        fraction: config.fraction,
        clientThreads: workers,
        // --dp distributed: the clients mask their noisy, rotated, rounded updates.
        ...(plan?.secureEncoder === undefined ? {} : { encoder: plan.secureEncoder }),
      });
    }
    const clients = paillier?.clients ?? secure?.clients ?? plainClients;
    const federatedStart = performance.now();
    let federatedMs = 0;
    const federationOptions = {
      strategy: paillier?.strategy ?? secure?.strategy ?? strategy,
      clients,
      rounds: config.rounds,
      initialWeights: executor.initialWeights,
      evaluateGlobal: (weights: Float32Array) => executor.evaluate(TEST_ID, weights),
      rng: new SeededRandom(deriveSeed(config.seed, 'federation')),
      onRound: (round: RoundResult) => hooks.onRound?.(toRound(round), config.rounds),
      ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
    };
    const runRounds = (options: typeof federationOptions) =>
      plan === undefined ? runFederation(options) : runBudgetedFederation({ ...options, beforeRound: plan.beforeRound });
    // A SecAgg+ round that loses too many clients aborts; the run then stops with the model so far.
    const federation: Promise<BudgetedFederationResult & { abortedRound?: AbortedRound }> = (
      secure === undefined ? runRounds(federationOptions) : runUntilRoundAborted(federationOptions, runRounds)
    ).then((value) => {
      federatedMs = performance.now() - federatedStart;
      return value;
    });
    const centralized = config.centralized
      ? runCentralized({
          executor,
          trainId: TRAIN_ID,
          testId: TEST_ID,
          initialWeights: executor.initialWeights,
          rounds: config.rounds,
          localEpochs: config.localEpochs,
          batchSize: config.batchSize,
          optimizer,
          seed: deriveSeed(config.seed, 'centralized'),
          onRound: (round) => hooks.onCentralizedRound?.(round.round, config.rounds),
          ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
        })
      : Promise.resolve(undefined);
    // Both run at once: their jobs interleave on the executor, keeping every worker busy.
    const [federated, baseline] = await Promise.all([federation, centralized]);
    const lastRound = federated.rounds[federated.rounds.length - 1];
    // A budget may stop a DP run before its first round: the final model is then the initial one.
    const finalMetrics = (lastRound?.evaluation ?? federated.initial) as Metrics;
    const result: SimulationResult = {
      config,
      dataset: prepared.dataset,
      model: { spec: formatModelSpec(modelSpec), numParameters: executor.numParameters },
      strategy: paillier?.strategy.name ?? secure?.strategy.name ?? strategy.name,
      partition: { spec: formatPartitionSpec(partitionSpec), clientIds, ...prepared.summary },
      initial: summarize(federated.initial as Metrics),
      rounds: federated.rounds.map(toRound),
      final: summarize(finalMetrics),
      centralized: baseline === undefined ? null : summarizeCentralized(baseline.rounds, config.localEpochs),
      timing: { totalMs: performance.now() - started, federatedMs, workers, backend },
      ...(plan === undefined ? {} : { privacy: plan.summarize(federated.rounds.length, federated.stoppedEarly) }),
      ...(secure === undefined ? {} : { secureAggregation: summarizeSecureAggregation(secure, federated.abortedRound) }),
    };
    return { result, weights: federated.weights };
  } finally {
    await paillier?.close();
    await secure?.close();
    await executor.close();
  }
}

interface PreparedData {
  /** Every client's partition by id, the test set and (for the baseline) the training set. */
  readonly datasets: ReadonlyMap<string, Dataset>;
  readonly clientIds: readonly string[];
  readonly clientSizes: readonly number[];
  readonly summary: PartitionSummary;
  readonly shape: Pick<ModelBlueprint, 'numFeatures' | 'numClasses' | 'exampleShape'>;
  readonly dataset: SimulationResult['dataset'];
}

/**
 * Loads, splits, standardises and partitions. Only the arrays the run needs survive this
 * function (in shared memory when worker threads will read them), so a large data set is not
 * held two or three times over.
 */
async function prepareData(config: SimulationConfig, partitionSpec: PartitionSpec, shared: boolean): Promise<PreparedData> {
  const loaded = await loadDataset(config.data, { label: config.label });
  const { train: rawTrain, test: rawTest } = loaded.predefinedTest
    ? { train: loaded.data, test: loaded.predefinedTest }
    : trainTestSplit(loaded.data, { testFraction: config.testFraction, seed: deriveSeed(config.seed, 'split'), stratify: true });
  // Statistics from the training set only (in a real federation they would be computed with a
  // federated sum of per-client sums and squares, which gives the same numbers).
  const standardizer = fitStandardizer(rawTrain);
  const train = standardizer.apply(rawTrain);
  const test = standardizer.apply(rawTest);
  const parts = partitionDataset(train, partitionSpec, config.clients, deriveSeed(config.seed, 'partition'));
  const clientIds = parts.map((_, i) => `client-${i}`);
  const keep = shared ? toSharedDataset : (data: Dataset) => data;
  const datasets = new Map<string, Dataset>(parts.map((part, i) => [clientIds[i] as string, keep(part)]));
  datasets.set(TEST_ID, keep(test));
  if (config.centralized) datasets.set(TRAIN_ID, keep(train));
  return {
    datasets,
    clientIds,
    clientSizes: parts.map((part) => part.numExamples),
    summary: summarizePartition(parts),
    shape: {
      numFeatures: train.numFeatures,
      numClasses: train.numClasses,
      ...(train.exampleShape === undefined ? {} : { exampleShape: train.exampleShape }),
    },
    dataset: {
      name: loaded.data.name,
      numFeatures: train.numFeatures,
      numClasses: train.numClasses,
      classNames: [...train.classNames],
      trainExamples: train.numExamples,
      testExamples: test.numExamples,
      testSet: loaded.predefinedTest ? 'predefined' : 'split',
    },
  };
}

async function createExecutor(blueprint: ModelBlueprint, datasets: ReadonlyMap<string, Dataset>, workers: number): Promise<SimulationExecutor> {
  if (workers === 0) return LocalExecutor.create(blueprint, datasets);
  // Loaded only when used, so that browser bundles of the in-process path never see node:worker_threads.
  const { WorkerExecutor } = await import('./worker-pool.js');
  return WorkerExecutor.create(blueprint, datasets, workers);
}

function summarize(metrics: Metrics): EvaluationSummary {
  return {
    accuracy: metrics.accuracy,
    loss: metrics.loss,
    ...(metrics.auc === undefined ? {} : { auc: metrics.auc }),
    perClassRecall: [...metrics.perClassRecall],
  };
}

function toSimulationRound(round: RoundResult, plan: PrivatePlan | undefined): SimulationRound {
  const evaluation = round.evaluation as Metrics;
  const record = plan?.roundRecord(round.round);
  return {
    round: round.round,
    accuracy: evaluation.accuracy,
    loss: evaluation.loss,
    ...(evaluation.auc === undefined ? {} : { auc: evaluation.auc }),
    trainLoss: round.trainLoss,
    participants: round.participants,
    failures: round.failures,
    numExamples: round.numExamples,
    durationMs: round.durationMs,
    ...(plan === undefined ? {} : { epsilon: plan.epsilonAfter(round.round) }),
    ...(record === undefined ? {} : { clippingNorm: record.clippingNorm }),
  };
}

function summarizeCentralized(rounds: readonly CentralizedRound[], localEpochs: number): SimulationResult['centralized'] {
  const last = rounds[rounds.length - 1] as CentralizedRound;
  return {
    ...summarize(last.evaluation),
    epochs: rounds.length * localEpochs,
    rounds: rounds.map((round) => ({
      round: round.round,
      accuracy: round.accuracy,
      loss: round.loss,
      ...(round.auc === undefined ? {} : { auc: round.auc }),
      trainLoss: round.trainLoss,
    })),
    durationMs: rounds.reduce((sum, round) => sum + round.durationMs, 0),
  };
}
