// Public library entry point: re-exports each layer's public API.
export * from './errors.js';
export * from './crypto/random.js';
export * from './data/index.js';
