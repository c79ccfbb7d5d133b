// Save/load in the tfjs layers-model format, in memory and on disk.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CohortError } from '../../src/errors.js';
import {
  createModel,
  fileIOHandler,
  fromArtifacts,
  initBackend,
  loadModel,
  saveModel,
  toArtifacts,
  type ModelShape,
  type ModelSpec,
  type TfModel,
} from '../../src/ml/index.js';
import { bars, blobs, maxAbsDifference } from './helpers.js';

let directory: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'cohort-ml-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const models: Array<[string, ModelSpec, ModelShape]> = [
  ['logreg', { kind: 'logreg' }, { numFeatures: 64, numClasses: 2 }],
  ['mlp:12,6', { kind: 'mlp', hidden: [12, 6] }, { numFeatures: 64, numClasses: 2 }],
  ['cnn', { kind: 'cnn' }, { numFeatures: 64, numClasses: 2, exampleShape: [8, 8, 1] }],
  ['mlp:12,6:tanh', { kind: 'mlp', hidden: [12, 6], activation: 'tanh' }, { numFeatures: 64, numClasses: 2 }],
  ['cnn:tanh', { kind: 'cnn', activation: 'tanh' }, { numFeatures: 64, numClasses: 2, exampleShape: [8, 8, 1] }],
];
const probe = bars(20, 1);

/** A model with non-initial weights (a little training), so a round-trip cannot pass by accident. */
async function trainedModel(spec: ModelSpec, shape: ModelShape): Promise<TfModel> {
  const model = await createModel(spec, shape, { seed: 3 });
  await model.train(probe, { epochs: 1, batchSize: 8, seed: 1, optimizer: { kind: 'adam', learningRate: 0.01 } });
  return model;
}

describe('in-memory artifacts', () => {
  for (const [name, spec, shape] of models) {
    it(`${name}: fromArtifacts(toArtifacts(m)) has identical weights and predictions; no tensors leak`, async () => {
      const model = await trainedModel(spec, shape);
      const before = tf.memory().numTensors;
      const artifacts = await toArtifacts(model);
      expect(tf.memory().numTensors).toBe(before);
      expect(artifacts.format).toBe('layers-model');
      expect(artifacts.userDefinedMetadata?.['cohort']).toMatchObject({ formatVersion: 1, spec: name, numFeatures: 64, numClasses: 2 });
      const copy = await fromArtifacts(artifacts);
      expect(copy.spec).toEqual(spec);
      expect(copy.getWeights()).toEqual(model.getWeights());
      expect(await copy.predict(probe)).toEqual(await model.predict(probe));
      copy.dispose();
      model.dispose();
    });

    it(`${name}: tfjs-layers loads the artifacts and predicts what Cohort predicts`, async () => {
      const model = await trainedModel(spec, shape);
      const layersModel = await tfl.loadLayersModel(tf.io.fromMemory(await toArtifacts(model)));
      const x = tf.tensor2d(probe.features, [probe.numExamples, probe.numFeatures]);
      const expected = layersModel.predict(x) as tf.Tensor;
      expect(maxAbsDifference(expected.dataSync(), await model.predict(probe))).toBeLessThan(1e-5);
      tf.dispose([x, expected]);
      layersModel.dispose();
      model.dispose();
    });
  }

  it('rejects artifacts without Cohort metadata or with wrong weight shapes', async () => {
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 4, numClasses: 2 }, { seed: 1 });
    const artifacts = await toArtifacts(model);
    await expect(fromArtifacts({ ...artifacts, userDefinedMetadata: {} })).rejects.toThrow(/not a Cohort model: userDefinedMetadata.cohort is missing/);
    const wrong = { ...artifacts, userDefinedMetadata: { cohort: { ...(artifacts.userDefinedMetadata?.['cohort'] as object), spec: 'mlp:3' } } };
    await expect(fromArtifacts(wrong)).rejects.toThrow(/2 weight tensors, mlp:3 needs 4/);
    await expect(fromArtifacts(wrong)).rejects.toBeInstanceOf(CohortError);
    const before = tf.memory().numTensors;
    const wrongShape = { ...artifacts, userDefinedMetadata: { cohort: { ...(artifacts.userDefinedMetadata?.['cohort'] as object), numFeatures: 5 } } };
    await expect(fromArtifacts(wrongShape)).rejects.toThrow(/dense_1\/kernel has shape \[4, 2\], expected \[5, 2\]/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('files (model.json + weights.bin)', () => {
  it('saveModel / loadModel round-trip; the files are the tfjs layout', async () => {
    const data = blobs(50, 6, 3, 2);
    const model = await createModel({ kind: 'mlp', hidden: [5] }, { numFeatures: 6, numClasses: 2 }, { seed: 2 });
    await model.train(data, { epochs: 2, batchSize: 10, seed: 2, optimizer: { kind: 'sgd', learningRate: 0.1 } });
    const target = join(directory, 'mlp');
    await saveModel(model, target);
    const json = JSON.parse(await readFile(join(target, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(['dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias']);
    const bytes = await readFile(join(target, 'weights.bin'));
    expect(bytes.byteLength).toBe(4 * model.numParameters);
    // weights.bin is the flat weight vector, little-endian float32.
    expect(new Float32Array(bytes.buffer, bytes.byteOffset, model.numParameters)).toEqual(model.getWeights());
    const loaded = await loadModel(target);
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(await loaded.evaluate(data)).toEqual(await model.evaluate(data));
    // Plain tfjs reads the same directory through the same handler.
    const layersModel = await tfl.loadLayersModel(fileIOHandler(target));
    expect(layersModel.weights.length).toBe(4);
    layersModel.dispose();
    loaded.dispose();
    model.dispose();
  });

  it('a missing directory or model.json fails with FILE_NOT_FOUND naming the path; bad JSON with INVALID_DATA', async () => {
    const missing = join(directory, 'nothing-here');
    await expect(loadModel(missing)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: expect.stringContaining(join(missing, 'model.json')) });
    const broken = join(directory, 'broken');
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 2, numClasses: 2 }, { seed: 1 });
    await saveModel(model, broken);
    await writeFile(join(broken, 'model.json'), '{ not json');
    await expect(loadModel(broken)).rejects.toMatchObject({ code: 'INVALID_DATA' });
    model.dispose();
  });
});
