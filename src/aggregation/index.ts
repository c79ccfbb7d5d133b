// Aggregation: pure maths on Float32Array updates (no I/O, no randomness unless injected).
export * from './validate.js';
export * from './weighted-mean.js';
