// Exact samplers (Canonne, Kamath & Steinke 2020): public API.
export * from './rational.js';
export * from './integer-sampler.js';
export * from './discrete-laplace.js';
export * from './discrete-gaussian.js';
export * from './pmf.js';
export { bernoulliExp, bernoulliExpBig, bernoulliExpMinusOne, bernoulliRatio, bernoulliRatioBig } from './bernoulli.js';
export { RandomWords } from './random-words.js';
