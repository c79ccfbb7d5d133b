// Differential-privacy mechanisms: public API. Every mechanism returns { value, guarantee }.
export * from './guarantee.js';
export * from './gaussian-calibration.js';
export * from './grid.js';
export * from './discrete-gaussian-privacy.js';
export * from './integer-mechanisms.js';
export * from './laplace.js';
export * from './gaussian.js';
export * from './exponential.js';
