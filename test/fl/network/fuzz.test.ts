// The frame decoder never throws anything but INVALID_DATA (CohortError), whatever the bytes:
// 100,000 random and mutated frames (seeded; mutations of valid frames of every kind).
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';
import { decodeFrame, encodeFrame } from '../../../src/fl/transport/frame.js';
import { ChallengeSchema, ErrorSchema, FitReplySchema, FitRequestSchema, HelloSchema, RoundConfigSchema } from '../../../src/fl/transport/gen/cohort_pb.js';
import { fromRoundConfig } from '../../../src/fl/transport/messages.js';
import { decodeTensor, encodeTensor } from '../../../src/fl/transport/tensor.js';

const seeds = [
  encodeFrame({ case: 'challenge', value: create(ChallengeSchema, { serverNonce: new Uint8Array(32).fill(7) }) }),
  encodeFrame({ case: 'hello', value: create(HelloSchema, { clientName: 'alice', clientNonce: new Uint8Array(32), proof: new Uint8Array(32), numExamples: 10n, numFeatures: 4 }) }),
  encodeFrame({ case: 'fitRequest', value: create(FitRequestSchema, { requestId: 3n, weights: encodeTensor(new Float32Array([1, 2, 3])), config: create(RoundConfigSchema, { round: 1, localEpochs: 1, batchSize: 2 }) }) }),
  encodeFrame({ case: 'fitReply', value: create(FitReplySchema, { requestId: 3n, weights: encodeTensor(new Float32Array([1, 2, 3])), numExamples: 5n, metrics: { trainLoss: 0.1 } }) }),
  encodeFrame({ case: 'error', value: create(ErrorSchema, { code: 'X', message: 'y' }) }),
];

function mutate(rng: SeededRandom, frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(frame);
  const kind = rng.uniformInt(4);
  if (kind === 0) for (let k = 0; k < 1 + rng.uniformInt(4); k++) out[rng.uniformInt(out.length)] = rng.uniformInt(256);
  if (kind === 1) return out.subarray(0, rng.uniformInt(out.length + 1));
  if (kind === 2) {
    const extra = new Uint8Array(1 + rng.uniformInt(16));
    rng.fillBytes(extra);
    const joined = new Uint8Array(out.length + extra.length);
    joined.set(out);
    joined.set(extra, out.length);
    return joined;
  }
  if (kind === 3) { const at = rng.uniformInt(out.length); out[at] = (out[at] as number) ^ (1 << rng.uniformInt(8)); }
  return out;
}

describe('frame decoder fuzz', () => {
  it('survives 100,000 random and mutated frames, failing only with INVALID_DATA', () => {
    const rng = new SeededRandom(20240501);
    let accepted = 0;
    for (let i = 0; i < 100_000; i++) {
      let frame: Uint8Array;
      if (i % 2 === 0) {
        frame = new Uint8Array(rng.uniformInt(64));
        rng.fillBytes(frame);
      } else frame = mutate(rng, seeds[i % seeds.length] as Uint8Array);
      try {
        const envelope = decodeFrame(frame, 1024);
        accepted++;
        // What a valid envelope carries is checked further by the handlers; they must fail cleanly too.
        if (envelope.body.case === 'fitRequest' || envelope.body.case === 'fitReply') {
          try {
            decodeTensor(envelope.body.value.weights, 'fuzz');
            if (envelope.body.case === 'fitRequest') fromRoundConfig(envelope.body.value.config);
          } catch (error) {
            expect(error).toBeInstanceOf(CohortError);
          }
        }
      } catch (error) {
        if (!(error instanceof CohortError) || error.code !== 'INVALID_DATA') throw new Error(`seed 20240501, frame ${i}: ${String(error)}`);
      }
    }
    // The mutations keep many frames valid, so the handlers' checks were exercised too.
    expect(accepted).toBeGreaterThan(1000);
  });

  it('refuses a frame over the size limit before parsing it', () => {
    expect(() => decodeFrame(new Uint8Array(2048), 1024)).toThrow(/exceeds the limit/);
  });
});
