// The network client runtime.
export * from './token.js';
export * from './network-client.js';
export * from './secure-session.js';
export * from './secure-client.js';
