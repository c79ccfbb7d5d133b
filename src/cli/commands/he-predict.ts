/**
 * `cohort he predict --server URL --key KEY.json --input ROWS.csv [--label COLUMN]`: encrypts each
 * row under KEY's public key, has the server score it, decrypts and prints one CSV line per row:
 * row, predicted class, its probability (P(class 1) for binary models in column p1), and the label
 * when --label names one. The private key stays in this process.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PaillierPrivateKey, keyFromJwk, parseJsonText } from '../../crypto/paillier/index.js';
import { parseCsvRecords } from '../../data/csv-parse.js';
import { CohortError } from '../../errors.js';
import { EncryptedPredictionClient } from '../../fl/he-prediction/index.js';
import { numberFlag } from '../parse-flags.js';

interface PredictFlags {
  server: string;
  key: string;
  input: string;
  label?: string;
  timeout: number;
}

export function registerHePredictCommand(he: Command): void {
  he.command('predict')
    .description('get predictions from `cohort he serve` without revealing the features: one CSV line per row')
    .requiredOption('--server <url>', 'the prediction server, e.g. http://127.0.0.1:8080')
    .requiredOption('--key <file>', 'your Paillier private key (cohort he keygen); only its public part is sent')
    .requiredOption('--input <file>', 'CSV with a header row of feature names (and optionally a label column)')
    .option('--label <column>', 'a label column to leave out of the features and print beside the prediction')
    .option('--timeout <ms>', 'per-request time limit', numberFlag('--timeout', { integer: true, min: 1 }), 60_000)
    .action((flags: PredictFlags) => predict(flags));
}

async function predict(flags: PredictFlags): Promise<void> {
  if (!existsSync(flags.key)) throw new CohortError('FILE_NOT_FOUND', `key file not found: ${flags.key}`, { subject: '--key' });
  const key = keyFromJwk(parseJsonText(readFileSync(flags.key, 'utf8'), `key (${flags.key})`));
  if (!(key instanceof PaillierPrivateKey)) throw new CohortError('INVALID_ARGUMENT', `--key ${flags.key} is a public key; predictions need the private key to decrypt`, { subject: '--key' });
  const table = readRows(flags.input, flags.label);
  const client = await EncryptedPredictionClient.connect(flags.server, key, { timeoutMs: flags.timeout });
  const columns = selectColumns(table.header, client.info.featureNames, client.info.numFeatures, flags.input);
  const binary = client.info.kind === 'binary';
  process.stdout.write(`row,class,${binary ? `p_${client.info.classNames[1] ?? 1}` : 'probability'}${flags.label === undefined ? '' : ',label'}\n`);
  for (const [i, row] of table.rows.entries()) {
    const prediction = await client.predict(columns.map((j) => row.values[j] as number));
    const probability = binary ? (prediction.probabilities[1] as number) : (prediction.probabilities[prediction.predictedClass] as number);
    process.stdout.write(`${i + 1},${prediction.className},${probability.toPrecision(10)}${row.label === undefined ? '' : `,${row.label}`}\n`);
  }
}

interface Table {
  readonly header: readonly string[];
  readonly rows: readonly { values: number[]; label?: string }[];
}

function readRows(path: string, labelColumn: string | undefined): Table {
  if (!existsSync(path)) throw new CohortError('FILE_NOT_FOUND', `input file not found: ${path}`, { subject: '--input' });
  const [head, ...records] = parseCsvRecords(readFileSync(path, 'utf8'), path);
  if (head === undefined || records.length === 0) throw new CohortError('INVALID_DATA', `${path}: needs a header row and at least one data row`, { subject: '--input' });
  const names = head.fields.map((name) => name.trim());
  const labelIndex = labelColumn === undefined ? -1 : names.indexOf(labelColumn);
  if (labelColumn !== undefined && labelIndex < 0) throw new CohortError('INVALID_ARGUMENT', `--label ${JSON.stringify(labelColumn)} is not a column of ${path}`, { subject: '--label' });
  const featureIndices = names.map((_, j) => j).filter((j) => j !== labelIndex);
  const rows = records.map((record) => {
    if (record.fields.length !== names.length) throw new CohortError('INVALID_DATA', `${path}, line ${record.line}: ${record.fields.length} fields, expected ${names.length}`, { subject: '--input' });
    const values = featureIndices.map((j) => {
      const cell = (record.fields[j] as string).trim();
      const value = Number(cell);
      if (cell === '' || !Number.isFinite(value)) throw new CohortError('INVALID_DATA', `${path}, line ${record.line}, column ${JSON.stringify(names[j])}: not a number (${JSON.stringify(cell)})`, { subject: '--input' });
      return value;
    });
    return labelIndex < 0 ? { values } : { values, label: (record.fields[labelIndex] as string).trim() };
  });
  return { header: featureIndices.map((j) => names[j] as string), rows };
}

/** The model's features by name when the server names them and the file has them all, else in file order. */
function selectColumns(header: readonly string[], featureNames: readonly string[] | undefined, numFeatures: number, path: string): number[] {
  if (featureNames !== undefined && featureNames.every((name) => header.includes(name))) return featureNames.map((name) => header.indexOf(name));
  if (header.length !== numFeatures) {
    throw new CohortError('INVALID_DATA', `${path} has ${header.length} feature columns; the model takes ${numFeatures}${featureNames === undefined ? '' : ` (${featureNames.slice(0, 3).join(', ')}, ...)`}`, { subject: '--input' });
  }
  return header.map((_, j) => j);
}
