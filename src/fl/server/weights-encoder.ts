/**
 * Encodes the weights a round sends to many clients once. The round loop calls every sampled
 * client's `fit` with the same array in one synchronous pass (`runFederation`), so the encoding
 * is kept only until that pass ends (a microtask): identical arrays within the pass share one
 * encoding, and an array changed in place later can never be served from a stale cache.
 */
import { type EncodedWeights, encodeWeights } from '../transport/request-frames.js';

export class SharedWeightsEncoder {
  private last: { readonly weights: Float32Array; readonly encoded: EncodedWeights } | undefined;
  private encodings = 0;

  encode(weights: Float32Array): EncodedWeights {
    if (this.last?.weights === weights) return this.last.encoded;
    const encoded = encodeWeights(weights);
    this.encodings++;
    this.last = { weights, encoded };
    queueMicrotask(() => {
      this.last = undefined;
    });
    return encoded;
  }

  /** How many times a tensor was actually encoded (for tests and benchmarks). */
  get count(): number {
    return this.encodings;
  }
}

/** The process-wide encoder RemoteClients share by default. */
export const sharedWeightsEncoder = new SharedWeightsEncoder();
