export * from './server-optimizer.js';
export * from './fedavgm.js';
export * from './fedopt.js';
