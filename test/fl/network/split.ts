// Writes the simulator's split (same seed: split, standardisation, partition) as one CSV per
// client plus the test CSV, so network runs can be compared with `runSimulation`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, fitStandardizer, loadDataset, parsePartitionSpec, partitionDataset, trainTestSplit } from '../../../src/data/index.js';
import { deriveSeed } from '../../../src/fl/index.js';

export function datasetToCsv(data: Dataset): string {
  const lines = [[...data.featureNames, 'label'].join(',')];
  for (let i = 0; i < data.numExamples; i++) {
    const row: string[] = [];
    for (let j = 0; j < data.numFeatures; j++) row.push(String(data.features[i * data.numFeatures + j]));
    row.push(data.classNames[data.labels[i] as number] as string);
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

export interface WrittenSplit {
  readonly clientFiles: string[];
  readonly testFile: string;
  readonly parts: Dataset[];
}

export async function writeSimulatorSplit(dir: string, options: { data: string; clients: number; partition: string; seed: number; testFraction: number }): Promise<WrittenSplit> {
  mkdirSync(dir, { recursive: true });
  const loaded = await loadDataset(options.data);
  const { train: rawTrain, test: rawTest } = trainTestSplit(loaded.data, { testFraction: options.testFraction, seed: deriveSeed(options.seed, 'split'), stratify: true });
  const standardizer = fitStandardizer(rawTrain);
  const train = standardizer.apply(rawTrain);
  const test = standardizer.apply(rawTest);
  const parts = partitionDataset(train, parsePartitionSpec(options.partition), options.clients, deriveSeed(options.seed, 'partition'));
  const clientFiles = parts.map((part, i) => {
    const file = join(dir, `client-${i}.csv`);
    writeFileSync(file, datasetToCsv(part));
    return file;
  });
  const testFile = join(dir, 'test.csv');
  writeFileSync(testFile, datasetToCsv(test));
  return { clientFiles, testFile, parts };
}
