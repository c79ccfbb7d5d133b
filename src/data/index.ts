// Public API of the data layer: loaders, bundled data sets, splits, standardisation, partitioners.
export * from './dataset.js';
export * from './csv-parse.js';
export * from './csv.js';
export * from './idx.js';
export * from './package-root.js';
export * from './bundled.js';
export * from './load.js';
export * from './split.js';
export * from './standardize.js';
export * from './sampling.js';
export * from './partition-spec.js';
export * from './partition.js';
