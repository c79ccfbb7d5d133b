/**
 * The network client's side of secure aggregation, one per connection (per Welcome): local
 * training goes through a secure client (src/fl/secure-aggregation `secureAggregationClient`),
 * which keeps the encoded update for the round and returns no weights, and the server's
 * SecAggRequest frames are answered by its `handleSecAgg`. A request is answered only for the
 * round this connection last trained in; a reconnection starts a new session with no state, so a
 * mask or share of an interrupted round is never reused (the server counts the client as a
 * dropout and redoes nothing with it).
 */
import { CohortError } from '../../errors.js';
import type { SecAggRequest, SecAggSettings } from '../transport/gen/cohort_pb.js';
import type { FederatedClient, FitConfig, FitResponse } from '../types.js';

/** A client whose fit returns no weights and whose update leaves only masked, through SecAgg stages. */
export type SecureClient = FederatedClient & { handleSecAgg(request: Uint8Array): Promise<Uint8Array> };

/** Builds the secure client around the local trainer from the server's Welcome settings. */
export type SecureClientFactory = (inner: FederatedClient, settings: SecAggSettings) => SecureClient;

export type LocalTrainer = (weights: Float32Array, config: FitConfig) => Promise<FitResponse>;

export class SecureAggregationSession {
  private readonly secure: SecureClient;
  private trainer: LocalTrainer | undefined;
  private fittedRound: number | undefined;

  constructor(clientId: string, numExamples: number, settings: SecAggSettings, factory: SecureClientFactory) {
    const inner: FederatedClient = {
      id: clientId,
      numExamples,
      fit: (weights, config) => {
        if (this.trainer === undefined) throw new CohortError('INTERNAL', 'secure aggregation: fit without a local trainer');
        return this.trainer(weights, config);
      },
    };
    this.secure = factory(inner, settings);
  }

  /** Trains with `trainer` through the secure client; the response carries no weights. */
  async fit(weights: Float32Array, config: FitConfig, trainer: LocalTrainer): Promise<FitResponse> {
    this.trainer = trainer;
    this.fittedRound = undefined;
    try {
      const response = await this.secure.fit(weights, config);
      if (response.weights.length !== 0) throw new CohortError('INTERNAL', `secure aggregation: the secure client returned ${response.weights.length} plain weights`);
      this.fittedRound = config.round;
      return response;
    } finally {
      this.trainer = undefined;
    }
  }

  /** The reply payload to one stage request; refuses a request for a round it did not train in. */
  handle(request: SecAggRequest): Promise<Uint8Array> {
    if (this.fittedRound === undefined || request.round !== this.fittedRound) {
      return Promise.reject(
        new CohortError('INVALID_DATA', `secure-aggregation request for round ${request.round}, but this connection ${this.fittedRound === undefined ? 'has trained in no round' : `last trained in round ${this.fittedRound}`}`, { subject: 'round' }),
      );
    }
    return this.secure.handleSecAgg(request.payload);
  }
}
