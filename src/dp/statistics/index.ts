// DP statistics: public API. Each returns { value, guarantee }.
export * from './common.js';
export * from './count.js';
export * from './sum.js';
export * from './mean-variance.js';
export * from './histogram.js';
export * from './quantile.js';
export * from './bounds.js';
