/**
 * 2×2 max pooling, stride 2, with a faster gradient on the wasm backend.
 *
 * The wasm MaxPoolGrad kernel is slow (~70 ms for 64×28×28×32 here). The gradient of a max is
 * dy routed to the position that held the maximum (e.g. Goodfellow, Bengio & Courville 2016,
 * "Deep Learning", §9.3); we compute it with fast elementwise kernels:
 *   dx = [x = upsample(y)] · upsample(dy)     (nearest-neighbour upsampling ×2).
 * Difference from the stock kernel: when several inputs of one window tie for the maximum, each
 * receives dy (the stock kernel picks one). After a ReLU the frequent ties are zeros, whose
 * gradient the ReLU discards; after a tanh (`cnn:tanh`) ties arise where a window's pre-activations
 * are equal (e.g. a constant background) or saturate to ±1 (where tanh' = 0). DP-SGD's clipping
 * bounds whatever gradient this defines (ghost norms and the per-example reference use the same
 * backward pass), so privacy does not depend on the tie rule; only the descent direction does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fastGradientsEnabled } from './fast-gradients.js';

const fastPool = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
  const pooled = tf.maxPool(input, 2, 2, 'valid');
  save([input, pooled]);
  return {
    value: pooled,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [savedInput, savedPooled] = saved as [tf.Tensor4D, tf.Tensor4D];
      const size: [number, number] = [savedInput.shape[1], savedInput.shape[2]];
      const upPooled = tf.image.resizeNearestNeighbor(savedPooled, size);
      const upDy = tf.image.resizeNearestNeighbor(dy as tf.Tensor4D, size);
      return tf.mul(tf.cast(tf.equal(savedInput, upPooled), 'float32'), upDy);
    },
  };
});

/** max-pool 2×2 / stride 2 / 'valid' of a ReLU output (NHWC). */
export function maxPool2x2(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
  const [, height, width] = x.shape;
  const evenSize = height % 2 === 0 && width % 2 === 0;
  if (training && evenSize && fastGradientsEnabled() && tf.getBackend() === 'wasm') {
    return fastPool(x) as tf.Tensor4D;
  }
  return tf.maxPool(x, 2, 2, 'valid');
}
