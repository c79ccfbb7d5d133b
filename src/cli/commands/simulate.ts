/**
 * `cohort simulate`: a federated-learning simulation on one machine. Clients hold partitions of
 * a data set and train in worker threads; the server aggregates with FedAvg or FedProx each
 * round and evaluates on the held-out test set; a centralised baseline trains alongside.
 * Defaults run the hospital story (5 hospitals, breast-cancer data, Dirichlet α = 0.5, FedAvg,
 * 20 rounds) and write cohort-report.html. `--dp sample|user` makes the run differentially
 * private (docs/dp-federated.md): the result then carries the ε spent, per round and in total,
 * and a budget that runs out stops the run cleanly with the model so far.
 */
import type { Command } from 'commander';
import { CohortError } from '../../errors.js';
import { checkSimulationConfig, runSimulation, type SimulationConfig, type SimulationResult } from '../../fl/index.js';
import { buildReportHtml } from '../../web/report.js';
import { loadChartJsSource } from '../../web/report-assets.js';
import { addResultOutputOptions, checkResultOutputs, writeResultOutputs, type ResultOutputFlags } from '../output-file.js';
import { openPrivacyLedger } from '../privacy-ledger.js';
import { roundProgress } from '../progress.js';
import { addPrivacyOptions, addTrainingOptions, privacyConfig, trainingConfig, type PrivacyFlags, type TrainingFlags } from '../simulate-options.js';
import { formatSimulationSummary } from '../simulate-summary.js';
import { numberFlag, parseChoiceFlag } from '../parse-flags.js';
import { addSecureAggregationOptions, secureAggregationConfig, type SecureAggregationFlags } from '../secure-aggregation-options.js';

export const DEFAULT_REPORT_FILE = 'cohort-report.html';

interface SimulateFlags extends TrainingFlags, PrivacyFlags, ResultOutputFlags, SecureAggregationFlags {
  aggregation: 'mean' | 'paillier';
  paillierBits: number;
  paillierUpdateRange: number;
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
    .option('--paillier-update-range <r>', 'with --aggregation paillier, update coordinates are clipped to ±r (clipped counts are reported)', numberFlag('--paillier-update-range', { greaterThan: 0 }), 1);
  addSecureAggregationOptions(command);
  addResultOutputOptions(command, 'write the run result as JSON', DEFAULT_REPORT_FILE);
  command
    .action(async (flags: SimulateFlags) => {
      await simulate(flags);
    });
}

async function simulate(flags: SimulateFlags): Promise<void> {
  const outputs = checkResultOutputs(flags); // fail on an unwritable output before spending the run on it
  const chartJs = outputs.report === undefined ? '' : loadChartJsSource();

  const dp = privacyConfig(flags);
  const secureAggregation = secureAggregationConfig(flags);
  const config: SimulationConfig = {
    ...trainingConfig(flags),
    ...(dp === undefined ? {} : { dp }),
    ...(flags.aggregation === 'paillier' ? { aggregation: 'paillier', paillier: { keyBits: flags.paillierBits, updateRange: flags.paillierUpdateRange } } : {}),
    ...(secureAggregation === undefined ? {} : { secureAggregation }),
  };
  checkSimulationConfig(config); // bad --secagg-* values and combinations fail before the report is prepared
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

  const written = writeResultOutputs(outputs, result, () => buildReportHtml(result, { chartJs }));
  process.stdout.write(formatSimulationSummary(result, written));
}
