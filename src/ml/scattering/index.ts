// Data-independent image features: the 2-D scattering transform and per-example group normalisation (docs/scattering.md).
export { Fft, fft2d } from './fft.js';
export { filterAtResolution, filterBank, gabor2d, morlet2d, orientationAngle, type FilterBank, type Wavelet } from './filters.js';
export { Scattering2d, reflectIndex, scatteringChannels, type ScatteringOptions, type ScatteringPath } from './scattering.js';
export { GROUP_NORM_EPSILON, groupNormalize } from './group-norm.js';
export { imageGeometry, scatteringFeatures, scatteringFor, type ScatteringFeatureOptions } from './features.js';
