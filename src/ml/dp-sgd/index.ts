// DP-SGD: per-sample clipping by ghost norms, Poisson batches, background Gaussian noise (docs/dp-sgd.md).
export {
  DpSgdTrainer,
  batchGeometry,
  runDpSgdSteps,
  validateDpSgdOptions,
  type BatchSampling,
  type DpSgdOptions,
  type DpSgdPrivacyEvent,
  type DpSgdRunResult,
  type DpSgdStepResult,
} from './dp-sgd.js';
export {
  GHOST_LAYER_KINDS,
  clippedGradientSum,
  linearOutputShapes,
  perExampleClippedSum,
  planClipping,
  summedCrossEntropy,
  validateClippingOptions,
  type ClippedGradients,
  type ClippingOptions,
  type ClippingPlan,
} from './clipped-gradients.js';
export { convClipper, convolutionNormCosts, denseClipper, type ConvolutionNorms, type LayerClipper } from './layer-clippers.js';
export { samePatches, samePadding } from './patches.js';
export { poissonBatch, randomOrder } from './batch-sampling.js';
export {
  InlineGaussianNoise,
  createGaussianNoise,
  fillGaussian,
  validateNoiseOptions,
  ZIGGURAT_R,
  type GaussianNoiseOptions,
  type GaussianNoiseSource,
  type NoiseConstruction,
} from './gaussian-noise.js';
