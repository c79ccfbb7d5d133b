// The fast wasm gradients must give the same gradients as the textbook formulas.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/crypto/random.js';
import {
  buildArchitecture,
  createModel,
  crossEntropyLoss,
  forwardLogits,
  initBackend,
  initialWeights,
  setFastGradients,
} from '../../src/ml/index.js';
import { addBias } from '../../src/ml/bias-add.js';
import { maxPool2x2 } from '../../src/ml/max-pool.js';
import { bars, matmul, maxAbsDifference, transpose, uniformArray } from './helpers.js';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm' })).toBe('wasm');
});

afterEach(async () => {
  setFastGradients(true);
  await initBackend({ backend: 'wasm' });
});

/** Kernel names run by `f` (to see which path a gradient took). */
async function kernelsRun(f: () => tf.Tensor[]): Promise<string[]> {
  const profile = await tf.profile(() => {
    const out = f();
    for (const t of out) t.dispose();
  });
  return profile.kernels.map((k) => k.name);
}

describe('BatchMatMul gradient', () => {
  const [m, k, n] = [7, 5, 6];
  const cases = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const;

  for (const [transposeA, transposeB] of cases) {
    for (const batch of [1, 3]) {
      it(`transposeA=${transposeA} transposeB=${transposeB}, batch ${batch}: equals dA = dy·op(B)ᵀ, dB = op(A)ᵀ·dy`, async () => {
        const rng = new SeededRandom(100 + batch + (transposeA ? 2 : 0) + (transposeB ? 4 : 0));
        const aValues = uniformArray(batch * m * k, rng);
        const bValues = uniformArray(batch * k * n, rng);
        const dyValues = uniformArray(batch * m * n, rng);
        const aShape = transposeA ? [k, m] : [m, k];
        const bShape = transposeB ? [n, k] : [k, n];
        const rank3 = (shape: number[]): number[] => (batch === 1 ? shape : [batch, ...shape]);
        const a = tf.tensor(aValues, rank3(aShape));
        const b = tf.tensor(bValues, rank3(bShape));
        const dy = tf.tensor(dyValues, rank3([m, n]));
        const gradients = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, transposeA, transposeB), dy)));

        // Reference, per batch element, in float64.
        const expectedA = new Float64Array(aValues.length);
        const expectedB = new Float64Array(bValues.length);
        for (let s = 0; s < batch; s++) {
          const aS = aValues.subarray(s * m * k, (s + 1) * m * k);
          const bS = bValues.subarray(s * k * n, (s + 1) * k * n);
          const dyS = dyValues.subarray(s * m * n, (s + 1) * m * n);
          const opA = transposeA ? transpose(aS, k, m) : aS; // [m×k]
          const opB = transposeB ? transpose(bS, n, k) : bS; // [k×n]
          const dOpA = matmul(dyS, transpose(opB, k, n), m, n, k); // [m×k]
          const dOpB = matmul(transpose(opA, m, k), dyS, k, m, n); // [k×n]
          expectedA.set(transposeA ? transpose(dOpA, m, k) : dOpA, s * m * k);
          expectedB.set(transposeB ? transpose(dOpB, k, n) : dOpB, s * k * n);
        }

        for (const fast of [true, false]) {
          setFastGradients(fast);
          const [gA, gB] = gradients([a, b]) as [tf.Tensor, tf.Tensor];
          expect(gA.shape).toEqual(a.shape);
          expect(gB.shape).toEqual(b.shape);
          expect(maxAbsDifference(gA.dataSync(), expectedA)).toBeLessThan(1e-5);
          expect(maxAbsDifference(gB.dataSync(), expectedB)).toBeLessThan(1e-5);
          tf.dispose([gA, gB]);
          // The fast path transposes explicitly; the stock path never runs a Transpose kernel.
          const kernels = await kernelsRun(() => gradients([a, b]));
          expect(kernels.includes('Transpose')).toBe(fast);
        }
        tf.dispose([a, b, dy]);
      });
    }
  }
});

/** Plain-JS stride-1 convolution gradients (NHWC input, [kh, kw, C, Co] filter). */
function convReference(
  x: Float32Array,
  [batch, height, width, channels]: number[],
  filter: Float32Array,
  [kh, kw, , outChannels]: number[],
  dy: Float32Array,
  pad: 'same' | 'valid',
): { dx: Float64Array; dFilter: Float64Array; outHeight: number; outWidth: number } {
  const ph = pad === 'same' ? (kh! - 1) / 2 : 0;
  const pw = pad === 'same' ? (kw! - 1) / 2 : 0;
  const outHeight = height! + 2 * ph - kh! + 1;
  const outWidth = width! + 2 * pw - kw! + 1;
  const dx = new Float64Array(x.length);
  const dFilter = new Float64Array(filter.length);
  const co = outChannels!;
  const c = channels!;
  for (let b = 0; b < batch!; b++)
    for (let h = 0; h < outHeight; h++)
      for (let w = 0; w < outWidth; w++)
        for (let i = 0; i < kh!; i++)
          for (let j = 0; j < kw!; j++) {
            const y = h + i - ph;
            const xx = w + j - pw;
            if (y < 0 || xx < 0 || y >= height! || xx >= width!) continue;
            for (let ch = 0; ch < c; ch++)
              for (let o = 0; o < co; o++) {
                const g = dy[((b * outHeight + h) * outWidth + w) * co + o]!;
                const xi = ((b * height! + y) * width! + xx) * c + ch;
                const fi = ((i * kw! + j) * c + ch) * co + o;
                dx[xi] = dx[xi]! + g * filter[fi]!;
                dFilter[fi] = dFilter[fi]! + g * x[xi]!;
              }
          }
  return { dx, dFilter, outHeight, outWidth };
}

describe('Conv2D gradient on wasm (which has no Conv2DBackpropFilter kernel)', () => {
  // Small patches (kh·kw·C ≤ 32) take the im2col path, larger ones the batch↔channel convolution.
  const cases: Array<{ pad: 'same' | 'valid'; kernel: [number, number]; channels: number }> = [
    { pad: 'same', kernel: [3, 3], channels: 3 },
    { pad: 'valid', kernel: [3, 3], channels: 1 },
    { pad: 'same', kernel: [3, 1], channels: 3 },
    { pad: 'valid', kernel: [2, 2], channels: 3 },
    { pad: 'same', kernel: [3, 3], channels: 4 },
    { pad: 'valid', kernel: [3, 3], channels: 5 },
    { pad: 'same', kernel: [5, 5], channels: 3 },
  ];
  for (const { pad, kernel, channels } of cases) {
    it(`pad '${pad}', kernel ${kernel.join('×')}, ${channels} channels: dx and dW equal the direct sums`, () => {
      const rng = new SeededRandom(7 + kernel[0] * 10 + kernel[1] + channels * 100);
      const xShape = [2, 6, 5, channels];
      const fShape = [kernel[0], kernel[1], channels, 4];
      const xValues = uniformArray(2 * 6 * 5 * channels, rng);
      const fValues = uniformArray(kernel[0] * kernel[1] * channels * 4, rng);
      const probe = convReference(xValues, xShape, fValues, fShape, new Float32Array(2 * 6 * 5 * 4), pad);
      const dyValues = uniformArray(2 * probe.outHeight * probe.outWidth * 4, rng);
      const expected = convReference(xValues, xShape, fValues, fShape, dyValues, pad);
      const x = tf.tensor4d(xValues, xShape as [number, number, number, number]);
      const filter = tf.tensor4d(fValues, fShape as [number, number, number, number]);
      const dy = tf.tensor4d(dyValues, [2, probe.outHeight, probe.outWidth, 4]);
      const [dx, dFilter] = tf.grads((a: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, pad), dy)))([
        x,
        filter,
      ]) as [tf.Tensor, tf.Tensor];
      expect(maxAbsDifference(dx.dataSync(), expected.dx)).toBeLessThan(1e-5);
      expect(maxAbsDifference(dFilter.dataSync(), expected.dFilter)).toBeLessThan(1e-5);
      tf.dispose([x, filter, dy, dx, dFilter]);
    });
  }

  it('stock tfjs-wasm cannot differentiate a convolution (why the patch exists)', () => {
    setFastGradients(false);
    const x = tf.ones([1, 4, 4, 1]);
    const filter = tf.ones([3, 3, 1, 1]);
    expect(() => tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')))(filter)).toThrow(/Conv2DBackpropFilter/);
    tf.dispose([x, filter]);
  });
});

describe('max pooling gradient', () => {
  it('equals the stock MaxPoolGrad on ReLU outputs', () => {
    const rng = new SeededRandom(11);
    const z = tf.tensor4d(uniformArray(2 * 8 * 6 * 3, rng), [2, 8, 6, 3]);
    const dy = tf.tensor4d(uniformArray(2 * 4 * 3 * 3, rng), [2, 4, 3, 3]);
    const fast = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(maxPool2x2(tf.relu(v) as tf.Tensor4D, true), dy)))(z);
    const stock = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(tf.relu(v) as tf.Tensor4D, 2, 2, 'valid'), dy)))(z);
    // Identical up to the sign of zero (a masked 0·dy may be −0).
    expect(maxAbsDifference(fast.dataSync(), stock.dataSync())).toBe(0);
    expect(maxAbsDifference(maxPool2x2(z, true).dataSync(), tf.maxPool(z, 2, 2, 'valid').dataSync())).toBe(0);
    tf.dispose([z, dy, fast, stock]);
  });
});

describe('bias add gradient', () => {
  for (const shape of [[5, 3], [2, 4, 3, 6]]) {
    it(`rank ${shape.length}: d bias = Σ dy over all but the last axis, dx = dy`, () => {
      const rng = new SeededRandom(13);
      const size = shape.reduce((a, b) => a * b, 1);
      const channels = shape.at(-1)!;
      const x = tf.tensor(uniformArray(size, rng), shape);
      const bias = tf.tensor1d(uniformArray(channels, rng));
      const dyValues = uniformArray(size, rng);
      const dy = tf.tensor(dyValues, shape);
      const [dx, dBias] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(addBias(a, b, true), dy)))([x, bias]) as [tf.Tensor, tf.Tensor];
      const expected = new Float64Array(channels);
      dyValues.forEach((v, i) => (expected[i % channels] = expected[i % channels]! + v));
      expect(maxAbsDifference(dBias.dataSync(), expected)).toBeLessThan(1e-5);
      expect(dx.dataSync()).toEqual(dyValues);
      expect(maxAbsDifference(addBias(x, bias, true).dataSync(), tf.add(x, bias).dataSync())).toBe(0);
      tf.dispose([x, bias, dy, dx, dBias]);
    });
  }
});

describe('whole-model gradients', () => {
  // Fast wasm gradients against the CPU backend's stock kernels, for every model kind.
  const models = [
    { spec: { kind: 'mlp', hidden: [16, 8] } as const, shape: { numFeatures: 64, numClasses: 3 } },
    { spec: { kind: 'cnn' } as const, shape: { numFeatures: 64, numClasses: 3, exampleShape: [8, 8, 1] } },
  ];
  for (const { spec, shape } of models) {
    it(`${spec.kind}: wasm with fast gradients equals the CPU backend to 1e-4`, async () => {
      const architecture = buildArchitecture(spec, shape);
      const weights = initialWeights(architecture, 3);
      const rng = new SeededRandom(5);
      const features = uniformArray(16 * 64, rng);
      const labels = Array.from({ length: 16 }, () => rng.uniformInt(3));
      const gradientsOn = async (backend: 'wasm' | 'cpu'): Promise<Float32Array[]> => {
        await initBackend({ backend });
        const variables = architecture.parameters.map((p, i) => {
          const offset = architecture.parameters.slice(0, i).reduce((s, q) => s + q.size, 0);
          return tf.variable(tf.tensor(weights.subarray(offset, offset + p.size), [...p.shape]));
        });
        const x = tf.tensor2d(features, [16, 64]);
        const y = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 'float32') as tf.Tensor2D;
        const { value, grads } = tf.variableGrads(() => crossEntropyLoss(forwardLogits(architecture, variables, x, true), y), variables);
        const out = variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
        tf.dispose([value, x, y, ...Object.values(grads), ...variables]);
        return out;
      };
      const wasm = await gradientsOn('wasm');
      const cpu = await gradientsOn('cpu');
      wasm.forEach((g, i) => expect(maxAbsDifference(g, cpu[i]!)).toBeLessThan(1e-4));
    });
  }
});

describe('no transposed matmul on wasm', () => {
  /** Runs `f` with the wasm matmul kernels wrapped to record their transpose flags. */
  async function transposeFlags(f: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const originals = ['BatchMatMul', '_FusedMatMul'].map((name) => tf.getKernel(name, 'wasm')!);
    for (const original of originals) {
      tf.unregisterKernel(original.kernelName, 'wasm');
      tf.registerKernel({
        kernelName: original.kernelName,
        backendName: 'wasm',
        kernelFunc: (args) => {
          const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
          seen.push(`${original.kernelName}:${attrs.transposeA ? 'T' : 'N'}${attrs.transposeB ? 'T' : 'N'}`);
          return original.kernelFunc(args);
        },
      });
    }
    try {
      await f();
    } finally {
      for (const original of originals) {
        tf.unregisterKernel(original.kernelName, 'wasm');
        tf.registerKernel(original);
      }
    }
    return [...new Set(seen)].sort();
  }

  for (const spec of [{ kind: 'mlp', hidden: [8] } as const, { kind: 'cnn' } as const]) {
    it(`${spec.kind}: training and evaluation use only the plain matmul path (stock gradients would not)`, async () => {
      const data = bars(32, 1);
      const model = await createModel(spec, { numFeatures: 64, numClasses: 2, exampleShape: [8, 8, 1] }, { seed: 1 });
      const options = { epochs: 1, batchSize: 16, seed: 1, optimizer: { kind: 'sgd', learningRate: 0.1 } } as const;
      const fast = await transposeFlags(async () => {
        await model.train(data, options);
        await model.evaluate(data);
      });
      expect(fast).toEqual(['BatchMatMul:NN', '_FusedMatMul:NN']);
      setFastGradients(false);
      if (spec.kind === 'mlp') {
        const stock = await transposeFlags(() => model.train(data, options));
        expect(stock).toEqual(expect.arrayContaining(['BatchMatMul:NT', 'BatchMatMul:TN']));
      }
      model.dispose();
    });
  }
});
