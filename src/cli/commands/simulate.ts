/**
 * `cohort simulate`: a federated-learning simulation on one machine. Clients hold partitions of
 * a data set and train in worker threads; the server aggregates with FedAvg or FedProx each
 * round and evaluates on the held-out test set; a centralised baseline trains alongside.
 * Defaults run the hospital story (5 hospitals, breast-cancer data, Dirichlet α = 0.5, FedAvg,
 * 20 rounds) and write cohort-report.html. `--dp sample|user` makes the run differentially
 * private (docs/dp-federated.md): the result then carries the ε spent, per round and in total,
 * and a budget that runs out stops the run cleanly with the model so far.
 */
import { type Command, Option } from 'commander';
import { CohortError } from '../../errors.js';
import { runSimulation, type SimulationConfig, type SimulationResult } from '../../fl/index.js';
import { buildReportHtml } from '../../web/report.js';
import { loadChartJsSource } from '../../web/report-assets.js';
import { checkOutputPath, writeOutputFile } from '../output-file.js';
import { openPrivacyLedger } from '../privacy-ledger.js';
import { roundProgress } from '../progress.js';
import { addPrivacyOptions, addTrainingOptions, privacyConfig, trainingConfig, type PrivacyFlags, type TrainingFlags } from '../simulate-options.js';
import { formatSimulationSummary } from '../simulate-summary.js';
import { numberFlag, parseChoiceFlag } from '../parse-flags.js';

export const DEFAULT_REPORT_FILE = 'cohort-report.html';

interface SimulateFlags extends TrainingFlags, PrivacyFlags {
  aggregation: 'mean' | 'paillier';
  paillierBits: number;
  paillierUpdateRange: number;
  json?: string;
  report: string | false;
}

export function registerSimulateCommand(program: Command): void {
  const command = program
    .command('simulate')
    .description('simulate federated learning: clients train on their own partition, the server averages (defaults: 5 hospitals, breast-cancer, Dirichlet 0.5, FedAvg); --dp adds differential privacy');
  addTrainingOptions(command);
  addPrivacyOptions(command, { budget: true });
  command
    .option('--aggregation <kind>', 'mean, or paillier: clients send Paillier-encrypted updates and 2-of-3 key holders decrypt only their sum', (raw: string) => parseChoiceFlag('--aggregation', raw, ['mean', 'paillier'] as const), 'mean')
    .option('--paillier-bits <bits>', 'federation key size for --aggregation paillier', numberFlag('--paillier-bits', { integer: true, min: 256, max: 4096 }), 2048)
    .option('--paillier-update-range <r>', 'with --aggregation paillier, update coordinates are clipped to ±r (clipped counts are reported)', numberFlag('--paillier-update-range', { greaterThan: 0 }), 1)
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

  const dp = privacyConfig(flags);
  const config: SimulationConfig = {
    ...trainingConfig(flags),
    ...(dp === undefined ? {} : { dp }),
    ...(flags.aggregation === 'paillier' ? { aggregation: 'paillier', paillier: { keyBits: flags.paillierBits, updateRange: flags.paillierUpdateRange } } : {}),
  };
  const ledger = openPrivacyLedger(dp?.ledger);

  const controller = new AbortController();
  const interrupt = () => controller.abort();
  // The first Ctrl-C stops after the current round (and closes the workers); a second one kills.
  process.once('SIGINT', interrupt);
  const progress = roundProgress(config.rounds);
  let result: SimulationResult;
  try {
    ({ result } = await runSimulation(config, {
      onRound: (round) => progress.update(round),
      signal: controller.signal,
      ...(ledger.ledger === undefined ? {} : { privacy: { ledger: ledger.ledger } }),
    }));
  } catch (error) {
    if (controller.signal.aborted) throw new CohortError('INTERNAL', 'interrupted; nothing was written');
    throw error;
  } finally {
    progress.stop();
    process.off('SIGINT', interrupt);
    ledger.close();
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
