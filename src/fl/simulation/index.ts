export * from './config.js';
export * from './executor.js';
export * from './local-executor.js';
export * from './clients.js';
export * from './centralized.js';
export * from './seeds.js';
export * from './result.js';
export * from './run.js';
