// Local training: learning, optimizers, seeded reproducibility, FedProx, memory.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { subset } from '../../src/data/dataset.js';
import { CohortError } from '../../src/errors.js';
import { createModel, initBackend, type OptimizerSpec, type TrainOptions } from '../../src/ml/index.js';
import { bars, blobs, xor } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const sgd: OptimizerSpec = { kind: 'sgd', learningRate: 0.1, momentum: 0.9 };
const adam: OptimizerSpec = { kind: 'adam', learningRate: 0.01 };

describe('learning', () => {
  it('logistic regression separates two Gaussian blobs (held-out accuracy ≥ 95 %, AUC ≥ 0.98)', async () => {
    // Means 4σ apart along one axis: the Bayes accuracy is Φ(2) ≈ 97.7 %.
    const data = blobs(800, 10, 4, 1);
    const train = subset(data, range(0, 600));
    const test = subset(data, range(600, 800));
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 10, numClasses: 2 }, { seed: 1 });
    await model.train(train, { epochs: 10, batchSize: 32, seed: 1, optimizer: sgd });
    const metrics = await model.evaluate(test);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(metrics.auc).toBeGreaterThanOrEqual(0.98);
    model.dispose();
  });

  it('an MLP learns XOR (≥ 90 %), which logistic regression cannot (≤ 70 %)', async () => {
    const data = xor(700, 2);
    const train = subset(data, range(0, 500));
    const test = subset(data, range(500, 700));
    const options: TrainOptions = { epochs: 20, batchSize: 32, seed: 2, optimizer: adam };
    const mlp = await createModel({ kind: 'mlp', hidden: [16, 16] }, { numFeatures: 2, numClasses: 2 }, { seed: 2 });
    await mlp.train(train, options);
    expect((await mlp.evaluate(test)).accuracy).toBeGreaterThanOrEqual(0.9);
    const logreg = await createModel({ kind: 'logreg' }, { numFeatures: 2, numClasses: 2 }, { seed: 2 });
    await logreg.train(train, options);
    expect((await logreg.evaluate(test)).accuracy).toBeLessThanOrEqual(0.7);
    mlp.dispose();
    logreg.dispose();
  });

  it('the CNN tells horizontal from vertical bars (≥ 90 % held out)', async () => {
    const data = bars(160, 3);
    const train = subset(data, range(0, 120));
    const test = subset(data, range(120, 160));
    const model = await createModel({ kind: 'cnn' }, { numFeatures: 64, numClasses: 2, exampleShape: [8, 8, 1] }, { seed: 3 });
    await model.train(train, { epochs: 6, batchSize: 16, seed: 3, optimizer: adam });
    expect((await model.evaluate(test)).accuracy).toBeGreaterThanOrEqual(0.9);
    model.dispose();
  });

  for (const optimizer of [sgd, { kind: 'sgd', learningRate: 0.05 } as OptimizerSpec, adam]) {
    it(`${optimizer.kind}${'momentum' in optimizer ? ' with momentum' : ''} decreases the loss`, async () => {
      const data = blobs(256, 8, 2, 4);
      const model = await createModel({ kind: 'mlp', hidden: [8] }, { numFeatures: 8, numClasses: 2 }, { seed: 4 });
      const before = (await model.evaluate(data)).loss;
      const result = await model.train(data, { epochs: 5, batchSize: 32, seed: 4, optimizer });
      const after = (await model.evaluate(data)).loss;
      expect(after).toBeLessThan(0.8 * before);
      expect(result.loss).toBeGreaterThan(0);
      expect(Number.isFinite(result.loss)).toBe(true);
      model.dispose();
    });
  }

  it('reports examples, steps (with a partial last batch) and the last epoch’s mean loss', async () => {
    const data = blobs(100, 4, 4, 5);
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 4, numClasses: 2 }, { seed: 5 });
    const result = await model.train(data, { epochs: 3, batchSize: 32, seed: 5, optimizer: sgd });
    expect(result.examples).toBe(100);
    expect(result.steps).toBe(3 * 4); // ⌈100/32⌉ = 4 per epoch
    // Mean over the epoch of pre-update batch losses: close to, and not far above, the loss after.
    const after = (await model.evaluate(data)).loss;
    expect(result.loss).toBeGreaterThan(after * 0.5);
    expect(result.loss).toBeLessThan(after * 3 + 0.05);
    model.dispose();
  });
});

describe('reproducibility', () => {
  it('the same seeds give bit-identical weights; another shuffle seed gives different ones', async () => {
    const data = blobs(200, 6, 2, 6);
    const spec = { kind: 'mlp', hidden: [8] } as const;
    const shape = { numFeatures: 6, numClasses: 2 };
    const run = async (shuffleSeed: number): Promise<Float32Array> => {
      const model = await createModel(spec, shape, { seed: 6 });
      await model.train(data, { epochs: 2, batchSize: 16, seed: shuffleSeed, optimizer: sgd });
      const weights = model.getWeights();
      model.dispose();
      return weights;
    };
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe('FedProx proximal term', () => {
  const data = blobs(200, 6, 2, 7);
  const spec = { kind: 'mlp', hidden: [8] } as const;
  const shape = { numFeatures: 6, numClasses: 2 };
  const base: TrainOptions = { epochs: 3, batchSize: 16, seed: 7, optimizer: { kind: 'sgd', learningRate: 0.1 } };

  async function trainFrom(anchor: Float32Array, options: TrainOptions): Promise<Float32Array> {
    const model = await createModel(spec, shape, { seed: 0 });
    model.setWeights(anchor);
    await model.train(data, options);
    const weights = model.getWeights();
    model.dispose();
    return weights;
  }

  const distance = (a: Float32Array, b: Float32Array): number => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));

  it('μ = 0 gives exactly the weights of plain training', async () => {
    const anchor = (await createModel(spec, shape, { seed: 8 })).getWeights();
    const plain = await trainFrom(anchor, base);
    const proxZero = await trainFrom(anchor, { ...base, proximal: { mu: 0, anchor } });
    expect(proxZero).toEqual(plain);
  });

  it('μ > 0 keeps the weights closer to the anchor, more so as μ grows', async () => {
    const anchor = (await createModel(spec, shape, { seed: 8 })).getWeights();
    const plain = distance(await trainFrom(anchor, base), anchor);
    const mild = distance(await trainFrom(anchor, { ...base, proximal: { mu: 0.1, anchor } }), anchor);
    const strong = distance(await trainFrom(anchor, { ...base, proximal: { mu: 1, anchor } }), anchor);
    expect(mild).toBeLessThan(plain);
    expect(strong).toBeLessThan(mild);
  });

  it('the proximal gradient is μ(w − anchor): with zero data gradient one SGD step moves w by −η·μ(w − anchor)', async () => {
    // Single example already classified with (numerically) zero loss gradient: huge correct logit.
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 1, numClasses: 2 }, { seed: 0 });
    const start = Float32Array.from([-100, 100, 0, 0]);
    model.setWeights(start);
    const anchor = Float32Array.from([-99, 99, 1, -1]);
    const one = { name: 'one', features: Float32Array.from([1]), labels: Int32Array.from([1]), numExamples: 1, numFeatures: 1, numClasses: 2, classNames: ['a', 'b'], featureNames: ['x'] };
    await model.train(one, { epochs: 1, batchSize: 1, seed: 0, optimizer: { kind: 'sgd', learningRate: 0.5 }, proximal: { mu: 0.2, anchor } });
    const expected = start.map((w, i) => w - 0.5 * 0.2 * (w - anchor[i]!));
    const got = model.getWeights();
    got.forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 5));
    model.dispose();
  });
});

describe('memory', () => {
  for (const optimizer of [sgd, { kind: 'sgd', learningRate: 0.1 } as OptimizerSpec, adam]) {
    it(`train (${optimizer.kind}${'momentum' in optimizer ? '+momentum' : ''}, with FedProx) and evaluate leave the tensor count unchanged`, async () => {
      const data = bars(40, 9);
      const model = await createModel({ kind: 'cnn' }, { numFeatures: 64, numClasses: 2, exampleShape: [8, 8, 1] }, { seed: 9 });
      const anchor = model.getWeights();
      const before = tf.memory().numTensors;
      for (let round = 0; round < 3; round++) {
        await model.train(data, { epochs: 1, batchSize: 16, seed: round, optimizer, proximal: { mu: 0.01, anchor } });
        await model.evaluate(data);
      }
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  }
});

describe('input checks', () => {
  const data = blobs(20, 3, 2, 10);
  const cases: Array<[string, Partial<TrainOptions>, RegExp]> = [
    ['zero epochs', { epochs: 0 }, /epochs.*got 0/],
    ['fractional batch size', { batchSize: 1.5 }, /batchSize.*got 1\.5/],
    ['negative learning rate', { optimizer: { kind: 'sgd', learningRate: -1 } }, /learningRate.*got -1/],
    ['momentum 1', { optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 1 } }, /momentum.*got 1/],
    ['negative μ', { proximal: { mu: -1, anchor: new Float32Array(8) } }, /mu.*got -1/],
    ['short anchor', { proximal: { mu: 1, anchor: new Float32Array(3) } }, /anchor\.length.*got 3/],
  ];
  for (const [name, override, pattern] of cases) {
    it(`rejects ${name}`, async () => {
      const model = await createModel({ kind: 'logreg' }, { numFeatures: 3, numClasses: 2 }, { seed: 1 });
      await expect(model.train(data, { epochs: 1, batchSize: 4, seed: 1, optimizer: sgd, ...override })).rejects.toThrow(pattern);
      await expect(model.train(data, { epochs: 1, batchSize: 4, seed: 1, optimizer: sgd, ...override })).rejects.toBeInstanceOf(CohortError);
      model.dispose();
    });
  }

  it('rejects data with another number of features or out-of-range labels', async () => {
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 4, numClasses: 2 }, { seed: 1 });
    await expect(model.train(data, { epochs: 1, batchSize: 4, seed: 1, optimizer: sgd })).rejects.toThrow(/numFeatures.*4.*got 3/);
    const model3 = await createModel({ kind: 'logreg' }, { numFeatures: 3, numClasses: 2 }, { seed: 1 });
    const badLabels = { ...data, labels: Int32Array.from(data.labels, (l, i) => (i === 5 ? 2 : l)) };
    await expect(model3.evaluate(badLabels)).rejects.toThrow(/labels\[5\] = 2/);
    model.dispose();
    model3.dispose();
  });
});
