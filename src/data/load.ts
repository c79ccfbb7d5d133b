/**
 * One entry point for every data source the CLI and library accept:
 * a bundled name (`breast-cancer`, `digits`, `iris`), `csv:PATH` or `idx:DIR`.
 */
import { CohortError, formatValue } from '../errors.js';
import { bundledDatasetNames, loadBundledDataset } from './bundled.js';
import { loadCsvFile } from './csv.js';
import type { Dataset } from './dataset.js';
import { loadIdxDirectory } from './idx.js';

export interface LoadedDataset {
  readonly data: Dataset;
  /** A test set published with the data (e.g. MNIST's t10k files); absent for bundled and CSV data. */
  readonly predefinedTest?: Dataset;
}

export async function loadDataset(spec: string, options: { label?: string | undefined } = {}): Promise<LoadedDataset> {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new CohortError('INVALID_ARGUMENT', `--data must name a data set (got ${formatValue(spec)})`, { subject: '--data' });
  }
  if (options.label !== undefined && options.label.trim() === '') {
    throw new CohortError('INVALID_ARGUMENT', `--label must name a column (got ${formatValue(options.label)})`, {
      subject: '--label',
    });
  }
  if (spec.startsWith('csv:')) {
    const path = spec.slice('csv:'.length);
    if (path === '') throw new CohortError('INVALID_ARGUMENT', `--data csv: needs a file path (got ${formatValue(spec)})`, { subject: '--data' });
    return { data: loadCsvFile(path, { label: options.label }) };
  }
  if (spec.startsWith('idx:')) {
    const dir = spec.slice('idx:'.length);
    if (dir === '') throw new CohortError('INVALID_ARGUMENT', `--data idx: needs a folder (got ${formatValue(spec)})`, { subject: '--data' });
    if (options.label !== undefined) {
      throw new CohortError('INVALID_ARGUMENT', `--label applies to CSV data only; IDX labels come from the label files (got ${formatValue(options.label)})`, {
        subject: '--label',
      });
    }
    return loadIdxDirectory(dir);
  }
  const bundled = loadBundledDataset(spec, { label: options.label });
  if (bundled !== undefined) return { data: bundled };
  throw new CohortError(
    'UNKNOWN_DATASET',
    `unknown data set ${formatValue(spec)}: use one of ${bundledDatasetNames().join(', ')}, csv:PATH or idx:DIR`,
    { subject: '--data' },
  );
}
