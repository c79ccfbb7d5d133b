// Per-sample clipping by ghost norms must equal the naive per-example loop, and must bound each example's effect.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import type { Dataset } from '../../../src/data/dataset.js';
import { CohortError } from '../../../src/errors.js';
import { createModel, initBackend, type ModelSpec, type TfModel } from '../../../src/ml/index.js';
import { clippedGradientSum, linearOutputShapes, planClipping, type ClippingOptions } from '../../../src/ml/dp-sgd/index.js';
import { convolutionNormCosts } from '../../../src/ml/dp-sgd/layer-clippers.js';
import { bars, dataset, gaussian } from '../helpers.js';
import { median, naiveClippedSum, relativeError } from './reference.js';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm' })).toBe('wasm');
});

/** Gaussian features, labels from a random linear rule: a generic tabular task. */
function tabular(examples: number, numFeatures: number, numClasses: number, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const features = new Float32Array(examples * numFeatures);
  for (let i = 0; i < features.length; i++) features[i] = gaussian(rng);
  const labels = new Int32Array(examples);
  for (let i = 0; i < examples; i++) labels[i] = rng.uniformInt(numClasses);
  return dataset(features, labels, numFeatures, numClasses);
}

interface Case {
  readonly name: string;
  readonly spec: ModelSpec;
  readonly data: Dataset;
}

const cases: Case[] = [
  { name: 'logreg', spec: { kind: 'logreg' }, data: tabular(24, 7, 3, 1) },
  { name: 'MLP 9-16-8-4', spec: { kind: 'mlp', hidden: [16, 8] }, data: tabular(24, 9, 4, 2) },
  { name: 'CNN on 8×8 images', spec: { kind: 'cnn' }, data: bars(12, 3) },
];

async function modelFor(c: Case, seed = 5): Promise<TfModel> {
  return createModel(c.spec, { numFeatures: c.data.numFeatures, numClasses: c.data.numClasses, ...(c.data.exampleShape ? { exampleShape: c.data.exampleShape } : {}) }, { seed });
}

/** The engine's clipped sum on rows `indices`, as float64 arrays. */
function engineClippedSum(model: TfModel, data: Dataset, indices: readonly number[], options: ClippingOptions): { sums: Float64Array[]; norms: number[]; method: string } {
  const d = data.numFeatures;
  const features = new Float32Array(indices.length * d);
  indices.forEach((i, k) => features.set(data.features.subarray(i * d, (i + 1) * d), k * d));
  const before = tf.memory().numTensors;
  let result: { sums: Float64Array[]; norms: number[]; method: string } | undefined;
  tf.tidy(() => {
    const x = tf.tensor2d(features, [indices.length, d]);
    const y = tf.cast(tf.oneHot(tf.tensor1d(indices.map((i) => data.labels[i] as number), 'int32'), data.numClasses), 'float32') as tf.Tensor2D;
    const clipped = clippedGradientSum(model.architecture, model.trainableVariables, x, y, options);
    result = { sums: clipped.sums.map((s) => Float64Array.from(s.dataSync())), norms: Array.from(clipped.norms.dataSync()), method: clipped.method };
  });
  expect(tf.memory().numTensors).toBe(before); // no tensor leaks
  return result as { sums: Float64Array[]; norms: number[]; method: string };
}

const all = (data: Dataset): number[] => Array.from({ length: data.numExamples }, (_, i) => i);

describe('clipped gradient sums agree with the naive per-example loop (1e-4 relative)', () => {
  for (const c of cases) {
    for (const method of ['ghost', 'per-example'] as const) {
      it(`${c.name}, ${method}`, async () => {
        const model = await modelFor(c);
        try {
          const indices = all(c.data);
          const unclipped = naiveClippedSum(model, c.data, indices, Number.POSITIVE_INFINITY);
          // C at the median norm: about half the examples are clipped, half are not.
          const clippingNorm = median(unclipped.norms);
          const reference = naiveClippedSum(model, c.data, indices, clippingNorm);
          expect(reference.norms.filter((n) => n > clippingNorm).length).toBeGreaterThan(0);
          expect(reference.norms.filter((n) => n < clippingNorm).length).toBeGreaterThan(0);
          const engine = engineClippedSum(model, c.data, indices, { clippingNorm, method });
          expect(engine.method).toBe(method);
          engine.norms.forEach((norm, i) => expect(Math.abs(norm - (reference.norms[i] as number)) / (reference.norms[i] as number)).toBeLessThan(1e-4));
          engine.sums.forEach((sum, k) => expect(relativeError(sum, reference.sums[k] as Float64Array)).toBeLessThan(1e-4));
        } finally {
          model.dispose();
        }
      });
    }
  }

  for (const convolutionNorms of ['gram', 'materialise'] as const) {
    it(`CNN with every conv layer's norms by ${convolutionNorms}`, async () => {
      const c = cases[2] as Case;
      const model = await modelFor(c, 9);
      try {
        const indices = all(c.data);
        const clippingNorm = median(naiveClippedSum(model, c.data, indices, Number.POSITIVE_INFINITY).norms);
        const reference = naiveClippedSum(model, c.data, indices, clippingNorm);
        const engine = engineClippedSum(model, c.data, indices, { clippingNorm, convolutionNorms });
        engine.sums.forEach((sum, k) => expect(relativeError(sum, reference.sums[k] as Float64Array)).toBeLessThan(1e-4));
      } finally {
        model.dispose();
      }
    });
  }

  it('a batch of one example, and repeated examples', async () => {
    const c = cases[1] as Case;
    const model = await modelFor(c);
    try {
      for (const indices of [[3], [5, 5, 5, 2]]) {
        const reference = naiveClippedSum(model, c.data, indices, 0.5);
        const engine = engineClippedSum(model, c.data, indices, { clippingNorm: 0.5 });
        engine.sums.forEach((sum, k) => expect(relativeError(sum, reference.sums[k] as Float64Array)).toBeLessThan(1e-4));
      }
    } finally {
      model.dispose();
    }
  });
});

describe('auto choice of the conv norm method', () => {
  it('materialises where P·k²C·F is smaller and uses Gram matrices where P²(k²C + F) is', () => {
    // 8×8 input: conv1 P = 64, k²C = 9, F = 32; conv2 after pooling P = 16, k²C = 288, F = 64.
    const first = convolutionNormCosts(64, 9, 32);
    const second = convolutionNormCosts(16, 288, 64);
    expect(first.materialise).toBeLessThan(first.gram);
    expect(second.gram).toBeLessThan(second.materialise);
    // 28×28 Fashion-MNIST: both layers materialise.
    expect(convolutionNormCosts(784, 9, 32).materialise).toBeLessThan(convolutionNormCosts(784, 9, 32).gram);
    expect(convolutionNormCosts(196, 288, 64).materialise).toBeLessThan(convolutionNormCosts(196, 288, 64).gram);
  });

  it('predicts the output shapes forwardLogits produces', async () => {
    const model = await modelFor(cases[2] as Case);
    try {
      expect(linearOutputShapes(model.architecture, 5)).toEqual([
        [5, 8, 8, 32],
        [5, 4, 4, 64],
        [5, 128],
        [5, 2],
      ]);
    } finally {
      model.dispose();
    }
  });
});

describe('clipping bounds each example’s contribution', () => {
  it('an outlier changes the clipped sum by at most C; without clipping by far more', async () => {
    const base = tabular(20, 6, 2, 11);
    const outlier = 0;
    const features = base.features.slice();
    for (let j = 0; j < 6; j++) features[outlier * 6 + j] = 1000 * (j % 2 === 0 ? 1 : -1);
    const data: Dataset = { ...base, features };
    const model = await createModel({ kind: 'mlp', hidden: [8] }, { numFeatures: 6, numClasses: 2 }, { seed: 3 });
    try {
      const withOutlier = all(data);
      const without = withOutlier.filter((i) => i !== outlier);
      const difference = (clippingNorm: number): number => {
        const a = engineClippedSum(model, data, withOutlier, { clippingNorm });
        const b = engineClippedSum(model, data, without, { clippingNorm });
        let squared = 0;
        a.sums.forEach((sum, k) => sum.forEach((value, j) => (squared += (value - ((b.sums[k] as Float64Array)[j] as number)) ** 2)));
        return Math.sqrt(squared);
      };
      const clippingNorm = 0.25;
      expect(difference(clippingNorm)).toBeLessThanOrEqual(clippingNorm * (1 + 1e-5));
      expect(difference(clippingNorm)).toBeGreaterThan(0.99 * clippingNorm); // the outlier is clipped to exactly C
      expect(difference(1e9)).toBeGreaterThan(100 * clippingNorm);
    } finally {
      model.dispose();
    }
  });

  it('every clipped per-example gradient has norm ≤ C', async () => {
    const c = cases[1] as Case;
    const model = await modelFor(c);
    try {
      const clippingNorm = 0.3;
      for (const i of all(c.data)) {
        const single = engineClippedSum(model, c.data, [i], { clippingNorm });
        const norm = Math.sqrt(single.sums.reduce((s, sum) => s + sum.reduce((t, v) => t + v * v, 0), 0));
        expect(norm).toBeLessThanOrEqual(clippingNorm * (1 + 1e-5));
        expect(norm).toBeCloseTo(Math.min(clippingNorm, single.norms[0] as number), 5);
      }
    } finally {
      model.dispose();
    }
  });
});

describe('fallback for layers without a ghost rule', () => {
  it('uses the exact per-example loop with a warning naming the layers, and still agrees', async () => {
    const c = cases[2] as Case;
    const model = await modelFor(c);
    try {
      const options: ClippingOptions = { clippingNorm: 0.1, ghostLayerKinds: ['dense'] };
      const plan = planClipping(model.architecture, options);
      expect(plan.method).toBe('per-example');
      expect(plan.warnings).toHaveLength(1);
      expect(plan.warnings[0]).toContain('conv2d_1 (conv2d), conv2d_2 (conv2d)');
      const indices = [0, 1, 2, 3];
      const engine = engineClippedSum(model, c.data, indices, options);
      expect(engine.method).toBe('per-example');
      const reference = naiveClippedSum(model, c.data, indices, 0.1);
      engine.sums.forEach((sum, k) => expect(relativeError(sum, reference.sums[k] as Float64Array)).toBeLessThan(1e-4));
    } finally {
      model.dispose();
    }
  });

  it('throws UNSUPPORTED naming the layer when the fallback is off', async () => {
    const model = await modelFor(cases[2] as Case);
    try {
      expect(() => planClipping(model.architecture, { clippingNorm: 1, ghostLayerKinds: ['dense'], onUnsupportedLayer: 'error' })).toThrow(
        expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringContaining('conv2d_1') }) as CohortError,
      );
      expect(planClipping(model.architecture, { clippingNorm: 1 })).toEqual({ method: 'ghost', warnings: [] });
    } finally {
      model.dispose();
    }
  });

  it('rejects a clipping norm ≤ 0 naming it', async () => {
    const model = await modelFor(cases[0] as Case);
    try {
      for (const clippingNorm of [0, -1, Number.NaN]) {
        expect(() => planClipping(model.architecture, { clippingNorm })).toThrow(/clippingNorm must be a finite number > 0/);
      }
    } finally {
      model.dispose();
    }
  });
});
