// The hidden-layer activation option (relu | tanh): parsing, the layer plan, the forward pass and its gradient.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CohortError } from '../../src/errors.js';
import { SeededRandom } from '../../src/crypto/random.js';
import { buildArchitecture, createModel, forwardLogits, formatModelSpec, initBackend, parseModelSpec, type ModelSpec } from '../../src/ml/index.js';
import { dataset, gaussian, matmul } from './helpers.js';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm' })).toBe('wasm');
});

describe('parseModelSpec with an activation', () => {
  it('parses :tanh for mlp and cnn, and leaves the default relu out', () => {
    expect(parseModelSpec('mlp:256,128:tanh')).toEqual({ kind: 'mlp', hidden: [256, 128], activation: 'tanh' });
    expect(parseModelSpec('cnn:tanh')).toEqual({ kind: 'cnn', activation: 'tanh' });
    expect(parseModelSpec(' MLP:64:TANH ')).toEqual({ kind: 'mlp', hidden: [64], activation: 'tanh' });
    expect(parseModelSpec('mlp:64:relu')).toEqual({ kind: 'mlp', hidden: [64] });
    expect(parseModelSpec('cnn:relu')).toEqual({ kind: 'cnn' });
  });

  it('formats canonically and round-trips', () => {
    const specs: ModelSpec[] = [
      { kind: 'logreg' },
      { kind: 'mlp', hidden: [8, 4] },
      { kind: 'mlp', hidden: [8, 4], activation: 'tanh' },
      { kind: 'cnn' },
      { kind: 'cnn', activation: 'tanh' },
    ];
    expect(specs.map(formatModelSpec)).toEqual(['logreg', 'mlp:8,4', 'mlp:8,4:tanh', 'cnn', 'cnn:tanh']);
    for (const spec of specs) expect(parseModelSpec(formatModelSpec(spec))).toEqual(spec);
    expect(formatModelSpec({ kind: 'mlp', hidden: [3], activation: 'relu' })).toBe('mlp:3');
  });

  for (const [bad, why] of [
    ['mlp:8:sigmoid', 'activation "sigmoid"'],
    ['cnn:gelu', 'activation "gelu"'],
    ['logreg:tanh', 'logreg takes no options'],
    ['cnn:tanh:relu', 'at most one option'],
    ['mlp:8:tanh:relu', 'at most an activation'],
    ['mlp:tanh', 'hidden size "tanh"'],
    ['mlp:8:', 'activation ""'],
  ] as const) {
    it(`rejects ${JSON.stringify(bad)} naming --model, the value and why`, () => {
      let error: unknown;
      try {
        parseModelSpec(bad);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(CohortError);
      expect((error as CohortError).code).toBe('INVALID_ARGUMENT');
      expect((error as CohortError).subject).toBe('--model');
      expect((error as Error).message).toContain(`--model ${JSON.stringify(bad)}`);
      expect((error as Error).message).toContain(why);
    });
  }

  it('buildArchitecture refuses an activation it does not know', () => {
    expect(() => buildArchitecture({ kind: 'mlp', hidden: [4], activation: 'gelu' as 'tanh' }, { numFeatures: 3, numClasses: 2 })).toThrow(/spec\.activation/);
  });
});

describe('the layer plan', () => {
  it('tanh on every hidden dense and conv layer, linear logits', () => {
    const mlp = buildArchitecture(parseModelSpec('mlp:16,8:tanh'), { numFeatures: 5, numClasses: 3 });
    expect(mlp.layers.map((l) => (l.kind === 'dense' ? l.activation : l.kind))).toEqual(['tanh', 'tanh', 'linear']);
    const cnn = buildArchitecture(parseModelSpec('cnn:tanh'), { numFeatures: 64, numClasses: 2, exampleShape: [8, 8, 1] });
    const activations = cnn.layers.flatMap((l) => (l.kind === 'dense' || l.kind === 'conv2d' ? [`${l.kind}:${l.activation}`] : []));
    expect(activations).toEqual(['conv2d:tanh', 'conv2d:tanh', 'dense:tanh', 'dense:linear']);
    // The activation changes no parameter.
    expect(cnn.numParameters).toBe(buildArchitecture({ kind: 'cnn' }, { numFeatures: 64, numClasses: 2, exampleShape: [8, 8, 1] }).numParameters);
  });
});

/** Logits of an MLP with tanh hidden layers, in float64, from the flat weights. */
function referenceLogits(weights: Float32Array, x: Float32Array, batch: number, sizes: readonly number[]): Float64Array {
  let h: Float64Array = Float64Array.from(x);
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l] as number;
    const units = sizes[l + 1] as number;
    const kernel = weights.subarray(offset, offset + inputs * units);
    offset += inputs * units;
    const bias = weights.subarray(offset, offset + units);
    offset += units;
    const z = matmul(h, kernel, batch, inputs, units);
    for (let i = 0; i < batch; i++) {
      for (let j = 0; j < units; j++) {
        const value = (z[i * units + j] as number) + (bias[j] as number);
        z[i * units + j] = l + 2 < sizes.length ? Math.tanh(value) : value;
      }
    }
    h = z;
  }
  return h;
}

describe('forward pass and gradient of a tanh MLP', () => {
  const rng = new SeededRandom(11);
  const batch = 6;
  const sizes = [5, 7, 4, 3];
  const x = Float32Array.from({ length: batch * 5 }, () => 2 * gaussian(rng));
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 3);

  it('training and inference paths equal a float64 reference', async () => {
    const model = await createModel(parseModelSpec('mlp:7,4:tanh'), { numFeatures: 5, numClasses: 3 }, { seed: 2 });
    try {
      const weights = Float32Array.from({ length: model.numParameters }, () => gaussian(rng));
      model.setWeights(weights);
      const expected = referenceLogits(weights, x, batch, sizes);
      for (const training of [true, false]) {
        const logits = tf.tidy(() => forwardLogits(model.architecture, model.trainableVariables, tf.tensor2d(x, [batch, 5]), training).dataSync());
        logits.forEach((value, i) => expect(Math.abs(value - (expected[i] as number))).toBeLessThan(1e-4));
      }
      // With weights this large some units saturate: tanh, not relu (which would be unbounded).
      const relu = await createModel(parseModelSpec('mlp:7,4'), { numFeatures: 5, numClasses: 3 }, { seed: 2 });
      relu.setWeights(weights);
      const probabilities = await relu.predict(dataset(x, labels, 5, 3));
      expect(Array.from(probabilities)).not.toEqual(Array.from(await model.predict(dataset(x, labels, 5, 3))));
      relu.dispose();
    } finally {
      model.dispose();
    }
  });

  it('the gradient equals central finite differences of the float64 reference loss', async () => {
    const model = await createModel(parseModelSpec('mlp:7,4:tanh'), { numFeatures: 5, numClasses: 3 }, { seed: 4 });
    try {
      const weights = model.getWeights();
      const loss = (w: Float32Array): number => {
        const logits = referenceLogits(w, x, batch, sizes);
        let sum = 0;
        for (let i = 0; i < batch; i++) {
          const row = Array.from(logits.subarray(i * 3, i * 3 + 3));
          const max = Math.max(...row);
          const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
          sum += logSum - (row[labels[i] as number] as number);
        }
        return sum;
      };
      let gradient = new Float64Array(0);
      tf.tidy(() => {
        const y = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 'float32') as tf.Tensor2D;
        const grads = tf.grads((...params: tf.Tensor[]) => {
          const logits = forwardLogits(model.architecture, params, tf.tensor2d(x, [batch, 5]), true);
          return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits))));
        })([...model.trainableVariables]);
        gradient = Float64Array.from(grads.flatMap((g) => Array.from(g.dataSync())));
      });
      const h = 1e-3;
      for (const index of [0, 13, 35, 36, 40, 62, model.numParameters - 1]) {
        const plus = Float32Array.from(weights);
        const minus = Float32Array.from(weights);
        plus[index] = (plus[index] as number) + h;
        minus[index] = (minus[index] as number) - h;
        const numeric = (loss(plus) - loss(minus)) / (2 * h);
        expect(Math.abs((gradient[index] as number) - numeric)).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
      }
    } finally {
      model.dispose();
    }
  });
});
