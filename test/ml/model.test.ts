// Flat weight layout, seeded initialisation, shapes and input checks of the models.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CohortError } from '../../src/errors.js';
import { buildArchitecture, createModel, initBackend, type ModelShape, type ModelSpec } from '../../src/ml/index.js';
import { dataset } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

async function expectCohortError(f: () => unknown, code: string, pattern: RegExp): Promise<void> {
  try {
    await f();
  } catch (error) {
    expect(error).toBeInstanceOf(CohortError);
    expect((error as CohortError).code).toBe(code);
    expect((error as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a CohortError');
}

describe('parameter counts (layer sizes, kernel then bias)', () => {
  const cases: Array<[string, ModelSpec, ModelShape, number]> = [
    ['logreg 30→2', { kind: 'logreg' }, { numFeatures: 30, numClasses: 2 }, 30 * 2 + 2],
    ['MLP 30-16-2', { kind: 'mlp', hidden: [16] }, { numFeatures: 30, numClasses: 2 }, 30 * 16 + 16 + 16 * 2 + 2],
    ['MLP 784-256-128-10', { kind: 'mlp', hidden: [256, 128] }, { numFeatures: 784, numClasses: 10 }, 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10],
    // 28×28 'same' convs, two 2×2 pools → 7×7×64 flattened
    ['CNN 28×28×1', { kind: 'cnn' }, { numFeatures: 784, numClasses: 10, exampleShape: [28, 28, 1] }, 9 * 32 + 32 + 9 * 32 * 64 + 64 + 7 * 7 * 64 * 128 + 128 + 128 * 10 + 10],
    // 8×8 → 4×4 → 2×2×64
    ['CNN 8×8', { kind: 'cnn' }, { numFeatures: 64, numClasses: 10, exampleShape: [8, 8] }, 9 * 32 + 32 + 9 * 32 * 64 + 64 + 2 * 2 * 64 * 128 + 128 + 128 * 10 + 10],
  ];
  for (const [name, spec, shape, expected] of cases) {
    it(`${name}: ${expected}`, () => {
      const architecture = buildArchitecture(spec, shape);
      expect(architecture.numParameters).toBe(expected);
      expect(architecture.parameters.reduce((s, p) => s + p.size, 0)).toBe(expected);
    });
  }
});

describe('flat weights', () => {
  it('layout: each kernel row-major [inputs × units] then its bias, layer by layer', async () => {
    // logreg with 3 features, 2 classes: [W00 W01 W10 W11 W20 W21 b0 b1], logits = x·W + b.
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 3, numClasses: 2 }, { seed: 1 });
    model.setWeights(Float32Array.from([1, 2, 3, 4, 5, 6, 0.5, -0.5]));
    const x = [1, -1, 2];
    const logits = [1 * 1 - 3 + 2 * 5 + 0.5, 2 - 4 + 2 * 6 - 0.5]; // [8.5, 9.5]
    const p1 = 1 / (1 + Math.exp(logits[0]! - logits[1]!));
    const probabilities = await model.predict(dataset(Float32Array.from(x), Int32Array.from([0]), 3, 2));
    expect(probabilities[1]).toBeCloseTo(p1, 6);
    expect(probabilities[0]).toBeCloseTo(1 - p1, 6);
    model.dispose();
  });

  it('MLP layout: first layer kernel, first bias, second kernel, second bias', async () => {
    // 2 → 2 (ReLU) → 2. With W1 = I, b1 = [0, -10], W2 = [[1,0],[0,1]], b2 = [0, 3]:
    // x = [4, 5] → h = relu([4, -5]) = [4, 0] → logits [4, 3].
    const model = await createModel({ kind: 'mlp', hidden: [2] }, { numFeatures: 2, numClasses: 2 }, { seed: 1 });
    model.setWeights(Float32Array.from([1, 0, 0, 1, 0, -10, 1, 0, 0, 1, 0, 3]));
    const probabilities = await model.predict(dataset(Float32Array.from([4, 5]), Int32Array.from([0]), 2, 2));
    expect(probabilities[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    model.dispose();
  });

  it('getWeights returns exactly what setWeights stored, as a copy', async () => {
    const model = await createModel({ kind: 'mlp', hidden: [16] }, { numFeatures: 30, numClasses: 2 }, { seed: 2 });
    const weights = Float32Array.from({ length: model.numParameters }, (_, i) => Math.fround(Math.sin(i) * 0.1));
    model.setWeights(weights);
    const read = model.getWeights();
    expect(read).toEqual(weights);
    read[0] = 42;
    expect(model.getWeights()[0]).toBe(weights[0]);
    model.dispose();
  });

  it('setWeights refuses a vector of the wrong length or type, naming the length', async () => {
    const model = await createModel({ kind: 'mlp', hidden: [16] }, { numFeatures: 30, numClasses: 2 }, { seed: 2 });
    await expectCohortError(() => model.setWeights(new Float32Array(529)), 'INVALID_ARGUMENT', /weights\.length.*530.*529/);
    await expectCohortError(() => model.setWeights(new Float64Array(530) as unknown as Float32Array), 'INVALID_ARGUMENT', /Float32Array/);
    model.dispose();
    await expectCohortError(() => model.getWeights(), 'INVALID_ARGUMENT', /disposed/);
  });
});

describe('seeded initialisation', () => {
  it('the same seed gives identical weights; another seed different ones', async () => {
    const spec: ModelSpec = { kind: 'mlp', hidden: [32, 16] };
    const shape = { numFeatures: 20, numClasses: 3 };
    const [a, b, c] = await Promise.all([createModel(spec, shape, { seed: 9 }), createModel(spec, shape, { seed: 9 }), createModel(spec, shape, { seed: 10 })]);
    expect(a.getWeights()).toEqual(b.getWeights());
    expect(a.getWeights()).not.toEqual(c.getWeights());
    for (const m of [a, b, c]) m.dispose();
  });

  it('kernels are Glorot-uniform within ±√(6/(fan_in+fan_out)) and spread over it; biases are zero', async () => {
    const model = await createModel({ kind: 'mlp', hidden: [64] }, { numFeatures: 100, numClasses: 10 }, { seed: 4 });
    const w = model.getWeights();
    const limit1 = Math.sqrt(6 / (100 + 64));
    const kernel1 = w.subarray(0, 6400);
    expect(Math.max(...kernel1)).toBeLessThanOrEqual(limit1);
    expect(Math.min(...kernel1)).toBeGreaterThanOrEqual(-limit1);
    // Uniform on [−l, l] has variance l²/3; with 6400 draws the sample variance is within 10 %.
    const variance = kernel1.reduce((s, v) => s + v * v, 0) / kernel1.length;
    expect(Math.abs(variance / (limit1 * limit1 / 3) - 1)).toBeLessThan(0.1);
    expect(Array.from(w.subarray(6400, 6464)).every((v) => v === 0)).toBe(true);
    model.dispose();
  });
});

describe('input checks', () => {
  it('the CNN without an image shape fails with a clear error', async () => {
    await expectCohortError(() => createModel({ kind: 'cnn' }, { numFeatures: 30, numClasses: 2 }, { seed: 1 }), 'INVALID_ARGUMENT', /--model cnn needs image data.*tabular/);
    await expectCohortError(
      () => createModel({ kind: 'cnn' }, { numFeatures: 9, numClasses: 2, exampleShape: [3, 3] }, { seed: 1 }),
      'INVALID_ARGUMENT',
      /at least 4×4.*3×3/,
    );
  });

  it('shapes and seeds are validated', async () => {
    await expectCohortError(() => createModel({ kind: 'logreg' }, { numFeatures: 0, numClasses: 2 }, { seed: 1 }), 'INVALID_ARGUMENT', /numFeatures/);
    await expectCohortError(() => createModel({ kind: 'logreg' }, { numFeatures: 3, numClasses: 1 }, { seed: 1 }), 'INVALID_ARGUMENT', /numClasses/);
    await expectCohortError(() => createModel({ kind: 'logreg' }, { numFeatures: 4, numClasses: 2, exampleShape: [3, 3] }, { seed: 1 }), 'INVALID_ARGUMENT', /exampleShape/);
    await expectCohortError(() => createModel({ kind: 'logreg' }, { numFeatures: 4, numClasses: 2 }, { seed: -1 }), 'INVALID_ARGUMENT', /seed/);
  });

  it('creating and disposing models leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const model = await createModel({ kind: 'cnn' }, { numFeatures: 64, numClasses: 3, exampleShape: [8, 8, 1] }, { seed: 1 });
    expect(tf.memory().numTensors).toBe(before + 8);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
