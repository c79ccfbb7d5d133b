/**
 * Per-example gradient norms and clipped gradient sums of one layer, from the layer's input A and
 * the gradient G of the summed per-example loss at its output (before the activation), without
 * forming one gradient per example where that is cheaper.
 *
 * Dense, z_i = W·a_i + b: the gradient of example i is a_i g_iᵀ for the kernel and g_i for the
 * bias, so (Goodfellow 2015, "Efficient per-example gradient computations", arXiv:1510.01799)
 *   ‖∇_i‖² = ‖a_i‖²·‖g_i‖² + ‖g_i‖²,
 * and with clip factors c the clipped sum is Aᵀ·diag(c)·G (kernel) and cᵀ·G (bias): one matmul each.
 *
 * Conv2D (stride 1, 'same'), with U_i the example's im2col patches [P × k²C] (patches.ts) and G_i
 * its output gradient [P × F]: the kernel gradient is U_iᵀ G_i, so ‖∇_i‖² = ‖U_iᵀ G_i‖²_F + ‖1ᵀG_i‖².
 * Two ways to get it, the cheaper chosen per layer (Li, Tramèr, Liang & Hashimoto, ICLR 2022,
 * "Large language models can be strong differentially private learners", §4 ghost clipping; Bu et
 * al. 2022, "Scalable and efficient training of large convolutional neural networks with
 * differential privacy", mixed ghost clipping):
 *   - materialised: U_iᵀ G_i itself, P·k²C·F multiply-adds per example;
 *   - Gram ("ghost"): ‖U_iᵀ G_i‖²_F = ⟨U_i U_iᵀ, G_i G_iᵀ⟩_F, P²·(k²C + F) multiply-adds per example,
 *     cheaper when the layer's spatial size P is small against k²C·F/(k²C + F).
 * The clipped kernel sum is Σ_i c_i U_iᵀ G_i: from the materialised gradients cᵀ·[∇_1 … ∇_B], or as
 * the usual filter gradient Uᵀ·G with each example's rows of G scaled by c_i.
 *
 * Every product runs on the plain matmul path (explicit transposes), as fast-gradients.ts explains.
 */
import * as tf from '@tensorflow/tfjs-core';
import { transposeLastTwo } from '../fast-gradients.js';
import { samePatches } from './patches.js';

/** How a conv layer's per-example norms are computed: by cost ('auto'), or forced. */
export type ConvolutionNorms = 'auto' | 'gram' | 'materialise';

export interface LayerClipper {
  /** ‖∇_i‖² of this layer's parameters (kernel and bias), one value per example: [B]. */
  normsSquared(): tf.Tensor1D;
  /** Σ_i c_i ∇_i for [kernel, bias], given clip factors c [B]. */
  clippedSum(factors: tf.Tensor1D): [tf.Tensor, tf.Tensor];
  /** 'outer-product' (dense), 'materialise' or 'gram' (conv). */
  readonly method: 'outer-product' | 'materialise' | 'gram';
}

const plain = <T extends tf.Tensor>(a: tf.Tensor, b: tf.Tensor): T => tf.matMul(a, b, false, false) as unknown as T;

function rowSumOfSquares(x: tf.Tensor): tf.Tensor1D {
  const rows = x.shape[0] as number;
  return tf.sum(tf.square(tf.reshape(x, [rows, -1])), 1) as tf.Tensor1D;
}

/** `inputSquaredNorms`: ‖a_i‖² when the caller already knows them (the data's rows, for a first layer). */
export function denseClipper(input: tf.Tensor2D, outputGradient: tf.Tensor2D, inputSquaredNorms?: tf.Tensor1D): LayerClipper {
  return {
    method: 'outer-product',
    normsSquared: () => tf.mul(tf.add(inputSquaredNorms ?? rowSumOfSquares(input), 1), rowSumOfSquares(outputGradient)) as tf.Tensor1D,
    clippedSum: (factors) => {
      const column = tf.reshape(factors, [-1, 1]);
      // diag(c) goes on whichever side is narrower: Aᵀ·diag(c)·G either way.
      const kernel =
        input.shape[1] <= outputGradient.shape[1]
          ? plain(tf.transpose(tf.mul(input, column)), outputGradient)
          : plain(tf.transpose(input), tf.mul(outputGradient, column));
      const bias = tf.reshape(plain(tf.reshape(factors, [1, -1]), outputGradient), [-1]);
      return [kernel, bias];
    },
  };
}

/** Multiply-adds per example of the two conv norm methods (the module comment's counts). */
export function convolutionNormCosts(positions: number, patchSize: number, filters: number): { materialise: number; gram: number } {
  return { materialise: positions * patchSize * filters, gram: positions * positions * (patchSize + filters) };
}

export function convClipper(input: tf.Tensor4D, outputGradient: tf.Tensor4D, kernelSize: number, norms: ConvolutionNorms): LayerClipper {
  const [batch, height, width, channels] = input.shape;
  const filters = outputGradient.shape[3];
  const positions = height * width;
  const patchSize = kernelSize * kernelSize * channels;
  const kernelShape: [number, number, number, number] = [kernelSize, kernelSize, channels, filters];
  const patches = samePatches(input, kernelSize); // [B, P, k²C]
  const gradient = tf.reshape(outputGradient, [batch, positions, filters]) as tf.Tensor3D;
  // Per-example bias gradients 1ᵀ G_i: [B, F].
  const biasGradients = tf.reshape(plain(tf.ones([batch, 1, positions]), gradient), [batch, filters]) as tf.Tensor2D;
  const costs = convolutionNormCosts(positions, patchSize, filters);
  const method = norms === 'auto' ? (costs.gram < costs.materialise ? 'gram' : 'materialise') : norms;
  const biasSum = (factors: tf.Tensor1D): tf.Tensor => tf.reshape(plain(tf.reshape(factors, [1, -1]), biasGradients), [filters]);

  if (method === 'materialise') {
    const perExample = tf.reshape(plain(transposeLastTwo(patches), gradient), [batch, patchSize * filters]); // [B, k²C·F]
    return {
      method,
      normsSquared: () => tf.add(rowSumOfSquares(perExample), rowSumOfSquares(biasGradients)) as tf.Tensor1D,
      clippedSum: (factors) => [tf.reshape(plain(tf.reshape(factors, [1, -1]), perExample), kernelShape), biasSum(factors)],
    };
  }
  return {
    method,
    normsSquared: () => {
      const patchGram = plain(patches, transposeLastTwo(patches)); // [B, P, P]
      const gradientGram = plain(gradient, transposeLastTwo(gradient));
      return tf.add(rowSumOfSquares(biasGradients), tf.sum(tf.reshape(tf.mul(patchGram, gradientGram), [batch, -1]), 1)) as tf.Tensor1D;
    },
    clippedSum: (factors) => {
      const scaled = tf.mul(gradient, tf.reshape(factors, [-1, 1, 1]));
      const rows = batch * positions;
      const kernel = plain(tf.transpose(tf.reshape(patches, [rows, patchSize])), tf.reshape(scaled, [rows, filters]));
      return [tf.reshape(kernel, kernelShape), biasSum(factors)];
    },
  };
}
