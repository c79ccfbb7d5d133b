/**
 * The flags `cohort simulate` and `cohort sweep` share: the federation settings and the
 * differential-privacy settings, with their checks (one line naming the flag and value, exit 2),
 * and the conversion to a SimulationConfig.
 */
import { availableParallelism } from 'node:os';
import { type Command } from 'commander';
import { CohortError } from '../errors.js';
import { parsePartitionSpec } from '../data/index.js';
import { parseModelSpec } from '../ml/index.js';
import { DEFAULT_SIMULATION_CONFIG, parseStrategySpec, type DpSimulationConfig, type PrivacyLevel, type SimulationConfig } from '../fl/index.js';
import { numberFlag, parseChoiceFlag } from './parse-flags.js';

export interface TrainingFlags {
  data: string;
  label?: string;
  model: string;
  clients: number;
  rounds: number;
  partition: string;
  strategy: string;
  localEpochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'sgd' | 'adam';
  momentum: number;
  fraction: number;
  seed: number;
  testFraction: number;
  workers: number;
  centralized: boolean;
}

export interface PrivacyFlags {
  dp?: PrivacyLevel;
  targetEpsilon?: number;
  noiseMultiplier?: number;
  delta?: number;
  clip?: number;
  adaptiveClip?: boolean;
  accountant: 'rdp' | 'pld';
  ledger?: string;
}

/** Checks a text spec while parsing flags, so a typo fails before any data is loaded. */
function specFlag(parse: (text: string) => unknown): (raw: string) => string {
  return (raw: string) => {
    parse(raw);
    return raw.trim();
  };
}

export function addTrainingOptions(command: Command): Command {
  const d = DEFAULT_SIMULATION_CONFIG;
  return command
    .option('--data <name|csv:PATH|idx:DIR>', 'a bundled data set (see `cohort datasets`), a CSV file or an IDX folder', d.data)
    .option('--label <column>', 'label column of CSV data')
    .option('--model <spec>', 'logreg, mlp:H1,H2,... or cnn; :tanh after mlp or cnn for tanh hidden layers', specFlag(parseModelSpec), d.model)
    .option('--clients <n>', 'number of clients', numberFlag('--clients', { integer: true, min: 1 }), d.clients)
    .option('--rounds <n>', 'federated rounds', numberFlag('--rounds', { integer: true, min: 1 }), d.rounds)
    .option('--partition <spec>', 'iid, dirichlet:ALPHA, shards:K or quantity:ALPHA', specFlag(parsePartitionSpec), d.partition)
    .option('--strategy <spec>', 'fedavg, fedprox:MU, or a server optimiser fedavgm, fedadam, fedyogi, fedadagrad[:ETA]', specFlag((raw) => parseStrategySpec(raw, '--strategy')), d.strategy)
    .option('--local-epochs <n>', 'local epochs per round', numberFlag('--local-epochs', { integer: true, min: 1 }), d.localEpochs)
    .option('--batch-size <n>', 'local mini-batch size (with --dp sample: the expected Poisson batch)', numberFlag('--batch-size', { integer: true, min: 1 }), d.batchSize)
    .option('--lr <rate>', 'learning rate', numberFlag('--lr', { greaterThan: 0 }), d.learningRate)
    .option('--optimizer <name>', 'sgd or adam', (raw: string) => parseChoiceFlag('--optimizer', raw, ['sgd', 'adam'] as const), d.optimizer)
    .option('--momentum <m>', 'SGD momentum', numberFlag('--momentum', { min: 0, lessThan: 1 }), d.momentum)
    .option('--fraction <f>', 'fraction of clients per round (with --dp user: the Poisson sampling rate)', numberFlag('--fraction', { greaterThan: 0, max: 1 }), d.fraction)
    .option('--seed <s>', 'seed of the split, partition, initialisation and sampling', numberFlag('--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }), d.seed)
    .option('--test-fraction <f>', 'share held out for testing when the data has no test split', numberFlag('--test-fraction', { greaterThan: 0, lessThan: 1 }), d.testFraction)
    .option('--workers <n>', 'worker threads for the clients (0 = in-process)', numberFlag('--workers', { integer: true, min: 0, max: 64 }), Math.min(d.workers, availableParallelism()))
    .option('--no-centralized', 'skip the centralised baseline');
}

/**
 * The DP flags; `budget: false` leaves out --target-epsilon and --noise-multiplier and
 * `ledger: false` leaves out --ledger (the sweep sets the budgets, and its runs must not share one ledger).
 */
export function addPrivacyOptions(command: Command, options: { budget: boolean; ledger?: boolean }): Command {
  command.option('--dp <level>', 'differential privacy: sample (DP-SGD on every client), user (DP-FedAvg) or distributed (clients add discrete Gaussian noise under --secure-aggregation)', (raw: string) => parseChoiceFlag('--dp', raw, ['sample', 'user', 'distributed'] as const));
  if (options.budget) {
    command
      .option('--target-epsilon <e>', 'the run’s ε budget: calibrates the noise to spend it (with --noise-multiplier: stops the run when reached)', numberFlag('--target-epsilon', { greaterThan: 0 }))
      .option('--noise-multiplier <s>', 'noise std / clipping norm (instead of calibrating from --target-epsilon)', numberFlag('--noise-multiplier', { greaterThan: 0 }));
  }
  command
    .option('--delta <d>', 'δ of the guarantee, below 1/n (n = smallest client’s examples for sample, clients for user)', numberFlag('--delta', { greaterThan: 0, lessThan: 1 }))
    .option('--clip <c>', 'clipping norm: of each example’s gradient (sample) or each client’s update (user)', numberFlag('--clip', { greaterThan: 0 }))
    .option('--adaptive-clip', 'adapt the update clipping norm to the median update norm (Andrew et al. 2021; --dp user)')
    .option('--accountant <name>', 'rdp or pld', (raw: string) => parseChoiceFlag('--accountant', raw, ['rdp', 'pld'] as const), 'rdp' as const);
  if (options.ledger !== false) command.option('--ledger <file.sqlite>', 'record the privacy spends in this SQLite ledger (default: in memory, forgotten after the run)');
  return command;
}

export function trainingConfig(flags: TrainingFlags): SimulationConfig {
  return {
    data: flags.data,
    ...(flags.label === undefined ? {} : { label: flags.label }),
    model: flags.model,
    clients: flags.clients,
    rounds: flags.rounds,
    partition: flags.partition,
    strategy: flags.strategy,
    localEpochs: flags.localEpochs,
    batchSize: flags.batchSize,
    learningRate: flags.lr,
    optimizer: flags.optimizer,
    momentum: flags.momentum,
    fraction: flags.fraction,
    seed: flags.seed,
    testFraction: flags.testFraction,
    centralized: flags.centralized,
    workers: flags.workers,
  };
}

function missing(flag: string, requirement: string): CohortError {
  return new CohortError('INVALID_ARGUMENT', `${flag} ${requirement}`, { subject: flag });
}

/**
 * The DP settings from the flags, or undefined without --dp. `budget` overrides --target-epsilon
 * (the sweep). Throws, naming the flag, on a combination that cannot work.
 */
export function privacyConfig(flags: PrivacyFlags, budget?: { targetEpsilon: number }): DpSimulationConfig | undefined {
  if (flags.dp === undefined) {
    const stray = (
      [
        ['--target-epsilon', flags.targetEpsilon],
        ['--noise-multiplier', flags.noiseMultiplier],
        ['--delta', flags.delta],
        ['--clip', flags.clip],
        ['--adaptive-clip', flags.adaptiveClip],
        ['--ledger', flags.ledger],
      ] as const
    ).find(([, value]) => value !== undefined);
    if (stray) throw missing(stray[0], 'needs --dp sample or --dp user');
    return undefined;
  }
  const targetEpsilon = budget?.targetEpsilon ?? flags.targetEpsilon;
  if (targetEpsilon === undefined && flags.noiseMultiplier === undefined) throw missing('--dp', `${flags.dp} needs --target-epsilon E or --noise-multiplier S`);
  if (flags.delta === undefined) throw missing('--dp', `${flags.dp} needs --delta D (below 1/n)`);
  if (flags.clip === undefined) throw missing('--dp', `${flags.dp} needs --clip C (the clipping norm)`);
  if (flags.adaptiveClip && flags.dp !== 'user') throw missing('--adaptive-clip', 'works with --dp user only (it adapts the clipping of client updates)');
  if (flags.dp === 'distributed' && flags.accountant !== 'rdp') throw missing('--accountant', `${flags.accountant} cannot account --dp distributed; use rdp (the distributed discrete Gaussian's bound is an RDP bound)`);
  return {
    level: flags.dp,
    ...(targetEpsilon === undefined ? {} : { targetEpsilon }),
    ...(flags.noiseMultiplier === undefined ? {} : { noiseMultiplier: flags.noiseMultiplier }),
    delta: flags.delta,
    clippingNorm: flags.clip,
    adaptiveClipping: flags.adaptiveClip === true,
    accountant: flags.accountant,
    ...(flags.ledger === undefined ? {} : { ledger: flags.ledger }),
  };
}
