/**
 * Wraps a federated client for SecAgg+: `fit` trains, encodes its update Δ = trained − received
 * with the federation's encoder and keeps it for the round; what it returns carries no weights
 * (`new Float32Array(0)`). The encoded update leaves the client only masked, as the answer to the
 * server's maskedInput request through `handleSecAgg` (src/secagg SecAggClientRound).
 */
import { secureRandom, type RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';
import { decodeServerMessage, encodeClientMessage, SecAggClientRound } from '../../secagg/index.js';
import type { FederatedClient, FitResponse } from '../types.js';
import { checkEncoderFitConfig } from './encoder-config.js';
import type { SecureUpdateEncoder } from './encoder.js';

const NO_WEIGHTS = new Float32Array(0);

export type SecureAggregationClient = FederatedClient & { handleSecAgg(request: Uint8Array): Promise<Uint8Array> };

export function secureAggregationClient(inner: FederatedClient, options: { readonly encoder: SecureUpdateEncoder; readonly rng?: RandomSource }): SecureAggregationClient {
  check(typeof inner?.fit === 'function', 'inner', inner, 'a FederatedClient');
  check(typeof options?.encoder?.encode === 'function', 'encoder', options?.encoder, 'a SecureUpdateEncoder');
  const { encoder } = options;
  const rng = options.rng ?? secureRandom();
  /** The encoded update of the last fit, waiting for its round's maskedInput request. */
  let pending: { readonly round: number; readonly input: Uint32Array } | undefined;
  let session: SecAggClientRound | undefined;

  const forget = () => {
    pending?.input.fill(0);
    pending = undefined;
  };

  const client: SecureAggregationClient = {
    id: inner.id,
    ...(inner.numExamples === undefined ? {} : { numExamples: inner.numExamples }),
    fit: async (weights, config): Promise<FitResponse> => {
      checkEncoderFitConfig(encoder, config.extra, config.round);
      const trained = await inner.fit(weights, config);
      if (trained.weights.length !== weights.length) {
        throw new CohortError('INVALID_DATA', `client ${JSON.stringify(inner.id)} returned ${trained.weights.length} weights, expected ${weights.length}`, { subject: inner.id });
      }
      const delta = new Float32Array(weights.length);
      for (let i = 0; i < delta.length; i++) delta[i] = (trained.weights[i] as number) - (weights[i] as number);
      trained.weights.fill(0);
      try {
        const input = await encoder.encode(delta, trained.numExamples, config.round);
        forget();
        session = undefined;
        pending = { round: config.round, input };
      } finally {
        delta.fill(0);
      }
      return { weights: NO_WEIGHTS, numExamples: trained.numExamples, metrics: trained.metrics };
    },
    handleSecAgg: async (request) => {
      const message = decodeServerMessage(request);
      if (pending === undefined || message.round !== pending.round) {
        throw new CohortError(
          'INVALID_DATA',
          `client ${JSON.stringify(inner.id)}: ${message.stage} request of round ${message.round}, but ${pending === undefined ? 'it holds no update (it did not train)' : `it trained in round ${pending.round}`}`,
          { subject: 'round' },
        );
      }
      if (message.stage === 'setup') {
        // One protocol run per trained update: a second setup would mask the same input again
        // under fresh keys, giving a (malicious) server two chances to unmask it.
        if (session !== undefined) throw new CohortError('INVALID_DATA', `client ${JSON.stringify(inner.id)}: a second setup request for round ${message.round}`, { subject: 'setup' });
        session = new SecAggClientRound(inner.id, rng);
      }
      if (session === undefined) throw new CohortError('INVALID_DATA', `client ${JSON.stringify(inner.id)}: ${message.stage} request before setup`, { subject: message.stage });
      if (message.stage === 'maskedInput') session.setInput(pending.input);
      const reply = await session.handle(message);
      // The masked input has left: the plain encoding is no longer needed (the round marker stays for unmask).
      if (message.stage === 'maskedInput') pending.input.fill(0);
      return encodeClientMessage(reply);
    },
  };
  return inner.evaluate === undefined ? client : { ...client, evaluate: inner.evaluate.bind(inner) };
}
