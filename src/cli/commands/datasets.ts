/**
 * `cohort datasets`: lists the data sets bundled in the package (use them with --data NAME).
 * `--json` prints the same facts as JSON for scripts.
 */
import type { Command } from 'commander';
import { listBundledDatasets, type BundledDatasetInfo } from '../../data/index.js';

export function registerDatasetsCommand(program: Command): void {
  program
    .command('datasets')
    .description('list the bundled data sets (use with --data NAME; also csv:PATH and idx:DIR)')
    .option('--json', 'print the list as JSON')
    .action((options: { json?: boolean }) => {
      const datasets = listBundledDatasets();
      process.stdout.write(options.json ? `${JSON.stringify(datasets, null, 2)}\n` : formatDatasetTable(datasets));
    });
}

/** A plain-text table: name, size, classes, description and source, columns padded to fit. */
export function formatDatasetTable(datasets: readonly BundledDatasetInfo[]): string {
  const header = ['name', 'examples', 'features', 'classes', 'description', 'source'];
  const rows = datasets.map((d) => [d.name, String(d.examples), String(d.features), String(d.classes), d.description, d.source]);
  const numeric = [false, true, true, true, false, false];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, j) => (numeric[j] ? cell.padStart(widths[j] as number) : cell.padEnd(widths[j] as number)))
      .join('  ')
      .trimEnd();
  const footer = 'Use one with --data NAME, or pass your own data as csv:PATH or idx:DIR.';
  return `${[line(header), ...rows.map(line)].join('\n')}\n\n${footer}\n`;
}
