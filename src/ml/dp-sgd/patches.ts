/**
 * im2col for a stride-1 'same' convolution (NHWC), as memory copies only: the padded input is cut
 * into k² shifted windows that are concatenated along the channel axis, so that
 *   U[b, h·W + w, (i·k + j)·C + c] = xpad[b, h + i, w + j, c],
 * the row order of a [k, k, C, F] kernel reshaped to [k·k·C, F]. Then a convolution is U·K and the
 * filter gradient of example b is U_bᵀ·G_b (e.g. Chellapilla, Puri & Simard 2006, "High performance
 * convolutional neural networks for document processing").
 */
import * as tf from '@tensorflow/tfjs-core';
import { check } from '../../errors.js';

/** tfjs' 'same' padding for stride 1: k − 1 in total, the smaller half before (tfjs conv_util). */
export function samePadding(kernelSize: number): [number, number] {
  const total = kernelSize - 1;
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** The patches of `x` [B, H, W, C] for a k×k stride-1 'same' convolution: [B, H·W, k·k·C]. */
export function samePatches(x: tf.Tensor4D, kernelSize: number): tf.Tensor3D {
  check(Number.isInteger(kernelSize) && kernelSize >= 1, 'kernelSize', kernelSize, 'a positive integer');
  const [batch, height, width, channels] = x.shape;
  const [before, after] = samePadding(kernelSize);
  const padded = before + after === 0 ? x : tf.pad(x, [[0, 0], [before, after], [before, after], [0, 0]]);
  const windows: tf.Tensor4D[] = [];
  for (let i = 0; i < kernelSize; i++) {
    for (let j = 0; j < kernelSize; j++) windows.push(tf.slice(padded, [0, i, j, 0], [batch, height, width, channels]));
  }
  const stacked = windows.length === 1 ? (windows[0] as tf.Tensor4D) : tf.concat(windows, 3);
  return tf.reshape(stacked, [batch, height * width, kernelSize * kernelSize * channels]);
}
