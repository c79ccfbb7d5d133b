// Federated averaging over Paillier-encrypted, packed updates with threshold decryption of the sum.
export * from './plan.js';
export * from './messages.js';
export * from './client-encryption.js';
export * from './aggregator.js';
export * from './key-holder.js';
export * from './strategy.js';
export * from './encrypting-client.js';
export * from './simulation.js';
