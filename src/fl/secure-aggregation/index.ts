// Federated averaging under SecAgg+ (src/secagg): the server learns only the sum of masked client updates.
export * from './encoder.js';
export * from './encoder-config.js';
export * from './peers.js';
export * from './driver.js';
export * from './strategy.js';
export * from './client.js';
export * from './client-state.js';
export * from './stop-on-abort.js';
export * from './simulation.js';
export * from './summary.js';
export * from './distributed-discrete-gaussian.js';
export * from './hadamard-rotation.js';
export * from './conditional-rounding.js';
