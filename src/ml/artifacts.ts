/**
 * Models in the TensorFlow.js "layers-model" format (model.json topology + binary weights), so a
 * saved Cohort model also loads with `tf.loadLayersModel` in any tfjs program. The topology is
 * produced by tfjs-layers from our layer plan; the exported model ends in a softmax, so its
 * `predict` gives class probabilities. Cohort's own fields (spec, shape) travel in
 * `userDefinedMetadata.cohort`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { CohortError } from '../errors.js';
import type { Architecture, LayerPlan, ModelShape } from './architecture.js';
import { formatModelSpec, parseModelSpec } from './model-spec.js';
import { createModel, type TfModel } from './tf-model.js';

export const COHORT_MODEL_FORMAT_VERSION = 1;

export interface CohortModelMetadata {
  readonly formatVersion: number;
  /** The `--model` text, e.g. "mlp:256,128". */
  readonly spec: string;
  readonly numFeatures: number;
  readonly numClasses: number;
  readonly exampleShape?: readonly number[];
}

/** An equivalent tfjs-layers model (caller disposes). Weights are zero until set. */
export function toLayersModel(architecture: Architecture): tfl.Sequential {
  const model = tfl.sequential({ name: 'cohort_model' });
  const lastDense = architecture.layers.filter((layer) => layer.kind === 'dense').at(-1);
  architecture.layers.forEach((layer, i) => {
    const inputShape = i === 0 ? { inputShape: [architecture.shape.numFeatures] } : {};
    model.add(layerFor(layer, layer === lastDense, inputShape));
  });
  return model;
}

function layerFor(layer: LayerPlan, isOutput: boolean, inputShape: { inputShape?: number[] }): tfl.layers.Layer {
  const name = layer.name;
  switch (layer.kind) {
    case 'reshape':
      return tfl.layers.reshape({ targetShape: [...layer.shape], name, ...inputShape });
    case 'dense':
      return tfl.layers.dense({
        units: layer.units,
        activation: isOutput ? 'softmax' : layer.activation,
        kernelInitializer: 'zeros',
        name,
        ...inputShape,
      });
    case 'conv2d':
      return tfl.layers.conv2d({
        filters: layer.filters,
        kernelSize: layer.kernelSize,
        padding: 'same',
        activation: layer.activation,
        kernelInitializer: 'zeros',
        name,
        ...inputShape,
      });
    case 'maxPool2d':
      return tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name, ...inputShape });
    case 'flatten':
      return tfl.layers.flatten({ name, ...inputShape });
  }
}

/** The model as in-memory tfjs artifacts (topology, weight specs, one weight buffer, metadata). */
export async function toArtifacts(model: TfModel): Promise<tf.io.ModelArtifacts> {
  const weights = model.getWeights();
  const layersModel = toLayersModel(model.architecture);
  try {
    const tensors: tf.Tensor[] = [];
    let offset = 0;
    for (const parameter of model.architecture.parameters) {
      tensors.push(tf.tensor(weights.subarray(offset, offset + parameter.size), [...parameter.shape]));
      offset += parameter.size;
    }
    checkLayout(layersModel, model.architecture);
    layersModel.setWeights(tensors);
    for (const tensor of tensors) tensor.dispose();
    layersModel.setUserDefinedMetadata({ cohort: metadataOf(model) as unknown as Record<string, never> });
    let captured: tf.io.ModelArtifacts | undefined;
    await layersModel.save(
      tf.io.withSaveHandler(async (artifacts) => {
        captured = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    if (captured === undefined) throw new CohortError('INTERNAL', 'tfjs-layers did not produce model artifacts');
    return captured;
  } finally {
    layersModel.dispose();
  }
}

/** Our flat layout must be tfjs-layers' weight order; a mismatch is a bug, caught here. */
function checkLayout(layersModel: tfl.Sequential, architecture: Architecture): void {
  const names = layersModel.weights.map((w) => `${w.originalName}:${w.shape.join('x')}`);
  const expected = architecture.parameters.map((p) => `${p.name}:${p.shape.join('x')}`);
  if (names.join(',') !== expected.join(',')) {
    throw new CohortError('INTERNAL', `weight layout mismatch: tfjs-layers has ${names.join(',')}, Cohort expects ${expected.join(',')}`);
  }
}

function metadataOf(model: TfModel): CohortModelMetadata {
  const { numFeatures, numClasses, exampleShape } = model.shape;
  return {
    formatVersion: COHORT_MODEL_FORMAT_VERSION,
    spec: formatModelSpec(model.spec),
    numFeatures,
    numClasses,
    ...(exampleShape === undefined ? {} : { exampleShape: [...exampleShape] }),
  };
}

/** Rebuilds a model from artifacts written by `toArtifacts` / `saveModel`. */
export async function fromArtifacts(artifacts: tf.io.ModelArtifacts, source = 'model artifacts'): Promise<TfModel> {
  const invalid = (why: string): never => {
    throw new CohortError('INVALID_DATA', `${source} is not a Cohort model: ${why}`, { subject: source });
  };
  const metadata = artifacts.userDefinedMetadata?.['cohort'] as Partial<CohortModelMetadata> | undefined;
  if (metadata === undefined || typeof metadata !== 'object') return invalid('userDefinedMetadata.cohort is missing');
  if (metadata.formatVersion !== COHORT_MODEL_FORMAT_VERSION) return invalid(`unsupported formatVersion ${String(metadata.formatVersion)}`);
  if (typeof metadata.spec !== 'string') return invalid('metadata has no model spec');
  const shape: ModelShape = {
    numFeatures: metadata.numFeatures as number,
    numClasses: metadata.numClasses as number,
    ...(metadata.exampleShape === undefined ? {} : { exampleShape: metadata.exampleShape }),
  };
  const { weightSpecs, weightData } = artifacts;
  if (weightSpecs === undefined || weightData === undefined) return invalid('it has no weights');
  const model = await createModel(parseModelSpec(metadata.spec), shape, { seed: 0 });
  try {
    const parameters = model.architecture.parameters;
    if (weightSpecs.length !== parameters.length) {
      return invalid(`it has ${weightSpecs.length} weight tensors, ${metadata.spec} needs ${parameters.length}`);
    }
    const buffer = tf.io.CompositeArrayBuffer.join(weightData);
    const decoded = tf.io.decodeWeights(buffer, weightSpecs);
    try {
      const flat = new Float32Array(model.numParameters);
      let offset = 0;
      parameters.forEach((parameter, i) => {
        const spec = weightSpecs[i] as tf.io.WeightsManifestEntry;
        const tensor = decoded[spec.name];
        if (tensor === undefined || tensor.shape.join('x') !== parameter.shape.join('x')) {
          invalid(`weight ${spec.name} has shape [${tensor?.shape.join(', ') ?? '?'}], expected [${parameter.shape.join(', ')}]`);
        }
        flat.set((tensor as tf.Tensor).dataSync() as Float32Array, offset);
        offset += parameter.size;
      });
      model.setWeights(flat);
    } finally {
      for (const tensor of Object.values(decoded)) tensor.dispose();
    }
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
