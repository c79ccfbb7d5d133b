// Encrypted prediction: a logistic-regression model scores Paillier-encrypted features.
export * from './servable-model.js';
export * from './evaluate.js';
export * from './protocol.js';
export * from './server.js';
export * from './client.js';
