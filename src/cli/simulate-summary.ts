/** The short plain-text summary `cohort simulate` prints when a run ends. */
import type { SimulationResult } from '../fl/simulation/result.js';
import { formatSecureAggregation } from './secure-aggregation-options.js';

export function formatSimulationSummary(result: SimulationResult, written: readonly string[]): string {
  const { config, dataset, partition } = result;
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const auc = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(4));
  const lines: string[] = [];
  lines.push(
    `${dataset.name}: ${config.clients} clients (${partition.spec}), ${result.strategy}, ${result.rounds.length} rounds × ${config.localEpochs} local epoch(s), model ${result.model.spec}`,
    '',
  );
  const rows: string[][] = [['', 'accuracy', 'loss', 'AUC']];
  rows.push([`federated (round ${result.rounds.length})`, pct(result.final.accuracy), result.final.loss.toFixed(4), auc(result.final.auc)]);
  if (result.centralized) {
    rows.push([`centralised (${result.centralized.epochs} epochs${result.privacy ? ', non-private' : ''})`, pct(result.centralized.accuracy), result.centralized.loss.toFixed(4), auc(result.centralized.auc)]);
  }
  rows.push(['initial model', pct(result.initial.accuracy), result.initial.loss.toFixed(4), auc(result.initial.auc)]);
  lines.push(...alignTable(rows));
  if (result.centralized) {
    const gap = (result.centralized.accuracy - result.final.accuracy) * 100;
    lines.push('', `gap to centralised: ${gap.toFixed(2)} points`);
  }
  if (result.privacy) lines.push('', ...formatPrivacy(result));
  if (result.secureAggregation) lines.push('', ...formatSecureAggregation(result));
  lines.push('');
  const clientRows: string[][] = [['client', 'examples', ...partition.classNames]];
  partition.clients.forEach((client, i) => {
    clientRows.push([partition.clientIds[i] ?? String(client.client), String(client.examples), ...client.labelCounts.map(String)]);
  });
  lines.push(...alignTable(clientRows));
  lines.push('', `test set: ${dataset.testExamples} examples; ${(result.timing.totalMs / 1000).toFixed(1)} s with ${result.timing.workers === 0 ? 'no worker threads' : `${result.timing.workers} worker thread(s)`} (${result.timing.backend})`);
  for (const line of written) lines.push(line);
  return `${lines.join('\n')}\n`;
}

/** Pads columns: the first left-aligned, the rest right-aligned. */
export function alignTable(rows: readonly (readonly string[])[]): string[] {
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, j) => Math.max(...rows.map((row) => (row[j] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, j) => (j === 0 ? cell.padEnd(widths[j] as number) : cell.padStart(widths[j] as number)))
      .join('  ')
      .trimEnd(),
  );
}

/** The privacy lines of a DP run: the guarantee, how it was reached, and an early stop. */
export function formatPrivacy(result: SimulationResult): string[] {
  const privacy = result.privacy;
  if (!privacy) return [];
  const ddg = privacy.distributedDiscreteGaussian;
  const level =
    privacy.level !== 'user'
      ? 'sample-level DP (DP-SGD on every client)'
      : ddg === undefined
        ? 'user-level DP (DP-FedAvg)'
        : `user-level DP (distributed discrete Gaussian: each client adds its share of the noise, at least ${ddg.noiseShares} shares in every sum)`;
  const epsilon = formatNumber(privacy.epsilon);
  const lines = [
    `privacy: ${level}, ε = ${epsilon} at δ = ${privacy.delta} (${privacy.accountant.toUpperCase()})${privacy.budgetEpsilon === null ? '' : `, budget ε = ${privacy.budgetEpsilon}`}`,
    `  noise multiplier ${formatNumber(privacy.noiseMultiplier)}${privacy.calibrated ? ' (calibrated to the budget)' : ''}, clipping norm ${privacy.clippingNorm}${
      privacy.adaptiveClipping ? ` adaptive → ${formatNumber(privacy.adaptiveClipping.finalClippingNorm)}` : ''
    }, sampling rate ${formatNumber(privacy.sampleRate)}; spends recorded in ${privacy.ledger === 'memory' ? 'an in-memory ledger' : privacy.ledger}`,
  ];
  if (privacy.stoppedEarly) {
    lines.push(`stopped early: the privacy budget allowed ${privacy.rounds} of ${result.config.rounds} rounds; ${privacy.stoppedEarly.reason}`);
  }
  return lines;
}

function formatNumber(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(5))) : String(x);
}
