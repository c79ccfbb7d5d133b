// Per-sample clipping of tanh models: ghost norms, the per-example path and the fallback equal the naive loop (1e-4 relative).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import type { Dataset } from '../../../src/data/dataset.js';
import { createModel, initBackend, parseModelSpec, type TfModel } from '../../../src/ml/index.js';
import { clippedGradientSum, planClipping, type ClippingOptions } from '../../../src/ml/dp-sgd/index.js';
import { bars, dataset, gaussian } from '../helpers.js';
import { median, naiveClippedSum, relativeError } from './reference.js';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm' })).toBe('wasm');
});

function tabular(examples: number, numFeatures: number, numClasses: number, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const features = Float32Array.from({ length: examples * numFeatures }, () => 2 * gaussian(rng));
  const labels = Int32Array.from({ length: examples }, () => rng.uniformInt(numClasses));
  return dataset(features, labels, numFeatures, numClasses);
}

const cases = [
  { name: 'mlp:16,8:tanh', data: tabular(24, 9, 4, 2) },
  { name: 'cnn:tanh', data: bars(12, 3) },
] as const;

async function modelFor(spec: string, data: Dataset): Promise<TfModel> {
  return createModel(parseModelSpec(spec), { numFeatures: data.numFeatures, numClasses: data.numClasses, ...(data.exampleShape ? { exampleShape: data.exampleShape } : {}) }, { seed: 5 });
}

function engine(model: TfModel, data: Dataset, options: ClippingOptions): { sums: Float64Array[]; norms: number[]; method: string } {
  const n = data.numExamples;
  const before = tf.memory().numTensors;
  let out: { sums: Float64Array[]; norms: number[]; method: string } | undefined;
  tf.tidy(() => {
    const x = tf.tensor2d(data.features, [n, data.numFeatures]);
    const y = tf.cast(tf.oneHot(tf.tensor1d(data.labels, 'int32'), data.numClasses), 'float32') as tf.Tensor2D;
    const clipped = clippedGradientSum(model.architecture, model.trainableVariables, x, y, options, planClipping(model.architecture, options));
    out = { sums: clipped.sums.map((s) => Float64Array.from(s.dataSync())), norms: Array.from(clipped.norms.dataSync()), method: clipped.method };
  });
  expect(tf.memory().numTensors).toBe(before);
  return out as { sums: Float64Array[]; norms: number[]; method: string };
}

describe('tanh models: clipped sums and norms equal the naive per-example loop', () => {
  const variants: Array<[string, Omit<ClippingOptions, 'clippingNorm'>, string]> = [
    ['ghost', { method: 'ghost' }, 'ghost'],
    ['per-example', { method: 'per-example' }, 'per-example'],
    ['fallback (no ghost rule for dense)', { ghostLayerKinds: ['conv2d'] }, 'per-example'],
  ];
  for (const c of cases) {
    for (const [label, options, method] of variants) {
      it(`${c.name}, ${label}`, async () => {
        const model = await modelFor(c.name, c.data);
        try {
          const indices = Array.from({ length: c.data.numExamples }, (_, i) => i);
          const clippingNorm = median(naiveClippedSum(model, c.data, indices, Number.POSITIVE_INFINITY).norms);
          const reference = naiveClippedSum(model, c.data, indices, clippingNorm);
          expect(reference.norms.some((n) => n > clippingNorm) && reference.norms.some((n) => n < clippingNorm)).toBe(true);
          const plan = planClipping(model.architecture, { ...options, clippingNorm });
          expect(plan.method).toBe(method);
          if (label.startsWith('fallback')) expect(plan.warnings.join(' ')).toContain('dense_1 (dense)');
          const result = engine(model, c.data, { ...options, clippingNorm });
          expect(result.method).toBe(method);
          result.norms.forEach((norm, i) => expect(Math.abs(norm - (reference.norms[i] as number)) / (reference.norms[i] as number)).toBeLessThan(1e-4));
          result.sums.forEach((sum, k) => expect(relativeError(sum, reference.sums[k] as Float64Array)).toBeLessThan(1e-4));
        } finally {
          model.dispose();
        }
      });
    }
  }

  for (const convolutionNorms of ['gram', 'materialise'] as const) {
    it(`cnn:tanh with the conv norms by ${convolutionNorms}`, async () => {
      const c = cases[1];
      const model = await modelFor(c.name, c.data);
      try {
        const indices = Array.from({ length: c.data.numExamples }, (_, i) => i);
        const clippingNorm = median(naiveClippedSum(model, c.data, indices, Number.POSITIVE_INFINITY).norms);
        const reference = naiveClippedSum(model, c.data, indices, clippingNorm);
        const result = engine(model, c.data, { clippingNorm, convolutionNorms });
        result.sums.forEach((sum, k) => expect(relativeError(sum, reference.sums[k] as Float64Array)).toBeLessThan(1e-4));
      } finally {
        model.dispose();
      }
    });
  }

  it('tanh and relu give different per-example norms on the same weights (the activation is used)', async () => {
    const c = cases[0];
    const tanh = await modelFor(c.name, c.data);
    const relu = await modelFor('mlp:16,8', c.data);
    try {
      relu.setWeights(tanh.getWeights());
      const a = engine(tanh, c.data, { clippingNorm: 1e9 });
      const b = engine(relu, c.data, { clippingNorm: 1e9 });
      expect(relativeError(a.norms, b.norms)).toBeGreaterThan(1e-2);
    } finally {
      tanh.dispose();
      relu.dispose();
    }
  });
});
