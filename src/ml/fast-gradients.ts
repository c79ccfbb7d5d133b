/**
 * Faster gradients for the tfjs WebAssembly backend (issue 2, item 3).
 *
 * - BatchMatMul: stock tfjs differentiates C = A·B with matMul(dy, B, false, true) and
 *   matMul(A, dy, true, false). The wasm kernel's transposed path runs at ~1 GFLOP/s here against
 *   ~15-24 GFLOP/s for the plain path, so we transpose explicitly (a memory copy, ~1 ms for
 *   784×256) and multiply with the plain path. Same formulas, same results up to float rounding.
 * - Conv2D: the wasm backend has no Conv2DBackpropFilter kernel at all (CNN training fails) and
 *   its Conv2DBackpropInput is ~9× slower than a forward convolution. Both gradients are
 *   rewritten as forward convolutions (the standard identities, e.g. Dumoulin & Visin 2016,
 *   "A guide to convolution arithmetic", §4): for stride 1,
 *     dx = conv(pad(dy), rot180(W) with in/out channels swapped)
 *     dW[i,j,c,o] = Σ_{b,h,w} xpad[b,h+i,w+j,c]·dy[b,h,w,o]
 *                 = conv(xpad with batch↔channel swapped, dy as filter with batch↔channel swapped).
 *
 * Each patched gradient checks the active backend when it runs and defers to the stock gradient
 * on other backends (on the CPU backend the explicit transpose costs more than it saves) and for
 * cases it does not cover (strides, dilations, explicit padding, NCHW).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CohortError } from '../errors.js';

type GradConfig = tf.GradConfig;
type NamedGrads = Record<string, () => tf.Tensor>;

const stock = new Map<string, GradConfig>();
let enabled = true;

/** Registers the fast gradients (once); they act only while the wasm backend is active. */
export function installFastGradients(): void {
  if (stock.size > 0) return;
  for (const config of [fastBatchMatMulGrad, fastConv2DGrad]) {
    const original = tf.getGradient(config.kernelName);
    if (original === undefined) {
      throw new CohortError('INTERNAL', `no stock gradient registered for ${config.kernelName}; import @tensorflow/tfjs-layers first`);
    }
    stock.set(config.kernelName, original);
    tf.registerGradient(config);
  }
}

/**
 * Turns the fast gradients on or off for the whole process. For benchmarks and tests that
 * compare against stock tfjs; production code leaves them on.
 */
export function setFastGradients(on: boolean): void {
  installFastGradients();
  enabled = on;
}

export function fastGradientsEnabled(): boolean {
  return enabled;
}

function active(): boolean {
  return enabled && tf.getBackend() === 'wasm';
}

function stockGrad(kernelName: string, dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap): NamedGrads {
  const config = stock.get(kernelName);
  if (config === undefined) throw new CohortError('INTERNAL', `stock gradient for ${kernelName} missing`);
  return config.gradFunc(dy, saved, attrs) as NamedGrads;
}

/** Swaps the last two axes (works for any batch rank, as the stock gradient's transposes do). */
export function transposeLastTwo(x: tf.Tensor): tf.Tensor {
  const perm = [...Array(x.rank).keys()];
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return tf.transpose(x, perm);
}

const plain = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.matMul(a, b, false, false);
const tr = transposeLastTwo;

export const fastBatchMatMulGrad: GradConfig = {
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const dY = dy as tf.Tensor;
    if (!active()) return stockGrad('BatchMatMul', dY, saved, attrs);
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    // The four cases of the stock gradient, each product rewritten with explicit transposes.
    if (!transposeA && !transposeB) {
      // C = A·B: dA = dy·Bᵀ, dB = Aᵀ·dy
      return { a: () => plain(dY, tr(b)), b: () => plain(tr(a), dY) };
    }
    if (!transposeA && transposeB) {
      // C = A·Bᵀ: dA = dy·B, dB = dyᵀ·A
      return { a: () => plain(dY, b), b: () => plain(tr(dY), a) };
    }
    if (transposeA && !transposeB) {
      // C = Aᵀ·B: dA = B·dyᵀ, dB = A·dy
      return { a: () => plain(b, tr(dY)), b: () => plain(a, dY) };
    }
    // C = Aᵀ·Bᵀ: dA = Bᵀ·dyᵀ = (dy·B)ᵀ, dB = dyᵀ·Aᵀ = (A·dy)ᵀ — one transpose each.
    return { a: () => tr(plain(dY, b)), b: () => tr(plain(a, dY)) };
  },
};

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: unknown; // 'same' | 'valid' | number | explicit padding
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
}

const isOne = (v: number | readonly number[]): boolean => (typeof v === 'number' ? v === 1 : v.every((x) => x === 1));

export const fastConv2DGrad: GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const dY = dy as tf.Tensor4D;
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat, dilations } = attrs as unknown as Conv2DAttrs;
    const [kh, kw] = filter.shape;
    const covered =
      active() &&
      dataFormat === 'NHWC' &&
      isOne(strides) &&
      isOne(dilations) &&
      (pad === 'valid' || (pad === 'same' && kh % 2 === 1 && kw % 2 === 1));
    if (!covered) return stockGrad('Conv2D', dY, saved, attrs);
    // 'same' with odd kernels pads symmetrically by (k−1)/2; 'valid' pads nothing.
    const ph = pad === 'same' ? (kh - 1) / 2 : 0;
    const pw = pad === 'same' ? (kw - 1) / 2 : 0;
    return {
      x: () => conv2DInputGrad(dY, filter, kh - 1 - ph, kw - 1 - pw),
      filter: () => conv2DFilterGrad(x, dY, pad, ph, pw),
    };
  },
};

/** dx: full correlation of dy with the kernel rotated 180° and its channel axes swapped. */
function conv2DInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, padH: number, padW: number): tf.Tensor4D {
  const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
  const padded = padH === 0 && padW === 0 ? dy : tf.pad(dy, [[0, 0], [padH, padH], [padW, padW], [0, 0]]);
  return tf.conv2d(padded, flipped, 1, 'valid');
}

/**
 * Below this many patch values per pixel (kh·kw·C) the filter gradient goes through im2col, else
 * through the batch↔channel convolution. That convolution has only kh·kw·C output rows, which
 * xnnpack runs slowly when there are few (23 ms against 5 ms for a 3×3 kernel on 1 channel,
 * 64×28×28 images, here).
 */
export const IM2COL_MAX_PATCH = 32;

function conv2DFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, pad: 'same' | 'valid', padH: number, padW: number): tf.Tensor4D {
  const kh = x.shape[1] + 2 * padH - dy.shape[1] + 1;
  const kw = x.shape[2] + 2 * padW - dy.shape[2] + 1;
  return kh * kw * x.shape[3] <= IM2COL_MAX_PATCH
    ? conv2DFilterGradIm2col(x, dy, kh, kw, pad)
    : conv2DFilterGradByConv(x, dy, padH, padW);
}

/**
 * dW via im2col: patches P[(b,h,w), (i,j,c)] = xpad[b, h+i, w+j, c] are gathered by a convolution
 * with a 0/1 selection kernel (exact: one product by 1 per output), then dW = Pᵀ · dy.
 */
function conv2DFilterGradIm2col(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, pad: 'same' | 'valid'): tf.Tensor4D {
  const channels = x.shape[3];
  const patchSize = kh * kw * channels;
  const selection = new Float32Array(patchSize * patchSize);
  for (let t = 0; t < patchSize; t++) selection[t * patchSize + t] = 1; // [i, j, c] → column (i·kw + j)·C + c
  const patches = tf.conv2d(x, tf.tensor4d(selection, [kh, kw, channels, patchSize]), 1, pad);
  const [batch, outHeight, outWidth, outChannels] = dy.shape;
  const rows = batch * outHeight * outWidth;
  const gradient = plain(tr(tf.reshape(patches, [rows, patchSize])), tf.reshape(dy, [rows, outChannels]));
  return tf.reshape(gradient, [kh, kw, channels, outChannels]);
}

/** dW: the input (batch as channels) correlated with dy (batch as input channels). */
function conv2DFilterGradByConv(x: tf.Tensor4D, dy: tf.Tensor4D, padH: number, padW: number): tf.Tensor4D {
  const padded = padH === 0 && padW === 0 ? x : tf.pad(x, [[0, 0], [padH, padH], [padW, padW], [0, 0]]);
  const inputs = tf.transpose(padded, [3, 1, 2, 0]); // [C, H+2p, W+2p, B]
  const kernel = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, B, Co]
  const result = tf.conv2d(inputs, kernel, 1, 'valid'); // [C, kh, kw, Co]
  return tf.transpose(result, [1, 2, 0, 3]); // [kh, kw, C, Co]
}
