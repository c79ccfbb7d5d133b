// Wire protocol and transport for networked federation.
export * from './frame.js';
export * from './tensor.js';
export * from './connection.js';
export * from './auth.js';
export * from './messages.js';
export * as wire from './gen/cohort_pb.js';
export * from './request-frames.js';
export * from './secagg-frames.js';
