/** tfjs optimizers from an OptimizerSpec; a fresh one per `train` call (state does not leak across rounds). */
import * as tf from '@tensorflow/tfjs-core';
import { check } from '../errors.js';
import type { OptimizerSpec } from './model.js';

export function validateOptimizer(spec: OptimizerSpec): void {
  check(typeof spec === 'object' && spec !== null, 'optimizer', spec, 'an object');
  check(spec.kind === 'sgd' || spec.kind === 'adam', 'optimizer.kind', spec.kind, '"sgd" or "adam"');
  check(Number.isFinite(spec.learningRate) && spec.learningRate > 0, 'learningRate', spec.learningRate, 'a positive number');
  if (spec.kind === 'sgd' && spec.momentum !== undefined) {
    check(Number.isFinite(spec.momentum) && spec.momentum >= 0 && spec.momentum < 1, 'momentum', spec.momentum, 'in [0, 1)');
  }
}

/**
 * - SGD: w ← w − η·g.
 * - SGD with momentum μ (Polyak 1964, heavy ball, as in PyTorch without dampening):
 *   v ← μ·v + g, w ← w − η·v.
 * - Adam (Kingma & Ba 2015, Algorithm 1) with β₁ = 0.9, β₂ = 0.999, ε = 1e-7 (tfjs/Keras default;
 *   the paper uses 1e-8).
 */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  validateOptimizer(spec);
  if (spec.kind === 'adam') return tf.train.adam(spec.learningRate, 0.9, 0.999, 1e-7);
  const momentum = spec.momentum ?? 0;
  return momentum === 0 ? tf.train.sgd(spec.learningRate) : tf.train.momentum(spec.learningRate, momentum);
}

/**
 * Frees the optimizer's tensors. tfjs 4.22's MomentumOptimizer.dispose() forgets the learning-rate
 * scalar its SGD base class keeps (one tensor leaked per optimizer), so we free that one too.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const learningRateScalar = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (learningRateScalar !== undefined && !learningRateScalar.isDisposed) learningRateScalar.dispose();
}
