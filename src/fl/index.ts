// Federated learning: strategies, the server round loop, client runtime and simulation.
export * from './types.js';
export * from './strategy.js';
export * from './sampling.js';
export * from './server.js';
export * from './client.js';
export * from './strategies/index.js';
export * from './simulation/index.js';
