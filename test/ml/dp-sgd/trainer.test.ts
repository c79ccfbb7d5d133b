// DpSgdTrainer: the update is (Σ clipped + N(0, σ²C²)) / (q·n); Poisson or fixed batches; plain privacy events.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import type { Dataset } from '../../../src/data/dataset.js';
import { createModel, initBackend, type TfModel } from '../../../src/ml/index.js';
import { DpSgdTrainer, runDpSgdSteps, type DpSgdOptions } from '../../../src/ml/dp-sgd/index.js';
import { bars, dataset, gaussian } from '../helpers.js';
import { naiveClippedSum, relativeError } from './reference.js';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm' })).toBe('wasm');
});

// Statistical checks: false-alarm rate 1e-4 each (z at 3.89; chi-square bounds from the
// Wilson–Hilferty approximation of its quantiles, Wilson & Hilferty 1931).
const Z = 3.89;
const chiSquareQuantile = (df: number, z: number): number => df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;

function randomData(examples: number, numFeatures: number, numClasses: number, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const features = new Float32Array(examples * numFeatures);
  for (let i = 0; i < features.length; i++) features[i] = gaussian(rng);
  const labels = Int32Array.from({ length: examples }, () => rng.uniformInt(numClasses));
  return dataset(features, labels, numFeatures, numClasses);
}

const sgd = (learningRate: number) => ({ kind: 'sgd', learningRate }) as const;

async function trainer(model: TfModel, data: Dataset, options: Partial<DpSgdOptions>): Promise<DpSgdTrainer> {
  return DpSgdTrainer.create(model, data, {
    noiseMultiplier: 1,
    clippingNorm: 1,
    sampleRate: 0.1,
    optimizer: sgd(1),
    rng: new SeededRandom(77),
    ...options,
  });
}

const difference = (after: Float32Array, before: Float32Array): Float64Array => Float64Array.from(after, (v, i) => v - (before[i] as number));

describe('the noisy update', () => {
  it('an empty batch moves the weights by noise of standard deviation σ·C/(q·n) only', async () => {
    const data = randomData(100, 199, 10, 1); // logreg: 2,000 parameters
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 199, numClasses: 10 }, { seed: 1 });
    // q·n = 0.01: almost every batch is empty; σ = 1.5, C = 2 → σC/(qn) = 300.
    const dp = await trainer(model, data, { noiseMultiplier: 1.5, clippingNorm: 2, sampleRate: 1e-4 });
    try {
      let before = model.getWeights();
      let step = await dp.step();
      while (step.batchSize > 0) {
        before = model.getWeights();
        step = await dp.step();
      }
      const delta = difference(model.getWeights(), before); // = −η·noise with η = 1
      const n = delta.length;
      const mean = delta.reduce((a, b) => a + b, 0) / n;
      const variance = delta.reduce((a, b) => a + b * b, 0) / n; // known mean 0
      const sd = 300;
      expect(Math.abs(mean) / (sd / Math.sqrt(n))).toBeLessThan(Z);
      const statistic = (n * variance) / sd ** 2; // ~ χ²(n)
      expect(statistic).toBeGreaterThan(chiSquareQuantile(n, -Z));
      expect(statistic).toBeLessThan(chiSquareQuantile(n, Z));
      // The same test rejects a 10 % error in the scale (e.g. dividing by the realised batch size).
      expect((n * variance) / (1.1 * sd) ** 2).toBeLessThan(chiSquareQuantile(n, -Z));
    } finally {
      await dp.close();
      model.dispose();
    }
  });

  it('without noise and with q = 1 the step is −η·Σ clip(∇ℓ_i)/n (the naive loop’s sum)', async () => {
    const data = randomData(30, 8, 3, 2);
    const model = await createModel({ kind: 'mlp', hidden: [6] }, { numFeatures: 8, numClasses: 3 }, { seed: 2 });
    const dp = await trainer(model, data, { noiseMultiplier: 0, clippingNorm: 0.4, sampleRate: 1, optimizer: sgd(0.5) });
    try {
      const reference = naiveClippedSum(model, data, Array.from({ length: 30 }, (_, i) => i), 0.4);
      const before = model.getWeights();
      expect((await dp.step()).batchSize).toBe(30);
      const delta = difference(model.getWeights(), before);
      const expected = new Float64Array(delta.length);
      let offset = 0;
      for (const sum of reference.sums) {
        sum.forEach((v, j) => (expected[offset + j] = (-0.5 * v) / 30));
        offset += sum.length;
      }
      expect(relativeError(delta, expected)).toBeLessThan(1e-4);
    } finally {
      await dp.close();
      model.dispose();
    }
  });

  it('divides by the expected batch size q·n, not the realised one', async () => {
    // Identical examples: each clipped gradient is the same g, so a batch of b moves w by −η·b·g/(q·n).
    const row = [0.3, -1.2, 0.8, 2.0];
    const n = 40;
    const data = dataset(Float32Array.from({ length: n * 4 }, (_, i) => row[i % 4] as number), new Int32Array(n).fill(1), 4, 2);
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 4, numClasses: 2 }, { seed: 3 });
    const single = naiveClippedSum(model, data, [0], 0.05).sums.flatMap((s) => Array.from(s));
    const dp = await trainer(model, data, { noiseMultiplier: 0, clippingNorm: 0.05, sampleRate: 0.25, optimizer: sgd(1) });
    try {
      const sizes = new Set<number>();
      for (let t = 0; t < 6; t++) {
        const before = model.getWeights();
        const { batchSize } = await dp.step();
        sizes.add(batchSize);
        const delta = difference(model.getWeights(), before);
        const expected = single.map((g) => (-batchSize * g) / (0.25 * n));
        if (batchSize === 0) expect(delta.every((v) => v === 0)).toBe(true);
        else expect(relativeError(delta, expected)).toBeLessThan(1e-4);
        // g at the new weights, for the next step.
        single.splice(0, single.length, ...naiveClippedSum(model, data, [0], 0.05).sums.flatMap((s) => Array.from(s)));
      }
      expect(sizes.size).toBeGreaterThan(1); // the batch size really varied
    } finally {
      await dp.close();
      model.dispose();
    }
  });
});

describe('batches and events', () => {
  it('Poisson: steps per epoch round(1/q); events count steps; diagnostics report the clipped fraction', async () => {
    const data = randomData(200, 5, 2, 4);
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 5, numClasses: 2 }, { seed: 4 });
    const dp = await trainer(model, data, { sampleRate: 0.03, clippingNorm: 1e-3, diagnostics: true });
    try {
      expect(dp.stepsPerEpoch).toBe(33);
      expect(dp.expectedBatchSize).toBeCloseTo(6, 12);
      expect(dp.plan).toEqual({ method: 'ghost', warnings: [] });
      for (let t = 0; t < 5; t++) {
        const step = await dp.step();
        if (step.batchSize > 0) expect(step.clippedFraction).toBe(1); // C tiny: every gradient is clipped
      }
      expect(dp.privacyEvent).toEqual({ kind: 'poisson-gaussian', noiseMultiplier: 1, sampleRate: 0.03, steps: 5 });
    } finally {
      await dp.close();
      model.dispose();
    }
  });

  it('shuffle: fixed batches of round(q·n), ⌊n/B⌋ steps per epoch, each epoch a permutation', async () => {
    const data = randomData(50, 3, 2, 5);
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 3, numClasses: 2 }, { seed: 5 });
    const dp = await trainer(model, data, { sampling: 'shuffle', sampleRate: 0.2 });
    try {
      expect(dp.expectedBatchSize).toBe(10);
      expect(dp.stepsPerEpoch).toBe(5);
      for (let t = 0; t < 7; t++) expect((await dp.step()).batchSize).toBe(10);
    } finally {
      await dp.close();
      model.dispose();
    }
  });

  it('runDpSgdSteps runs exactly the steps asked and returns their event', async () => {
    const data = randomData(60, 3, 2, 8);
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 3, numClasses: 2 }, { seed: 8 });
    try {
      const tensors = tf.memory().numTensors;
      const run = await runDpSgdSteps(model, data, { noiseMultiplier: 2, clippingNorm: 1, sampleRate: 0.2, optimizer: sgd(0.1), steps: 7, backgroundNoise: false });
      expect(run).toEqual({ event: { kind: 'poisson-gaussian', noiseMultiplier: 2, sampleRate: 0.2, steps: 7 }, warnings: [] });
      expect(tf.memory().numTensors).toBe(tensors);
      await expect(runDpSgdSteps(model, data, { noiseMultiplier: 2, clippingNorm: 1, sampleRate: 0.2, optimizer: sgd(0.1), steps: 0 })).rejects.toThrow(/steps must be an integer ≥ 1 \(got 0\)/);
    } finally {
      model.dispose();
    }
  });

  it('CNN steps run (ghost norms for both conv layers) and leave no tensors behind', async () => {
    const data = bars(40, 6);
    const model = await createModel({ kind: 'cnn' }, { numFeatures: 64, numClasses: 2, exampleShape: [8, 8, 1] }, { seed: 6 });
    const tensors = tf.memory().numTensors;
    const dp = await trainer(model, data, { sampleRate: 0.2, optimizer: { kind: 'adam', learningRate: 1e-3 } });
    const before = model.getWeights();
    for (let t = 0; t < 3; t++) await dp.step();
    await dp.close();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(relativeError(model.getWeights(), before)).toBeGreaterThan(0);
    model.dispose();
  });
});

describe('validation', () => {
  it('names the argument and value', async () => {
    const data = randomData(20, 3, 2, 6);
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 3, numClasses: 2 }, { seed: 6 });
    try {
      await expect(trainer(model, data, { clippingNorm: 0 })).rejects.toThrow('clippingNorm must be a finite number > 0 (got 0)');
      await expect(trainer(model, data, { sampleRate: 1.5 })).rejects.toThrow('sampleRate must be in (0, 1] (got 1.5)');
      await expect(trainer(model, data, { noiseMultiplier: -1 })).rejects.toThrow('noiseMultiplier must be a finite number ≥ 0 (got -1)');
      await expect(trainer(model, data, { sampling: 'fixed' as 'shuffle' })).rejects.toThrow(/sampling must be "poisson" or "shuffle"/);
    } finally {
      model.dispose();
    }
  });

  it('refuses a seeded generator outside a test run', async () => {
    const data = randomData(20, 3, 2, 7);
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 3, numClasses: 2 }, { seed: 7 });
    const saved = { vitest: process.env['VITEST'], nodeEnv: process.env['NODE_ENV'] };
    delete process.env['VITEST'];
    delete process.env['NODE_ENV'];
    try {
      await expect(trainer(model, data, {})).rejects.toMatchObject({ code: 'INSECURE_RANDOMNESS' });
    } finally {
      if (saved.vitest !== undefined) process.env['VITEST'] = saved.vitest;
      if (saved.nodeEnv !== undefined) process.env['NODE_ENV'] = saved.nodeEnv;
      model.dispose();
    }
  });
});
