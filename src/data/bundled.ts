/**
 * The data sets shipped in the package's data/ folder (provenance in data/README.md), by name.
 */
import type { Dataset } from './dataset.js';
import { loadCsvFile } from './csv.js';
import { bundledDataPath } from './package-root.js';

export interface BundledDatasetInfo {
  readonly name: string;
  readonly description: string;
  readonly examples: number;
  readonly features: number;
  readonly classes: number;
  readonly source: string;
}

interface BundledDescriptor extends BundledDatasetInfo {
  readonly file: string;
  /** For files without a header row: the names of all columns. */
  readonly columnNames?: readonly string[];
  readonly exampleShape?: readonly number[];
}

const DIGIT_PIXELS = Array.from({ length: 64 }, (_, i) => `pixel_${Math.floor(i / 8)}_${i % 8}`);

const BUNDLED: readonly BundledDescriptor[] = [
  {
    name: 'breast-cancer',
    description: 'Wisconsin Diagnostic Breast Cancer: 30 cell-nucleus features, benign or malignant',
    examples: 569,
    features: 30,
    classes: 2,
    source: 'UCI ML repository (Wolberg, Street, Mangasarian 1995), CC BY 4.0',
    file: 'breast-cancer-wisconsin.csv',
  },
  {
    name: 'digits',
    description: 'handwritten digits, 8×8 grey levels 0..16',
    examples: 1797,
    features: 64,
    classes: 10,
    source: 'UCI optical recognition of handwritten digits (test part), CC BY 4.0',
    file: 'digits-8x8.csv.gz',
    // The file is kept exactly as published, without a header row; its columns are named here.
    columnNames: [...DIGIT_PIXELS, 'label'],
    exampleShape: [8, 8, 1],
  },
  {
    name: 'iris',
    description: "Fisher's iris: 4 flower measurements, 3 species",
    examples: 150,
    features: 4,
    classes: 3,
    source: 'UCI ML repository (Fisher 1936), CC BY 4.0',
    file: 'iris.csv',
  },
];

/** Names and facts of the bundled data sets (without reading them). */
export function listBundledDatasets(): BundledDatasetInfo[] {
  return BUNDLED.map(({ name, description, examples, features, classes, source }) => ({
    name,
    description,
    examples,
    features,
    classes,
    source,
  }));
}

export function bundledDatasetNames(): string[] {
  return BUNDLED.map((d) => d.name);
}

/** Loads a bundled data set, or returns undefined when `name` is not one. */
export function loadBundledDataset(name: string, options: { label?: string | undefined } = {}): Dataset | undefined {
  const descriptor = BUNDLED.find((d) => d.name === name);
  if (descriptor === undefined) return undefined;
  return loadCsvFile(bundledDataPath(descriptor.file), {
    name: descriptor.name,
    label: options.label,
    columnNames: descriptor.columnNames,
    exampleShape: options.label === undefined ? descriptor.exampleShape : undefined,
  });
}
