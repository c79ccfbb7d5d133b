/**
 * The layer plan of each model kind and its forward pass on plain tfjs-core ops.
 *
 * We run our own forward pass instead of tfjs-layers' so that training never reaches the slow
 * paths of the wasm backend (tfjs-layers' fused Dense differentiates through transposed matmuls,
 * and its Conv2D through the missing Conv2DBackpropFilter kernel). The same plan builds an
 * equivalent tfjs-layers model for saving in the standard format (see artifacts.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CohortError, check } from '../errors.js';
import { addBias } from './bias-add.js';
import { maxPool2x2 } from './max-pool.js';
import { formatModelSpec, hiddenActivationOf } from './model-spec.js';
import type { HiddenActivation, ModelSpec } from './model.js';

/** What a model must know about its data. */
export interface ModelShape {
  readonly numFeatures: number;
  readonly numClasses: number;
  /** [height, width] or [height, width, channels]; required by the CNN. */
  readonly exampleShape?: readonly number[];
}

export type LayerPlan =
  | { readonly kind: 'reshape'; readonly name: string; readonly shape: readonly [number, number, number] }
  | {
      readonly kind: 'dense';
      readonly name: string;
      readonly inputUnits: number;
      readonly units: number;
      readonly activation: LayerActivation;
    }
  | {
      readonly kind: 'conv2d';
      readonly name: string;
      readonly inputChannels: number;
      readonly filters: number;
      readonly kernelSize: number;
      readonly activation: HiddenActivation;
    }
  | { readonly kind: 'maxPool2d'; readonly name: string }
  | { readonly kind: 'flatten'; readonly name: string };

/** A layer's activation: a hidden activation (model.ts), or 'linear' for the output layer's logits. */
export type LayerActivation = HiddenActivation | 'linear';

export interface ParameterPlan {
  /** Keras-style weight name, e.g. "dense_1/kernel". */
  readonly name: string;
  readonly shape: readonly number[];
  readonly size: number;
  /** Glorot fan-in/fan-out for kernels (Glorot & Bengio 2010); 0 for biases. */
  readonly fanIn: number;
  readonly fanOut: number;
  readonly role: 'kernel' | 'bias';
}

export interface Architecture {
  readonly spec: ModelSpec;
  readonly shape: ModelShape;
  readonly layers: readonly LayerPlan[];
  /** In the flat weight layout's order: layer order, kernel then bias. */
  readonly parameters: readonly ParameterPlan[];
  readonly numParameters: number;
}

/** The CNN of issue 2: conv 32 3×3 → pool → conv 64 3×3 → pool → dense 128 → classes. */
export const CNN_FILTERS = [32, 64] as const;
export const CNN_KERNEL_SIZE = 3;
export const CNN_DENSE_UNITS = 128;

export function validateShape(shape: ModelShape): void {
  check(typeof shape === 'object' && shape !== null, 'shape', shape, 'an object');
  check(Number.isInteger(shape.numFeatures) && shape.numFeatures >= 1, 'numFeatures', shape.numFeatures, 'a positive integer');
  check(Number.isInteger(shape.numClasses) && shape.numClasses >= 2, 'numClasses', shape.numClasses, 'an integer ≥ 2');
  if (shape.exampleShape !== undefined) {
    const dims = shape.exampleShape;
    check(
      Array.isArray(dims) && dims.every((d) => Number.isInteger(d) && d >= 1),
      'exampleShape',
      JSON.stringify(dims),
      'an array of positive integers',
    );
    const product = dims.reduce((a, b) => a * b, 1);
    check(product === shape.numFeatures, 'exampleShape', JSON.stringify(dims), `to multiply to numFeatures = ${shape.numFeatures}`);
  }
}

export function buildArchitecture(spec: ModelSpec, shape: ModelShape): Architecture {
  validateShape(shape);
  const layers: LayerPlan[] = [];
  let dense = 0;
  const hidden = hiddenActivationOf(spec);
  check(hidden === 'relu' || hidden === 'tanh', 'spec.activation', hidden, '"relu" or "tanh"');
  const addDense = (inputUnits: number, units: number, activation: LayerActivation): void => {
    dense += 1;
    layers.push({ kind: 'dense', name: `dense_${dense}`, inputUnits, units, activation });
  };
  switch (spec.kind) {
    case 'logreg':
      // Softmax regression; for two classes this is logistic regression with 2(d+1) parameters
      // (one redundant set), which keeps one code path for every task.
      addDense(shape.numFeatures, shape.numClasses, 'linear');
      break;
    case 'mlp': {
      check(Array.isArray(spec.hidden) && spec.hidden.length >= 1, 'spec.hidden', formatModelSpec(spec), 'at least one layer');
      let inputs = shape.numFeatures;
      for (const units of spec.hidden) {
        check(Number.isInteger(units) && units >= 1, 'spec.hidden', formatModelSpec(spec), 'positive integers');
        addDense(inputs, units, hidden);
        inputs = units;
      }
      addDense(inputs, shape.numClasses, 'linear');
      break;
    }
    case 'cnn': {
      const image = imageShape(shape);
      layers.push({ kind: 'reshape', name: 'reshape_1', shape: image });
      let [height, width, channels] = image;
      CNN_FILTERS.forEach((filters, i) => {
        layers.push({
          kind: 'conv2d',
          name: `conv2d_${i + 1}`,
          inputChannels: channels,
          filters,
          kernelSize: CNN_KERNEL_SIZE,
          activation: hidden,
        });
        layers.push({ kind: 'maxPool2d', name: `max_pooling2d_${i + 1}` });
        channels = filters;
        height = Math.floor(height / 2); // 'same' convolution keeps the size; the pool halves it
        width = Math.floor(width / 2);
      });
      layers.push({ kind: 'flatten', name: 'flatten_1' });
      addDense(height * width * channels, CNN_DENSE_UNITS, hidden);
      addDense(CNN_DENSE_UNITS, shape.numClasses, 'linear');
      break;
    }
    default:
      throw new CohortError('INVALID_ARGUMENT', `unknown model kind ${JSON.stringify((spec as { kind: unknown }).kind)}`, {
        subject: '--model',
      });
  }
  const parameters = layers.flatMap(parametersOf);
  return { spec, shape, layers, parameters, numParameters: parameters.reduce((sum, p) => sum + p.size, 0) };
}

function imageShape(shape: ModelShape): [number, number, number] {
  const dims = shape.exampleShape;
  if (dims === undefined || (dims.length !== 2 && dims.length !== 3)) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `--model cnn needs image data with an example shape [height, width] or [height, width, channels] (got ${
        dims === undefined ? 'a tabular data set' : JSON.stringify(dims)
      })`,
      { subject: '--model' },
    );
  }
  const [height, width, channels = 1] = dims as [number, number, number?];
  if (height < 4 || width < 4) {
    throw new CohortError('INVALID_ARGUMENT', `--model cnn needs images of at least 4×4 pixels (got ${height}×${width})`, {
      subject: '--model',
    });
  }
  return [height, width, channels];
}

function parametersOf(layer: LayerPlan): ParameterPlan[] {
  if (layer.kind === 'dense') {
    return [
      param(`${layer.name}/kernel`, [layer.inputUnits, layer.units], layer.inputUnits, layer.units, 'kernel'),
      param(`${layer.name}/bias`, [layer.units], 0, 0, 'bias'),
    ];
  }
  if (layer.kind === 'conv2d') {
    const k = layer.kernelSize;
    // Keras' fans for a convolution kernel: receptive field × channels.
    return [
      param(`${layer.name}/kernel`, [k, k, layer.inputChannels, layer.filters], k * k * layer.inputChannels, k * k * layer.filters, 'kernel'),
      param(`${layer.name}/bias`, [layer.filters], 0, 0, 'bias'),
    ];
  }
  return [];
}

function param(name: string, shape: number[], fanIn: number, fanOut: number, role: 'kernel' | 'bias'): ParameterPlan {
  return { name, shape, size: shape.reduce((a, b) => a * b, 1), fanIn, fanOut, role };
}

/** A dense or conv2d layer: the layers with parameters. */
export type ParameterisedLayerPlan = Extract<LayerPlan, { kind: 'dense' | 'conv2d' }>;

/**
 * Sees each dense/conv2d layer's input and its output before the activation (bias included), and
 * returns the tensor the forward pass continues with. DP-SGD's per-sample clipping (dp-sgd/) adds a
 * zero probe there to get the gradient at each layer's output.
 */
export type LinearOutputTap = (layer: ParameterisedLayerPlan, input: tf.Tensor, output: tf.Tensor) => tf.Tensor;

/**
 * Logits for a batch `x` of shape [batch, numFeatures]. `training` selects gradient-friendly ops
 * (unfused, fast-gradient pooling); inference uses tfjs' fused bias + activation kernels. `tap`
 * (training only) observes the parameterised layers.
 */
export function forwardLogits(
  architecture: Architecture,
  parameters: readonly tf.Tensor[],
  x: tf.Tensor2D,
  training: boolean,
  tap?: LinearOutputTap,
): tf.Tensor2D {
  let h: tf.Tensor = x;
  let next = 0;
  const take = (): tf.Tensor => {
    const tensor = parameters[next++];
    if (tensor === undefined) throw new CohortError('INTERNAL', 'fewer parameter tensors than the architecture needs');
    return tensor;
  };
  const observe = (layer: ParameterisedLayerPlan, input: tf.Tensor, output: tf.Tensor): tf.Tensor =>
    tap === undefined ? output : tap(layer, input, output);
  for (const layer of architecture.layers) {
    switch (layer.kind) {
      case 'reshape':
        h = tf.reshape(h, [-1, ...layer.shape]);
        break;
      case 'dense': {
        const kernel = take() as tf.Tensor2D;
        const bias = take();
        h = training
          ? activate(observe(layer, h, addBias(tf.matMul(h as tf.Tensor2D, kernel), bias, true)), layer.activation)
          : fusedActivation(layer.activation) === undefined
            ? activate(tf.add(tf.matMul(h as tf.Tensor2D, kernel), bias), layer.activation)
            : tf.fused.matMul({ a: h as tf.Tensor2D, b: kernel, bias, activation: fusedActivation(layer.activation) });
        break;
      }
      case 'conv2d': {
        const kernel = take() as tf.Tensor4D;
        const bias = take();
        h = training
          ? activate(observe(layer, h, addBias(tf.conv2d(h as tf.Tensor4D, kernel, 1, 'same'), bias, true)), layer.activation)
          : fusedActivation(layer.activation) === undefined
            ? activate(tf.add(tf.conv2d(h as tf.Tensor4D, kernel, 1, 'same'), bias), layer.activation)
            : tf.fused.conv2d({ x: h as tf.Tensor4D, filter: kernel, strides: 1, pad: 'same', bias, activation: fusedActivation(layer.activation) });
        break;
      }
      case 'maxPool2d':
        h = maxPool2x2(h as tf.Tensor4D, training);
        break;
      case 'flatten':
        h = tf.reshape(h, [h.shape[0] as number, -1]);
        break;
    }
  }
  return h as tf.Tensor2D;
}

function activate(x: tf.Tensor, activation: LayerActivation): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'linear':
      return x;
  }
}

/** tfjs' fused kernels know relu and linear, not tanh (tfjs-core fused_types Activation). */
function fusedActivation(activation: LayerActivation): 'relu' | 'linear' | undefined {
  return activation === 'tanh' ? undefined : activation;
}
