/**
 * Wraps a federated client for SecAgg+: `fit` trains, encodes its update Δ = trained − received
 * with the federation's encoder and keeps it for the round; what it returns carries no weights
 * (`new Float32Array(0)`). The encoded update leaves the client only masked, as the answer to the
 * server's maskedInput request through `handleSecAgg` (src/secagg SecAggClientRound).
 */
import type { RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';
import type { FederatedClient, FitConfig, FitResponse } from '../types.js';
import { SecAggClientState } from './client-state.js';
import { checkEncoderFitConfig } from './encoder-config.js';
import type { SecureUpdateEncoder } from './encoder.js';

const NO_WEIGHTS = new Float32Array(0);

export type SecureAggregationClient = FederatedClient & { handleSecAgg(request: Uint8Array): Promise<Uint8Array> };

/** Where a wrapped client's encoded update and protocol state live (this thread, or a worker: client-host.ts). */
export interface SecAggClientBackend {
  setInput(round: number, input: Uint32Array): void;
  handle(request: Uint8Array): Promise<Uint8Array>;
  /** Present when the backend encodes Δ itself, with the same encoder settings (takes ownership of `delta`). */
  encodeAndHold?(round: number, delta: Float32Array, numExamples: number): Promise<void>;
}

export function secureAggregationClient(inner: FederatedClient, options: { readonly encoder: SecureUpdateEncoder; readonly rng?: RandomSource }): SecureAggregationClient {
  check(typeof inner?.fit === 'function', 'inner', inner, 'a FederatedClient');
  return secureAggregationClientWith(inner, options.encoder, new SecAggClientState(inner.id, options.rng));
}

/** The wrapper with its protocol state in `backend` (e.g. a worker thread of the simulator). */
export function secureAggregationClientWith(inner: FederatedClient, encoder: SecureUpdateEncoder, backend: SecAggClientBackend): SecureAggregationClient {
  check(typeof inner?.fit === 'function', 'inner', inner, 'a FederatedClient');
  check(typeof encoder?.encode === 'function', 'encoder', encoder, 'a SecureUpdateEncoder');
  const client: SecureAggregationClient = {
    id: inner.id,
    ...(inner.numExamples === undefined ? {} : { numExamples: inner.numExamples }),
    fit: async (weights: Float32Array, config: FitConfig): Promise<FitResponse> => {
      checkEncoderFitConfig(encoder, config.extra, config.round);
      const trained = await inner.fit(weights, config);
      if (trained.weights.length !== weights.length) {
        throw new CohortError('INVALID_DATA', `client ${JSON.stringify(inner.id)} returned ${trained.weights.length} weights, expected ${weights.length}`, { subject: inner.id });
      }
      const delta = new Float32Array(weights.length);
      for (let i = 0; i < delta.length; i++) delta[i] = (trained.weights[i] as number) - (weights[i] as number);
      trained.weights.fill(0);
      if (backend.encodeAndHold !== undefined) {
        await backend.encodeAndHold(config.round, delta, trained.numExamples);
      } else {
        try {
          backend.setInput(config.round, await encoder.encode(delta, trained.numExamples, config.round));
        } finally {
          delta.fill(0);
        }
      }
      return { weights: NO_WEIGHTS, numExamples: trained.numExamples, metrics: trained.metrics };
    },
    handleSecAgg: (request) => backend.handle(request),
  };
  return inner.evaluate === undefined ? client : { ...client, evaluate: inner.evaluate.bind(inner) };
}
