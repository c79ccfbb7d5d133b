/** A small trained logreg saved as a servable model directory, for the prediction tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitStandardizer, loadDataset, type Dataset } from '../../../src/data/index.js';
import { saveServableModel } from '../../../src/fl/he-prediction/index.js';
import { createModel, parseModelSpec, type TfModel } from '../../../src/ml/index.js';

export interface ServableFixture {
  readonly directory: string;
  readonly model: TfModel;
  /** Raw (unstandardised) rows and the same rows standardised. */
  readonly raw: Dataset;
  readonly standardized: Dataset;
}

export async function trainServableModel(data: string, epochs = 3): Promise<ServableFixture> {
  const loaded = await loadDataset(data);
  const raw = loaded.data;
  const standardizer = fitStandardizer(raw);
  const standardized = standardizer.apply(raw);
  const model = await createModel(parseModelSpec('logreg'), { numFeatures: raw.numFeatures, numClasses: raw.numClasses }, { seed: 5 });
  await model.train(standardized, { epochs, batchSize: 32, seed: 9, optimizer: { kind: 'sgd', learningRate: 0.1 } });
  const directory = join(mkdtempSync(join(tmpdir(), 'cohort-he-model-')), 'model');
  await saveServableModel(model, directory, { standardizer: standardizer.toJSON(), classNames: raw.classNames, featureNames: raw.featureNames });
  return { directory, model, raw, standardized };
}
