/**
 * Fit/evaluate request frames that share one encoding of the weights. A round sends the same
 * global weights to every sampled client; encoding the 4·n-byte tensor once and splicing it into
 * each client's frame (only the request id and round config differ) saves a tensor copy and a
 * protobuf pass per client.
 *
 * Splicing is sound because a protobuf message is the concatenation of its encoded fields, in any
 * order, and a length-delimited field is `tag ‖ varint(length) ‖ bytes` (Protocol Buffers
 * encoding guide, "Message Structure" and "Length-Delimited Records";
 * https://protobuf.dev/programming-guides/encoding/). The frame decodes to exactly the Envelope
 * `encodeFrame` would build from the same fields.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { check } from '../../errors.js';
import { PROTOCOL_VERSION } from './frame.js';
import { type ConfigValue, EvaluateRequestSchema, FitRequestSchema, type RoundConfig, TensorSchema } from './gen/cohort_pb.js';
import { encodeTensor } from './tensor.js';

/** Field numbers from proto/cohort.proto. */
const ENVELOPE_VERSION_FIELD = 1;
const ENVELOPE_FIT_REQUEST_FIELD = 13;
const ENVELOPE_EVALUATE_REQUEST_FIELD = 15;
/** `weights` is field 2 in both FitRequest and EvaluateRequest. */
const REQUEST_WEIGHTS_FIELD = 2;
const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

/** A weights vector encoded once as the `weights` field of a request message. */
export interface EncodedWeights {
  /** Number of float32 values. */
  readonly length: number;
  /** `tag(2, LEN) ‖ varint(size) ‖ Tensor bytes`, ready to splice into a request. */
  readonly field: Uint8Array;
}

export function encodeWeights(weights: Float32Array): EncodedWeights {
  check(weights instanceof Float32Array, 'weights', typeof weights, 'a Float32Array');
  const tensor = toBinary(TensorSchema, encodeTensor(weights));
  return { length: weights.length, field: lengthDelimited(REQUEST_WEIGHTS_FIELD, tensor) };
}

export function fitRequestFrame(requestId: bigint, weights: EncodedWeights, config: RoundConfig): Uint8Array {
  return joined(fitRequestParts(requestId, weights, config));
}

export function evaluateRequestFrame(requestId: bigint, weights: EncodedWeights, round: number, extra: Record<string, ConfigValue>): Uint8Array {
  return joined(evaluateRequestParts(requestId, weights, round, extra));
}

/**
 * The fit request frame as two parts whose concatenation is the frame: a small per-request head
 * and the shared weights field itself (not a copy), for `FrameConnection.send(parts)`.
 */
export function fitRequestParts(requestId: bigint, weights: EncodedWeights, config: RoundConfig): [Uint8Array, Uint8Array] {
  const head = toBinary(FitRequestSchema, create(FitRequestSchema, { requestId, config }));
  return [envelopeHead(ENVELOPE_FIT_REQUEST_FIELD, head, weights.field.length), weights.field];
}

export function evaluateRequestParts(requestId: bigint, weights: EncodedWeights, round: number, extra: Record<string, ConfigValue>): [Uint8Array, Uint8Array] {
  const head = toBinary(EvaluateRequestSchema, create(EvaluateRequestSchema, { requestId, round, extra }));
  return [envelopeHead(ENVELOPE_EVALUATE_REQUEST_FIELD, head, weights.field.length), weights.field];
}

/** `version ‖ tag(body, LEN) ‖ varint(size of head + weights) ‖ head`: everything before the weights field. */
function envelopeHead(bodyField: number, head: Uint8Array, weightsFieldLength: number): Uint8Array {
  const prefix = [...tag(ENVELOPE_VERSION_FIELD, WIRE_VARINT), ...varint(PROTOCOL_VERSION), ...tag(bodyField, WIRE_LENGTH_DELIMITED), ...varint(head.length + weightsFieldLength)];
  const out = new Uint8Array(prefix.length + head.length);
  out.set(prefix, 0);
  out.set(head, prefix.length);
  return out;
}

function joined(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function lengthDelimited(field: number, content: Uint8Array): Uint8Array {
  const prefix = [...tag(field, WIRE_LENGTH_DELIMITED), ...varint(content.length)];
  const out = new Uint8Array(prefix.length + content.length);
  out.set(prefix, 0);
  out.set(content, prefix.length);
  return out;
}

function tag(field: number, wireType: number): number[] {
  return varint(field * 8 + wireType);
}

/** Base-128 varint of a non-negative safe integer, least significant group first. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}
