// Noise calibration: the noise multiplier for a target (ε, δ).
export * from './noise-multiplier.js';
export * from './distributed-discrete-gaussian.js';
