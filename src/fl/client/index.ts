// The network client runtime.
export * from './token.js';
export * from './network-client.js';
