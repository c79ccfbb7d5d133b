/**
 * The in-memory data set every layer passes around: dense float32 features, integer labels.
 * Features are row-major (`features[i * numFeatures + j]`); for images `exampleShape` says how a
 * row is laid out (e.g. [28, 28, 1]) so convolutional models can reshape it.
 */
export interface Dataset {
  readonly name: string;
  /** Row-major, `numExamples * numFeatures` values. */
  readonly features: Float32Array;
  /** Class index of each example, in [0, numClasses). */
  readonly labels: Int32Array;
  readonly numExamples: number;
  readonly numFeatures: number;
  readonly numClasses: number;
  /** Human names of the classes (e.g. ["benign", "malignant"]), index = label. */
  readonly classNames: readonly string[];
  readonly featureNames: readonly string[];
  /** Shape of one example for image models, product = numFeatures. Absent for tabular data. */
  readonly exampleShape?: readonly number[];
}

/** The examples of `dataset` at `indices`, in that order, as a new data set. */
export function subset(dataset: Dataset, indices: ArrayLike<number>, name = dataset.name): Dataset {
  const d = dataset.numFeatures;
  const features = new Float32Array(indices.length * d);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    features.set(dataset.features.subarray(i * d, (i + 1) * d), k * d);
    labels[k] = dataset.labels[i] as number;
  }
  return { ...dataset, name, features, labels, numExamples: indices.length };
}

/** Number of examples per class. */
export function labelCounts(dataset: Pick<Dataset, 'labels' | 'numClasses'>): number[] {
  const counts = new Array<number>(dataset.numClasses).fill(0);
  for (const label of dataset.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}
