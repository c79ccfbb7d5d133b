/**
 * Frames of the secure-aggregation exchange (proto/cohort.proto, Envelope fields 19 and 20). The
 * payload is opaque here: the bytes of one SecAgg+ stage message (src/secagg encodeServerMessage /
 * encodeClientMessage), validated by the state machines, not by the transport. `round` lets a
 * client refuse a stage request for a round it did not train in.
 */
import { create } from '@bufbuild/protobuf';
import { check } from '../../errors.js';
import { encodeFrame } from './frame.js';
import { SecAggReplySchema, SecAggRequestSchema } from './gen/cohort_pb.js';

export function secAggRequestFrame(requestId: bigint, round: number, payload: Uint8Array): Uint8Array {
  check(Number.isInteger(round) && round >= 0 && round < 2 ** 32, 'round', round, 'an integer in [0, 2^32)');
  check(payload instanceof Uint8Array, 'payload', typeof payload, 'a Uint8Array');
  return encodeFrame({ case: 'secaggRequest', value: create(SecAggRequestSchema, { requestId, round, payload }) });
}

export function secAggReplyFrame(requestId: bigint, payload: Uint8Array): Uint8Array {
  check(payload instanceof Uint8Array, 'payload', typeof payload, 'a Uint8Array');
  return encodeFrame({ case: 'secaggReply', value: create(SecAggReplySchema, { requestId, payload }) });
}
