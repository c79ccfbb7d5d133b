/**
 * A logistic-regression model as the encrypted prediction service serves it: linear scores
 * s_c = w_c·z + b_c over standardised features z = (x − mean)/scale.
 *
 * Cohort's logreg is softmax regression (docs/models.md). For two classes the service returns one
 * score, the logit difference s = (w₁ − w₀)·z + (b₁ − b₀), and P(class 1) = σ(s) (the logistic
 * model is softmax over two classes with one redundant parameter set); for k classes it returns
 * the k scores and the client applies softmax.
 *
 * A model directory holds model.json + weights.bin (src/ml saveModel) and prediction.json
 * (standardiser, class and feature names) written by saveServableModel.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Standardizer, type StandardizerJSON } from '../../data/index.js';
import { CohortError, check } from '../../errors.js';
import { loadModel, saveModel, type TfModel } from '../../ml/index.js';

export const PREDICTION_METADATA_FILE = 'prediction.json';

export interface PredictionMetadataJson {
  readonly standardizer: StandardizerJSON;
  readonly classNames: readonly string[];
  readonly featureNames?: readonly string[];
}

export interface LinearScorer {
  /** 'binary': one logit-difference score (apply σ); 'softmax': one score per class. */
  readonly kind: 'binary' | 'softmax';
  readonly numFeatures: number;
  readonly classNames: readonly string[];
  readonly featureNames?: readonly string[];
  /** One row of numFeatures coefficients per score. */
  readonly coefficients: readonly Float64Array[];
  readonly intercepts: readonly number[];
  readonly standardizer: Standardizer;
}

/** Scores from a logreg model's flat weights (kernel [d, k] row-major, then bias [k]). */
export function linearScorer(weights: Float32Array, numFeatures: number, numClasses: number, metadata: PredictionMetadataJson): LinearScorer {
  const d = numFeatures;
  const k = numClasses;
  check(Number.isInteger(d) && d >= 1, 'numFeatures', d, 'a positive integer');
  check(Number.isInteger(k) && k >= 2, 'numClasses', k, 'an integer ≥ 2');
  check(weights.length === d * k + k, 'weights.length', weights.length, `d·k + k = ${d * k + k} for a logreg of ${d} features and ${k} classes`);
  const standardizer = Standardizer.fromJSON(metadata.standardizer);
  check(standardizer.numFeatures === d, 'standardizer features', standardizer.numFeatures, `equal to the model's ${d}`);
  check(Array.isArray(metadata.classNames) && metadata.classNames.length === k, 'classNames.length', metadata.classNames?.length, `equal to the model's ${k} classes`);
  const column = (c: number) => Float64Array.from({ length: d }, (_, j) => weights[j * k + c] as number);
  const bias = (c: number) => weights[d * k + c] as number;
  const featureNames = metadata.featureNames === undefined ? {} : { featureNames: [...metadata.featureNames] };
  if (k === 2) {
    const w0 = column(0);
    const w1 = column(1);
    return {
      kind: 'binary',
      numFeatures: d,
      classNames: [...metadata.classNames],
      ...featureNames,
      coefficients: [w1.map((w, j) => w - (w0[j] as number))],
      intercepts: [bias(1) - bias(0)],
      standardizer,
    };
  }
  return {
    kind: 'softmax',
    numFeatures: d,
    classNames: [...metadata.classNames],
    ...featureNames,
    coefficients: Array.from({ length: k }, (_, c) => column(c)),
    intercepts: Array.from({ length: k }, (_, c) => bias(c)),
    standardizer,
  };
}

/** Writes the model (src/ml saveModel) and prediction.json next to it. Logreg models only. */
export async function saveServableModel(model: TfModel, directory: string, metadata: PredictionMetadataJson): Promise<void> {
  checkLogreg(model, directory);
  linearScorer(model.getWeights(), model.shape.numFeatures, model.shape.numClasses, metadata); // validate before writing
  await saveModel(model, directory);
  const json: PredictionMetadataJson = {
    standardizer: metadata.standardizer,
    classNames: [...metadata.classNames],
    ...(metadata.featureNames === undefined ? {} : { featureNames: [...metadata.featureNames] }),
  };
  writeFileSync(join(directory, PREDICTION_METADATA_FILE), `${JSON.stringify(json, null, 2)}\n`);
}

export async function loadServableModel(directory: string): Promise<LinearScorer> {
  const metadataPath = join(directory, PREDICTION_METADATA_FILE);
  if (!existsSync(metadataPath)) {
    throw new CohortError('FILE_NOT_FOUND', `${metadataPath} not found: save the model with saveServableModel (or \`cohort he train-demo\`) so that the standardiser travels with it`, {
      subject: metadataPath,
    });
  }
  let metadata: PredictionMetadataJson;
  try {
    metadata = JSON.parse(readFileSync(metadataPath, 'utf8')) as PredictionMetadataJson;
  } catch (cause) {
    throw new CohortError('INVALID_DATA', `${metadataPath}: not JSON (${(cause as Error).message})`, { subject: metadataPath, cause });
  }
  const model = await loadModel(directory);
  try {
    checkLogreg(model, directory);
    return linearScorer(model.getWeights(), model.shape.numFeatures, model.shape.numClasses, metadata);
  } finally {
    model.dispose();
  }
}

function checkLogreg(model: TfModel, directory: string): void {
  if (model.spec.kind !== 'logreg') {
    throw new CohortError('UNSUPPORTED', `${directory}: the encrypted prediction service serves logreg models (got ${model.spec.kind}); its score must be linear in the features`, {
      subject: directory,
    });
  }
}

/** Plaintext scores of standardised features (reference for tests and the client's check). */
export function plainScores(scorer: LinearScorer, standardized: ArrayLike<number>): number[] {
  return scorer.coefficients.map((row, c) => {
    let sum = scorer.intercepts[c] as number;
    for (let j = 0; j < row.length; j++) sum += (row[j] as number) * (standardized[j] as number);
    return sum;
  });
}
