/**
 * Feature standardisation z = (x − mean) / scale, fitted on the training set only so that no
 * statistic of the test set (or of another client) leaks into training. scale is the population
 * standard deviation (as scikit-learn's StandardScaler); a constant column gets scale 1, so it
 * maps to 0 instead of dividing by zero.
 */
import { CohortError, check } from '../errors.js';
import type { Dataset } from './dataset.js';

export interface StandardizerJSON {
  readonly mean: number[];
  readonly scale: number[];
}

export class Standardizer {
  readonly mean: Float64Array;
  readonly scale: Float64Array;

  constructor(mean: ArrayLike<number>, scale: ArrayLike<number>) {
    check(mean.length === scale.length, 'scale.length', scale.length, `equal to mean.length (${mean.length})`);
    for (let j = 0; j < scale.length; j++) {
      const s = scale[j] as number;
      check(Number.isFinite(s) && s > 0, `scale[${j}]`, s, 'a finite number > 0');
      check(Number.isFinite(mean[j] as number), `mean[${j}]`, mean[j], 'a finite number');
    }
    this.mean = Float64Array.from(mean);
    this.scale = Float64Array.from(scale);
  }

  get numFeatures(): number {
    return this.mean.length;
  }

  /** A standardised copy of `data` (labels and metadata unchanged). */
  apply(data: Dataset): Dataset {
    if (data.numFeatures !== this.numFeatures) {
      throw new CohortError(
        'INVALID_ARGUMENT',
        `data ${JSON.stringify(data.name)} has ${data.numFeatures} features, the standardizer was fitted on ${this.numFeatures}`,
        { subject: 'data' },
      );
    }
    const d = this.numFeatures;
    const features = new Float32Array(data.features.length);
    for (let i = 0; i < data.numExamples; i++) {
      for (let j = 0; j < d; j++) {
        const k = i * d + j;
        features[k] = ((data.features[k] as number) - (this.mean[j] as number)) / (this.scale[j] as number);
      }
    }
    return { ...data, features };
  }

  toJSON(): StandardizerJSON {
    return { mean: Array.from(this.mean), scale: Array.from(this.scale) };
  }

  static fromJSON(json: StandardizerJSON): Standardizer {
    check(Array.isArray(json?.mean) && Array.isArray(json?.scale), 'standardizer JSON', json, 'an object with mean and scale arrays');
    return new Standardizer(json.mean, json.scale);
  }
}

/** Columns whose standard deviation is below this (relative to their magnitude) count as constant. */
const CONSTANT_TOLERANCE = 1e-12;

/** Fits per-feature mean and standard deviation on `train` (two passes in float64 for accuracy). */
export function fitStandardizer(train: Dataset): Standardizer {
  check(train.numExamples >= 1, 'train.numExamples', train.numExamples, 'at least 1');
  const n = train.numExamples;
  const d = train.numFeatures;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (train.features[i * d + j] as number);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / n;
  const variance = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const dev = (train.features[i * d + j] as number) - (mean[j] as number);
      variance[j] = (variance[j] as number) + dev * dev;
    }
  }
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const std = Math.sqrt((variance[j] as number) / n);
    scale[j] = std > CONSTANT_TOLERANCE * Math.max(1, Math.abs(mean[j] as number)) ? std : 1;
  }
  return new Standardizer(mean, scale);
}
