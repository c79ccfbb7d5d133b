// Public API of the ml layer: models on TensorFlow.js, local training, metrics, model files.
export * from './model.js';
export { initBackend, currentBackend, type BackendName, type BackendOptions } from './backend.js';
export { setFastGradients, fastGradientsEnabled, installFastGradients } from './fast-gradients.js';
export { parseModelSpec, formatModelSpec, hiddenActivationOf, HIDDEN_ACTIVATIONS, MAX_HIDDEN_UNITS } from './model-spec.js';
export {
  buildArchitecture,
  forwardLogits,
  validateShape,
  CNN_FILTERS,
  CNN_KERNEL_SIZE,
  CNN_DENSE_UNITS,
  type Architecture,
  type LayerPlan,
  type ModelShape,
  type ParameterPlan,
} from './architecture.js';
export { initialWeights } from './init.js';
export { computeMetrics, rocAuc, LOG_EPSILON } from './metrics.js';
export { createOptimizer } from './optimizer.js';
export { crossEntropyLoss, PREDICT_BATCH_SIZE } from './train-loop.js';
export { TfModel, createModel, type CreateModelOptions } from './tf-model.js';
export { toArtifacts, fromArtifacts, toLayersModel, COHORT_MODEL_FORMAT_VERSION, type CohortModelMetadata } from './artifacts.js';
export { fileIOHandler, saveModel, loadModel, MODEL_JSON, WEIGHTS_BIN } from './model-files.js';
export * from './dp-sgd/index.js';
export * from './scattering/index.js';
