/**
 * `cohort simulate`: a federated-learning simulation on one machine. Clients hold partitions of
 * a data set and train in worker threads; the server aggregates with FedAvg or FedProx each
 * round and evaluates on the held-out test set; a centralised baseline trains alongside.
 * Defaults run the hospital story (5 hospitals, breast-cancer data, Dirichlet α = 0.5, FedAvg,
 * 20 rounds) and write cohort-report.html.
 */
import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { CohortError } from '../../errors.js';
import { parsePartitionSpec } from '../../data/index.js';
import { parseModelSpec } from '../../ml/index.js';
import { DEFAULT_SIMULATION_CONFIG, parseStrategySpec, runSimulation, type SimulationConfig, type SimulationResult } from '../../fl/index.js';
import { buildReportHtml } from '../../web/report.js';
import { loadChartJsSource } from '../../web/report-assets.js';
import { checkOutputPath, writeOutputFile } from '../output-file.js';
import { numberFlag, parseChoiceFlag } from '../parse-flags.js';
import { roundProgress } from '../progress.js';
import { formatSimulationSummary } from '../simulate-summary.js';

export const DEFAULT_REPORT_FILE = 'cohort-report.html';

interface SimulateFlags {
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
  json?: string;
  report: string | false;
}

/** Checks a text spec while parsing flags, so a typo fails before any data is loaded. */
function specFlag(parse: (text: string) => unknown): (raw: string) => string {
  return (raw: string) => {
    parse(raw);
    return raw.trim();
  };
}

export function registerSimulateCommand(program: Command): void {
  const d = DEFAULT_SIMULATION_CONFIG;
  program
    .command('simulate')
    .description('simulate federated learning: clients train on their own partition, the server averages (defaults: 5 hospitals, breast-cancer, Dirichlet 0.5, FedAvg)')
    .option('--data <name|csv:PATH|idx:DIR>', 'a bundled data set (see `cohort datasets`), a CSV file or an IDX folder', d.data)
    .option('--label <column>', 'label column of CSV data')
    .option('--model <spec>', 'logreg, mlp:H1,H2,... or cnn', specFlag(parseModelSpec), d.model)
    .option('--clients <n>', 'number of clients', numberFlag('--clients', { integer: true, min: 1 }), d.clients)
    .option('--rounds <n>', 'federated rounds', numberFlag('--rounds', { integer: true, min: 1 }), d.rounds)
    .option('--partition <spec>', 'iid, dirichlet:ALPHA, shards:K or quantity:ALPHA', specFlag(parsePartitionSpec), d.partition)
    .option('--strategy <spec>', 'fedavg or fedprox:MU', specFlag((raw) => parseStrategySpec(raw, '--strategy')), d.strategy)
    .option('--local-epochs <n>', 'local epochs per round', numberFlag('--local-epochs', { integer: true, min: 1 }), d.localEpochs)
    .option('--batch-size <n>', 'local mini-batch size', numberFlag('--batch-size', { integer: true, min: 1 }), d.batchSize)
    .option('--lr <rate>', 'learning rate', numberFlag('--lr', { greaterThan: 0 }), d.learningRate)
    .option('--optimizer <name>', 'sgd or adam', (raw: string) => parseChoiceFlag('--optimizer', raw, ['sgd', 'adam'] as const), d.optimizer)
    .option('--momentum <m>', 'SGD momentum', numberFlag('--momentum', { min: 0, lessThan: 1 }), d.momentum)
    .option('--fraction <f>', 'fraction of clients per round', numberFlag('--fraction', { greaterThan: 0, max: 1 }), d.fraction)
    .option('--seed <s>', 'seed of the split, partition, initialisation and sampling', numberFlag('--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }), d.seed)
    .option('--test-fraction <f>', 'share held out for testing when the data has no test split', numberFlag('--test-fraction', { greaterThan: 0, lessThan: 1 }), d.testFraction)
    .option('--workers <n>', 'worker threads for the clients (0 = in-process)', numberFlag('--workers', { integer: true, min: 0, max: 64 }), Math.min(d.workers, availableParallelism()))
    .option('--no-centralized', 'skip the centralised baseline')
    .option('--json <file>', 'write the run result as JSON')
    .addOption(new Option('--report <file.html>', 'write the HTML report').default(DEFAULT_REPORT_FILE))
    .option('--no-report', 'do not write the HTML report')
    .action(async (flags: SimulateFlags) => {
      await simulate(flags);
    });
}

async function simulate(flags: SimulateFlags): Promise<void> {
  const reportFile = flags.report === false ? undefined : flags.report;
  // Fail on an unwritable output before spending the run on it.
  if (flags.json !== undefined) checkOutputPath('--json', flags.json);
  if (reportFile !== undefined) checkOutputPath('--report', reportFile);
  const chartJs = reportFile === undefined ? '' : loadChartJsSource();

  const config: SimulationConfig = {
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

  const controller = new AbortController();
  const interrupt = () => controller.abort();
  // The first Ctrl-C stops after the current round (and closes the workers); a second one kills.
  process.once('SIGINT', interrupt);
  const progress = roundProgress(config.rounds);
  let result: SimulationResult;
  try {
    ({ result } = await runSimulation(config, { onRound: (round) => progress.update(round), signal: controller.signal }));
  } catch (error) {
    if (controller.signal.aborted) throw new CohortError('INTERNAL', 'interrupted; nothing was written');
    throw error;
  } finally {
    progress.stop();
    process.off('SIGINT', interrupt);
  }

  // Both outputs are built before either is written, so an error leaves neither half-done.
  const json = flags.json === undefined ? undefined : `${JSON.stringify(result, null, 2)}\n`;
  const html = reportFile === undefined ? undefined : buildReportHtml(result, { chartJs });
  const written: string[] = [];
  if (json !== undefined && flags.json !== undefined) {
    writeOutputFile('--json', flags.json, json);
    written.push(`result: ${flags.json}`);
  }
  if (html !== undefined && reportFile !== undefined) {
    writeOutputFile('--report', reportFile, html);
    written.push(`report: ${reportFile}`);
  }
  process.stdout.write(formatSimulationSummary(result, written));
}
