/**
 * Σ_i clip(∇ℓ_i, C) over a batch, where clip(g, C) = g·min(1, C/‖g‖) (Abadi et al. 2016, "Deep
 * learning with differential privacy", Algorithm 1) and ‖·‖ is the ℓ2 norm over ALL parameters.
 *
 * Ghost path (default): one forward pass and one backward pass of the summed per-example loss,
 * differentiated only with respect to a zero "probe" added to each dense/conv layer's output, so
 * backpropagation yields G_l = ∂(Σ_i ℓ_i)/∂z_l (row i of G_l depends on example i only: the models
 * have no batch-coupling layers) and never forms a weight gradient. Each layer's per-example norms
 * and clipped sum come from (A_l, G_l) by layer-clippers.ts; the total norm is √(Σ_l ‖∇_{l,i}‖²).
 *
 * Per-example path: the exact loop, one gradient per example. The reference, and the fallback for a
 * parameterised layer without a ghost rule (with a warning in the result).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CohortError, check } from '../../errors.js';
import { forwardLogits, type Architecture, type LayerPlan, type ParameterisedLayerPlan } from '../architecture.js';
import { convClipper, denseClipper, type ConvolutionNorms, type LayerClipper } from './layer-clippers.js';

/** Layer kinds the ghost path knows. */
export const GHOST_LAYER_KINDS: readonly ParameterisedLayerPlan['kind'][] = ['dense', 'conv2d'];

export interface ClippingOptions {
  /** C: every example's gradient is scaled to ℓ2 norm at most C. */
  readonly clippingNorm: number;
  /** 'ghost' (default) or the exact per-example loop. */
  readonly method?: 'ghost' | 'per-example';
  /** Conv layers: 'auto' (default, the cheaper), 'gram' or 'materialise'. */
  readonly convolutionNorms?: ConvolutionNorms;
  /** Layer kinds allowed on the ghost path (default GHOST_LAYER_KINDS); others need the fallback. */
  readonly ghostLayerKinds?: readonly string[];
  /** What to do with a parameterised layer the ghost path cannot handle: fall back (default) or throw. */
  readonly onUnsupportedLayer?: 'per-example' | 'error';
  /** Multiplies the sums (default 1): DP-SGD folds 1/(q·n) into the clip factors, saving a pass. */
  readonly scale?: number;
}

export interface ClippingPlan {
  readonly method: 'ghost' | 'per-example';
  /** Why the plan differs from what was asked, for the caller to show (nothing is printed here). */
  readonly warnings: readonly string[];
}

export interface ClippedGradients {
  /** scale·Σ_i c_i ∇ℓ_i, one tensor per parameter in the flat layout's order (layer order, kernel then bias). */
  readonly sums: tf.Tensor[];
  /** ‖∇ℓ_i‖ before clipping, [B]. */
  readonly norms: tf.Tensor1D;
  readonly method: 'ghost' | 'per-example';
}

export function validateClippingOptions(options: ClippingOptions): void {
  check(typeof options === 'object' && options !== null, 'clipping', options, 'an object');
  check(Number.isFinite(options.clippingNorm) && options.clippingNorm > 0, 'clippingNorm', options.clippingNorm, 'a finite number > 0');
  const method = options.method ?? 'ghost';
  check(method === 'ghost' || method === 'per-example', 'clipping.method', method, '"ghost" or "per-example"');
  const norms = options.convolutionNorms ?? 'auto';
  check(norms === 'auto' || norms === 'gram' || norms === 'materialise', 'convolutionNorms', norms, '"auto", "gram" or "materialise"');
  const scale = options.scale ?? 1;
  check(Number.isFinite(scale) && scale > 0, 'scale', scale, 'a finite number > 0');
  const fallback = options.onUnsupportedLayer ?? 'per-example';
  check(fallback === 'per-example' || fallback === 'error', 'onUnsupportedLayer', fallback, '"per-example" or "error"');
}

function hasParameters(architecture: Architecture, layer: LayerPlan): boolean {
  return architecture.parameters.some((p) => p.name.startsWith(`${layer.name}/`));
}

/** Which path a model takes, and the warnings that go with it. Throws UNSUPPORTED when asked to. */
export function planClipping(architecture: Architecture, options: ClippingOptions): ClippingPlan {
  validateClippingOptions(options);
  if ((options.method ?? 'ghost') === 'per-example') return { method: 'per-example', warnings: [] };
  const allowed = options.ghostLayerKinds ?? GHOST_LAYER_KINDS;
  const unsupported = architecture.layers.filter((layer) => hasParameters(architecture, layer) && !allowed.includes(layer.kind));
  if (unsupported.length === 0) return { method: 'ghost', warnings: [] };
  const names = unsupported.map((layer) => `${layer.name} (${layer.kind})`).join(', ');
  if (options.onUnsupportedLayer === 'error') {
    throw new CohortError('UNSUPPORTED', `per-sample clipping has no ghost-norm rule for layer ${names} and the per-example fallback is off`, {
      subject: 'model',
    });
  }
  return {
    method: 'per-example',
    warnings: [`per-sample clipping: no ghost-norm rule for layer ${names}; using the exact per-example loop (one backward pass per example, much slower)`],
  };
}

/** Σ_i ℓ_i, ℓ_i = −log softmax(z_i)[y_i]: the SUM over the batch, so row i of each G is ∇ of ℓ_i alone. */
export function summedCrossEntropy(logits: tf.Tensor2D, oneHotLabels: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.sum(tf.mul(oneHotLabels, tf.logSoftmax(logits)))) as tf.Scalar;
}

/**
 * The clipped gradient sum of a batch (`features` [B, d], `oneHotLabels` [B, k], B ≥ 1). Call inside
 * tf.tidy: the returned tensors belong to the caller's scope. `featureSquaredNorms` [B], ‖x_i‖²,
 * may be passed when known (they are constants of the data set, so a trainer computes them once);
 * a first dense layer then skips computing them.
 */
export function clippedGradientSum(
  architecture: Architecture,
  parameters: readonly tf.Tensor[],
  features: tf.Tensor2D,
  oneHotLabels: tf.Tensor2D,
  options: ClippingOptions,
  plan: ClippingPlan = planClipping(architecture, options),
  featureSquaredNorms?: tf.Tensor1D,
): ClippedGradients {
  check(features.shape[0] >= 1, 'batch size', features.shape[0], 'at least 1');
  check(oneHotLabels.shape[0] === features.shape[0], 'labels batch size', oneHotLabels.shape[0], `the features' ${features.shape[0]}`);
  return plan.method === 'ghost'
    ? ghostClippedSum(architecture, parameters, features, oneHotLabels, options, featureSquaredNorms)
    : perExampleClippedSum(architecture, parameters, features, oneHotLabels, options.clippingNorm, options.scale ?? 1);
}

/** c_i = min(1, C/‖∇ℓ_i‖); a zero gradient gets C/0 = ∞ → 1. */
function clipFactors(norms: tf.Tensor1D, clippingNorm: number): tf.Tensor1D {
  return tf.minimum(1, tf.div(clippingNorm, norms)) as tf.Tensor1D;
}

/** Output shapes of the parameterised layers, in layer order (what forwardLogits produces). */
export function linearOutputShapes(architecture: Architecture, batch: number): number[][] {
  let shape: number[] = [batch, architecture.shape.numFeatures];
  const out: number[][] = [];
  for (const layer of architecture.layers) {
    switch (layer.kind) {
      case 'reshape':
        shape = [batch, ...layer.shape];
        break;
      case 'dense':
        shape = [batch, layer.units];
        out.push(shape);
        break;
      case 'conv2d':
        shape = [batch, shape[1] as number, shape[2] as number, layer.filters]; // stride 1, 'same'
        out.push(shape);
        break;
      case 'maxPool2d':
        shape = [batch, Math.floor((shape[1] as number) / 2), Math.floor((shape[2] as number) / 2), shape[3] as number];
        break;
      case 'flatten':
        shape = [batch, shape.slice(1).reduce((a, b) => a * b, 1)];
        break;
    }
  }
  return out;
}

function ghostClippedSum(
  architecture: Architecture,
  parameters: readonly tf.Tensor[],
  features: tf.Tensor2D,
  oneHotLabels: tf.Tensor2D,
  options: ClippingOptions,
  featureSquaredNorms: tf.Tensor1D | undefined,
): ClippedGradients {
  const batch = features.shape[0];
  const probes = linearOutputShapes(architecture, batch).map((shape) => tf.zeros(shape));
  const layers: ParameterisedLayerPlan[] = [];
  const inputs: tf.Tensor[] = [];
  const inputIsFeatures: boolean[] = [];
  try {
    const outputGradients = tf.grads((...probe: tf.Tensor[]) => {
      const logits = forwardLogits(architecture, parameters, features, true, (layer, input, output) => {
        const p = probe[layers.length];
        if (p === undefined || !tf.util.arraysEqual(p.shape, output.shape)) {
          throw new CohortError('INTERNAL', `layer ${layer.name}: output shape ${JSON.stringify(output.shape)} was not foreseen`);
        }
        layers.push(layer);
        inputIsFeatures.push(input === features);
        inputs.push(tf.keep(tf.clone(input))); // outlives the forward pass's tidy; disposed below
        return tf.add(output, p);
      });
      return summedCrossEntropy(logits, oneHotLabels);
    })(probes);

    const clippers: LayerClipper[] = layers.map((layer, l) => {
      const input = inputs[l] as tf.Tensor;
      const gradient = outputGradients[l] as tf.Tensor;
      return layer.kind === 'dense'
        ? denseClipper(input as tf.Tensor2D, gradient as tf.Tensor2D, inputIsFeatures[l] === true ? featureSquaredNorms : undefined)
        : convClipper(input as tf.Tensor4D, gradient as tf.Tensor4D, layer.kernelSize, options.convolutionNorms ?? 'auto');
    });
    const squared = clippers.map((clipper) => clipper.normsSquared());
    const norms = tf.sqrt(squared.length === 1 ? (squared[0] as tf.Tensor1D) : tf.addN(squared)) as tf.Tensor1D;
    const scale = options.scale ?? 1;
    const factors = scale === 1 ? clipFactors(norms, options.clippingNorm) : tf.mul(clipFactors(norms, options.clippingNorm), scale);
    const sums = clippers.flatMap((clipper) => clipper.clippedSum(factors as tf.Tensor1D));
    return { sums, norms, method: 'ghost' };
  } finally {
    for (const input of inputs) input.dispose();
  }
}

/** The exact loop: one backward pass per example, each gradient clipped and added. */
export function perExampleClippedSum(
  architecture: Architecture,
  parameters: readonly tf.Tensor[],
  features: tf.Tensor2D,
  oneHotLabels: tf.Tensor2D,
  clippingNorm: number,
  scale = 1,
): ClippedGradients {
  const batch = features.shape[0];
  let sums = parameters.map((p) => tf.zerosLike(p));
  const norms: tf.Scalar[] = [];
  for (let i = 0; i < batch; i++) {
    const [norm, ...next] = tf.tidy(() => {
      const x = tf.slice(features, [i, 0], [1, -1]) as tf.Tensor2D;
      const y = tf.slice(oneHotLabels, [i, 0], [1, -1]) as tf.Tensor2D;
      const gradients = tf.grads((...params: tf.Tensor[]) => summedCrossEntropy(forwardLogits(architecture, params, x, true), y))([...parameters]);
      const squared = gradients.map((g) => tf.sum(tf.square(g)));
      const exampleNorm = tf.sqrt(squared.length === 1 ? (squared[0] as tf.Scalar) : tf.addN(squared)) as tf.Scalar;
      const factor = scale === 1 ? tf.minimum(1, tf.div(clippingNorm, exampleNorm)) : tf.mul(tf.minimum(1, tf.div(clippingNorm, exampleNorm)), scale);
      return [exampleNorm, ...gradients.map((g, k) => tf.add(sums[k] as tf.Tensor, tf.mul(g, factor)))];
    }) as [tf.Scalar, ...tf.Tensor[]];
    for (const old of sums) old.dispose();
    sums = next;
    norms.push(norm);
  }
  const stacked = tf.stack(norms) as tf.Tensor1D;
  for (const norm of norms) norm.dispose();
  return { sums, norms: stacked, method: 'per-example' };
}
