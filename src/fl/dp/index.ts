// Private federated learning: DP-FedAvg (user level), adaptive clipping, local DP, enforced budgets (docs/dp-federated.md).
export * from './clipping.js';
export * from './gaussian-noise.js';
export * from './poisson-sampling.js';
export * from './adaptive-clipping.js';
export * from './accounting.js';
export * from './fit-config-keys.js';
export * from './dp-fedavg.js';
export * from './client-fit.js';
export * from './round-budget.js';
export * from './budget-gate.js';
export * from './budgeted-federation.js';
export * from './local-dp.js';
export * from './owner-budget.js';
