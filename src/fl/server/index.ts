// The network federation server: sessions, remote clients, the client pool and the round driver.
export * from './log.js';
export * from './remote-client.js';
export * from './client-pool.js';
export * from './round-guard.js';
export * from './counting-random.js';
export * from './weights-encoder.js';
export * from './session.js';
export * from './federation-server.js';
export * from './secagg-peers.js';
export * from './secure-aggregation.js';
export * from './network-secagg.js';
