export * from './fedavg.js';
export * from './fedprox.js';
export * from './parse.js';
export * from './adaptive/index.js';
