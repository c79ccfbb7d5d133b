/**
 * CSV data sets: a header row (or column names given by a descriptor), numeric features and one
 * label column chosen by name. Labels may be text (class names sorted, so indices are stable) or
 * integers (kept in numeric order). gzip'd files are recognised by their magic bytes.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CohortError, check, formatValue } from '../errors.js';
import type { Dataset } from './dataset.js';
import { parseCsvRecords, type CsvRecord } from './csv-parse.js';

export interface CsvOptions {
  /** Name of the label column. Default: `label`, `diagnosis`, `class` or `target`, else the last column. */
  readonly label?: string | undefined;
  /** Names of all columns for a file without a header row; when given, the first row is data. */
  readonly columnNames?: readonly string[] | undefined;
  /** Name of the data set (default: the file name without extensions). */
  readonly name?: string | undefined;
  /** Layout of one example for image data (product must equal the number of features). */
  readonly exampleShape?: readonly number[] | undefined;
}

/** Label column names tried, in order, when none is given (case-insensitive). */
export const DEFAULT_LABEL_COLUMNS = ['label', 'diagnosis', 'class', 'target'] as const;

// A decimal number as written in CSV files; stricter than Number() (which accepts "", "0x1f", "Infinity").
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** Reads a CSV file (plain or gzip'd) into a Dataset. */
export function loadCsvFile(path: string, options: CsvOptions = {}): Dataset {
  check(typeof path === 'string' && path.length > 0, 'path', path, 'a non-empty file path');
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new CohortError('FILE_NOT_FOUND', `data file not found: ${path}`, { subject: path });
  }
  const text = decodeText(readFileSync(path), path);
  const name = options.name ?? basename(path).replace(/\.gz$/i, '').replace(/\.csv$/i, '');
  return datasetFromCsv(text, path, { ...options, name });
}

/** Decodes file bytes as UTF-8, gunzipping first when they start with the gzip magic (1f 8b). */
export function decodeText(bytes: Uint8Array, source: string): string {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (error) {
      throw new CohortError('INVALID_DATA', `${source}: not a valid gzip file (${(error as Error).message})`, {
        subject: source,
        cause: error,
      });
    }
  }
  return new TextDecoder('utf-8').decode(raw);
}

/** Parses CSV text into a Dataset; `source` names the file in error messages. */
export function datasetFromCsv(text: string, source: string, options: CsvOptions = {}): Dataset {
  const records = parseCsvRecords(text, source);
  const { columns, rows } = splitHeader(records, source, options.columnNames);
  if (columns.length < 2) {
    throw new CohortError('INVALID_DATA', `${source}: ${columns.length} column, need at least 2 (features and a label)`, {
      subject: source,
    });
  }
  if (rows.length === 0) throw new CohortError('INVALID_DATA', `${source}: no data rows`, { subject: source });

  const labelIndex = chooseLabelColumn(columns, options.label, source);
  const featureIndices = columns.map((_, j) => j).filter((j) => j !== labelIndex);
  const numFeatures = featureIndices.length;
  const features = new Float32Array(rows.length * numFeatures);
  const rawLabels: string[] = [];
  const where = (row: number, record: CsvRecord, column: number): string =>
    `${source}, row ${row + 1} (line ${record.line}), column ${formatValue(columns[column])}`;

  rows.forEach((record, row) => {
    if (record.fields.length !== columns.length) {
      throw new CohortError(
        'INVALID_DATA',
        `${source}, row ${row + 1} (line ${record.line}): ${record.fields.length} fields, expected ${columns.length}`,
        { subject: source },
      );
    }
    featureIndices.forEach((column, k) => {
      const cell = (record.fields[column] as string).trim();
      if (cell === '') throw new CohortError('INVALID_DATA', `${where(row, record, column)}: missing value`, { subject: source });
      if (!DECIMAL.test(cell)) {
        throw new CohortError('INVALID_DATA', `${where(row, record, column)}: non-numeric value ${formatValue(cell)}`, {
          subject: source,
        });
      }
      features[row * numFeatures + k] = Number(cell);
    });
    const label = (record.fields[labelIndex] as string).trim();
    if (label === '') {
      throw new CohortError('INVALID_DATA', `${where(row, record, labelIndex)}: missing label`, { subject: source });
    }
    rawLabels.push(label);
  });

  const { classNames, labels } = encodeLabels(rawLabels);
  const dataset: Dataset = {
    name: options.name ?? basename(source),
    features,
    labels,
    numExamples: rows.length,
    numFeatures,
    numClasses: classNames.length,
    classNames,
    featureNames: featureIndices.map((j) => columns[j] as string),
  };
  if (options.exampleShape === undefined) return dataset;
  const product = options.exampleShape.reduce((a, b) => a * b, 1);
  check(product === numFeatures, 'exampleShape', options.exampleShape.join('×'), `a shape with ${numFeatures} values`);
  return { ...dataset, exampleShape: [...options.exampleShape] };
}

function splitHeader(
  records: CsvRecord[],
  source: string,
  columnNames: readonly string[] | undefined,
): { columns: string[]; rows: CsvRecord[] } {
  if (columnNames !== undefined) return { columns: [...columnNames], rows: records };
  const header = records[0];
  if (header === undefined) throw new CohortError('INVALID_DATA', `${source}: the file is empty`, { subject: source });
  const columns = header.fields.map((name) => name.trim());
  columns.forEach((name, j) => {
    if (name === '') {
      throw new CohortError('INVALID_DATA', `${source}, line ${header.line}: header column ${j + 1} has no name`, {
        subject: source,
      });
    }
  });
  return { columns, rows: records.slice(1) };
}

function chooseLabelColumn(columns: readonly string[], label: string | undefined, source: string): number {
  if (label !== undefined) {
    const index = columns.indexOf(label);
    if (index < 0) {
      throw new CohortError(
        'INVALID_ARGUMENT',
        `--label ${formatValue(label)} is not a column of ${source}; columns: ${columns.join(', ')}`,
        { subject: '--label' },
      );
    }
    return index;
  }
  const lower = columns.map((c) => c.toLowerCase());
  for (const candidate of DEFAULT_LABEL_COLUMNS) {
    const index = lower.indexOf(candidate);
    if (index >= 0) return index;
  }
  return columns.length - 1;
}

/**
 * Class indices from raw label strings. All-integer labels keep numeric order (so "2" < "10");
 * otherwise class names are sorted by code unit, which does not depend on the locale.
 */
export function encodeLabels(rawLabels: readonly string[]): { classNames: string[]; labels: Int32Array } {
  const integers = rawLabels.every((label) => INTEGER.test(label));
  const key = (label: string): string => (integers ? String(Number(label)) : label); // "007" and "7" are one class
  const distinct = [...new Set(rawLabels.map(key))];
  distinct.sort(integers ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const indexOf = new Map(distinct.map((name, i) => [name, i]));
  const labels = new Int32Array(rawLabels.length);
  rawLabels.forEach((label, i) => {
    labels[i] = indexOf.get(key(label)) as number;
  });
  return { classNames: distinct, labels };
}
