/**
 * `cohort sweep --epsilons 0.5,1,2,4,8,inf --dp sample|user --delta D --clip C [simulate flags]`:
 * trains the same federation at each privacy budget (noise calibrated to spend it over the planned
 * rounds) and once without privacy, then writes the privacy–utility curve — test accuracy against
 * ε on a log axis, next to the non-private federated run and the centralised baseline — as an
 * HTML report (default cohort-sweep.html) and, with --json, the data.
 */
import type { Command } from 'commander';
import { CohortError } from '../../errors.js';
import { runSweep, type SweepResult } from '../../fl/index.js';
import { buildSweepReportHtml } from '../../web/report-sweep.js';
import { loadChartJsSource } from '../../web/report-assets.js';
import { addResultOutputOptions, checkResultOutputs, writeResultOutputs, type ResultOutputFlags } from '../output-file.js';
import { roundProgress, type RoundProgress } from '../progress.js';
import { addPrivacyOptions, addTrainingOptions, privacyConfig, trainingConfig, type PrivacyFlags, type TrainingFlags } from '../simulate-options.js';
import { alignTable } from '../simulate-summary.js';

export const DEFAULT_SWEEP_REPORT_FILE = 'cohort-sweep.html';

interface SweepFlags extends TrainingFlags, PrivacyFlags, ResultOutputFlags {
  epsilons: number[];
}

/** "0.5,1,2,inf" → [0.5, 1, 2, Infinity]; each ε > 0, "inf" for the non-private run. */
export function parseEpsilonList(raw: string): number[] {
  const fail = (requirement: string): never => {
    throw new CohortError('INVALID_ARGUMENT', `--epsilons must be ${requirement} (got ${JSON.stringify(raw)})`, { subject: '--epsilons' });
  };
  const items = raw.split(',').map((item) => item.trim());
  if (items.length === 0 || items.some((item) => item === '')) fail('a comma-separated list of numbers > 0 or inf, e.g. 0.5,1,2,4,8,inf');
  const values = items.map((item) => {
    if (/^(inf|infinity|∞)$/i.test(item)) return Number.POSITIVE_INFINITY;
    const value = Number(item);
    if (!Number.isFinite(value) || value <= 0) fail(`numbers > 0 or inf (${JSON.stringify(item)} is not)`);
    return value;
  });
  if (!values.some((value) => Number.isFinite(value))) fail('a list with at least one finite ε');
  return values;
}

export function registerSweepCommand(program: Command): void {
  const command = program
    .command('sweep')
    .description('train at several privacy budgets and plot test accuracy against ε (the privacy–utility curve) next to the non-private baseline');
  command.requiredOption('--epsilons <list>', 'privacy budgets, comma-separated; inf = non-private (e.g. 0.5,1,2,4,8,inf)', parseEpsilonList);
  addTrainingOptions(command);
  addPrivacyOptions(command, { budget: false, ledger: false });
  addResultOutputOptions(command, 'write the sweep result (every point and every run) as JSON', DEFAULT_SWEEP_REPORT_FILE);
  command.action(async (flags: SweepFlags) => {
    await sweep(flags);
  });
}

async function sweep(flags: SweepFlags): Promise<void> {
  const outputs = checkResultOutputs(flags); // fail on an unwritable output before spending the run on it
  if (flags.dp === undefined) throw new CohortError('INVALID_ARGUMENT', '--dp must be given: sample or user (the privacy level to sweep)', { subject: '--dp' });
  // The budget comes from --epsilons; any finite one stands in while the other flags are checked.
  const dp = privacyConfig(flags, { targetEpsilon: 1 });
  if (dp === undefined) throw new CohortError('INTERNAL', 'no DP settings');
  const chartJs = outputs.report === undefined ? '' : loadChartJsSource();
  const config = { ...trainingConfig(flags), dp };

  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  let progress: RoundProgress | undefined;
  let result: SweepResult;
  try {
    result = await runSweep(config, flags.epsilons, {
      signal: controller.signal,
      onRun: (epsilon, index, total) => {
        progress?.stop();
        if (process.stderr.isTTY) process.stderr.write(`run ${index + 1}/${total}: ${epsilon === null ? 'non-private' : `ε = ${epsilon}`}\n`);
        progress = roundProgress(config.rounds);
      },
      onRound: (round) => progress?.update(round),
    });
  } catch (error) {
    if (controller.signal.aborted) throw new CohortError('INTERNAL', 'interrupted; nothing was written');
    throw error;
  } finally {
    progress?.stop();
    process.off('SIGINT', interrupt);
  }

  const written = writeResultOutputs(outputs, result, () => buildSweepReportHtml(result, { chartJs }));
  process.stdout.write(formatSweepSummary(result, written));
}

export function formatSweepSummary(result: SweepResult, written: readonly string[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const short = (x: number | null) => (x === null ? '–' : String(Number(x.toPrecision(5))));
  const level = result.level === 'user' ? 'user-level DP (DP-FedAvg)' : 'sample-level DP (DP-SGD on every client)';
  const lines = [`${result.runs[0]?.dataset.name ?? result.config.data}: ${result.config.clients} clients, ${level}, δ = ${result.config.dp?.delta}, ${result.config.rounds} rounds`, ''];
  const rows: string[][] = [['budget ε', 'ε spent', 'noise multiplier', 'accuracy', 'rounds']];
  for (const point of result.points) {
    rows.push([
      point.targetEpsilon === null ? 'inf (non-private)' : String(point.targetEpsilon),
      short(point.epsilon),
      short(point.noiseMultiplier),
      pct(point.accuracy),
      point.stoppedEarly ? `${point.rounds} (budget reached)` : String(point.rounds),
    ]);
  }
  lines.push(...alignTable(rows), '');
  lines.push(`non-private federated: ${pct(result.baseline.federated.accuracy)}`);
  if (result.baseline.centralized) lines.push(`centralised (non-private, ${result.baseline.centralized.epochs} epochs): ${pct(result.baseline.centralized.accuracy)}`);
  lines.push(`${(result.timing.totalMs / 1000).toFixed(1)} s for ${result.runs.length} runs`);
  lines.push(...written);
  return `${lines.join('\n')}\n`;
}
