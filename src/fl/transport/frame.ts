/**
 * One frame = one protobuf `Envelope` (proto/cohort.proto). `decodeFrame` is the only door from
 * untrusted bytes into the program: it enforces the size limit before parsing, the protocol
 * version and that exactly one body is set, and turns every parser failure into INVALID_DATA —
 * it never throws anything else, whatever the input.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { CohortError } from '../../errors.js';
import { type Envelope, EnvelopeSchema } from './gen/cohort_pb.js';

export const PROTOCOL_VERSION = 1;
/** Default largest frame accepted: 64 MiB holds a 16-million-parameter float32 model. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

export type EnvelopeBody = Envelope['body'];
export type BodyCase = NonNullable<EnvelopeBody['case']>;

export function encodeFrame(body: EnvelopeBody): Uint8Array {
  return toBinary(EnvelopeSchema, create(EnvelopeSchema, { protocolVersion: PROTOCOL_VERSION, body }));
}

export function decodeFrame(bytes: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Envelope & { body: { case: BodyCase } } {
  if (!(bytes instanceof Uint8Array)) throw new CohortError('INVALID_DATA', 'frame: not binary', { subject: 'frame' });
  if (bytes.length > maxFrameBytes) throw new CohortError('INVALID_DATA', `frame: ${bytes.length} bytes exceeds the limit of ${maxFrameBytes}`, { subject: 'frame' });
  let envelope: Envelope;
  try {
    envelope = fromBinary(EnvelopeSchema, bytes);
  } catch (error) {
    throw new CohortError('INVALID_DATA', `frame: not a valid Envelope (${error instanceof Error ? error.message : String(error)})`, { subject: 'frame', cause: error });
  }
  if (envelope.protocolVersion !== PROTOCOL_VERSION) {
    throw new CohortError('INVALID_DATA', `frame: protocol version ${envelope.protocolVersion}, this side speaks ${PROTOCOL_VERSION}`, { subject: 'frame' });
  }
  if (envelope.body.case === undefined) throw new CohortError('INVALID_DATA', 'frame: empty Envelope (no body)', { subject: 'frame' });
  return envelope as Envelope & { body: { case: BodyCase } };
}
