// Request frames that splice one shared encoding of the weights decode to exactly the Envelope
// the generic encoder builds from the same fields, and a round encodes its weights once.
import { create, equals } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SharedWeightsEncoder } from '../../../src/fl/server/weights-encoder.js';
import { decodeFrame, encodeFrame } from '../../../src/fl/transport/frame.js';
import { EnvelopeSchema, EvaluateRequestSchema, FitRequestSchema } from '../../../src/fl/transport/gen/cohort_pb.js';
import { toRoundConfig, toWireExtra } from '../../../src/fl/transport/messages.js';
import { encodeWeights, evaluateRequestFrame, evaluateRequestParts, fitRequestFrame, fitRequestParts } from '../../../src/fl/transport/request-frames.js';
import { decodeTensor, encodeTensor } from '../../../src/fl/transport/tensor.js';

const config = { round: 7, localEpochs: 2, batchSize: 32, optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, seed: 12345, proximalMu: 0.01, extra: { clippingNorm: 1.5, mode: 'dp', on: true } } as const;

describe('spliced request frames', () => {
  it('a fit request decodes to the same Envelope as encodeFrame, for any weights length and request id', () => {
    fc.assert(
      fc.property(fc.float32Array({ noNaN: true, maxLength: 300 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (values, requestId) => {
        const spliced = decodeFrame(fitRequestFrame(requestId, encodeWeights(values), toRoundConfig(config)));
        const reference = decodeFrame(encodeFrame({ case: 'fitRequest', value: create(FitRequestSchema, { requestId, weights: encodeTensor(values), config: toRoundConfig(config) }) }));
        expect(equals(EnvelopeSchema, spliced, reference)).toBe(true);
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it('an evaluate request decodes to the same Envelope, with a weights field longer than one varint byte of length', () => {
    const values = Float32Array.from({ length: 100_000 }, (_, i) => Math.sin(i));
    const spliced = decodeFrame(evaluateRequestFrame(9n, encodeWeights(values), 3, toWireExtra({ a: 1 })));
    const reference = decodeFrame(encodeFrame({ case: 'evaluateRequest', value: create(EvaluateRequestSchema, { requestId: 9n, weights: encodeTensor(values), round: 3, extra: toWireExtra({ a: 1 }) }) }));
    expect(equals(EnvelopeSchema, spliced, reference)).toBe(true);
    if (spliced.body.case !== 'evaluateRequest') throw new Error('wrong body');
    expect(decodeTensor(spliced.body.value.weights, 'weights', values.length)).toEqual(values);
  });
});

describe('request frame parts', () => {
  it('concatenate to the frame, and the weights part is the shared encoding itself (no copy per request)', () => {
    const encoded = encodeWeights(new Float32Array([0.5, -2, 8]));
    const roundConfig = toRoundConfig(config);
    const [head, weights] = fitRequestParts(11n, encoded, roundConfig);
    expect(weights).toBe(encoded.field);
    expect(Buffer.concat([head, weights])).toEqual(Buffer.from(fitRequestFrame(11n, encoded, roundConfig)));
    const [evaluateHead, evaluateWeights] = evaluateRequestParts(12n, encoded, 2, {});
    expect(evaluateWeights).toBe(encoded.field);
    expect(Buffer.concat([evaluateHead, evaluateWeights])).toEqual(Buffer.from(evaluateRequestFrame(12n, encoded, 2, {})));
  });
});

describe('SharedWeightsEncoder', () => {
  it('encodes the same array once within one synchronous pass and afresh after it', async () => {
    const encoder = new SharedWeightsEncoder();
    const weights = new Float32Array([1, 2, 3]);
    const first = encoder.encode(weights);
    for (let i = 0; i < 999; i++) expect(encoder.encode(weights)).toBe(first);
    expect(encoder.count).toBe(1);
    encoder.encode(new Float32Array([1, 2, 3]));
    expect(encoder.count).toBe(2);
    await Promise.resolve();
    weights[0] = 42; // changed in place between rounds: must not be served stale
    const later = encoder.encode(weights);
    expect(encoder.count).toBe(3);
    const frame = decodeFrame(fitRequestFrame(1n, later, toRoundConfig(config)));
    if (frame.body.case !== 'fitRequest') throw new Error('wrong body');
    expect(decodeTensor(frame.body.value.weights, 'weights')[0]).toBe(42);
  });
});
