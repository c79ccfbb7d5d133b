/** The short plain-text summary `cohort simulate` prints when a run ends. */
import type { SimulationResult } from '../fl/simulation/result.js';

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
    rows.push([`centralised (${result.centralized.epochs} epochs)`, pct(result.centralized.accuracy), result.centralized.loss.toFixed(4), auc(result.centralized.auc)]);
  }
  rows.push(['initial model', pct(result.initial.accuracy), result.initial.loss.toFixed(4), auc(result.initial.auc)]);
  lines.push(...alignTable(rows));
  if (result.centralized) {
    const gap = (result.centralized.accuracy - result.final.accuracy) * 100;
    lines.push('', `gap to centralised: ${gap.toFixed(2)} points`);
  }
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
