/**
 * SecAgg+ (src/fl/secure-aggregation) for the network server: the weighted fixed-point encoder
 * with settings fixed when the server starts (clients join over time, and every one must be told
 * the same encoder in its Welcome), wrapped around FedAvg/FedProx with the server's peers.
 */
import type { RandomSource } from '../../crypto/random.js';
import { DEFAULT_UPDATE_RANGE, SecureAggregation, WeightedFixedPointEncoder, checkThreshold } from '../secure-aggregation/index.js';
import type { ServerSecureAggregation } from './secure-aggregation.js';

/**
 * Default example count of weight 1 on the network (w_k = n_k / weightCap): clients announcing more
 * are refused at their Hello. The server cannot know the largest client when it starts; a cap close
 * to it gives the finest quantisation (docs/secure-aggregation.md, "Over the network").
 */
export const DEFAULT_NETWORK_WEIGHT_CAP = 1_000_000;

export interface NetworkSecureAggregationOptions {
  /** Update coordinates are clipped to ±updateRange (default 1). */
  readonly updateRange?: number;
  /** Most clients in one round: the fixed-point headroom, and how many clients the server admits. */
  readonly maxClients: number;
  /** Example count of weight 1 (default DEFAULT_NETWORK_WEIGHT_CAP). */
  readonly weightCap?: number;
  /** Shares needed to recover a dropped client (default: from each round's client count). */
  readonly threshold?: number;
  /** Neighbours of each client (default: O(log n) of each round's client count). */
  readonly neighbours?: number;
  /** Deadline of each SecAgg+ stage, ms (default: SecureAggregation's). */
  readonly stageDeadlineMs?: number;
  /** Session ids and the server's protocol randomness (default: the CSPRNG). */
  readonly rng?: RandomSource;
}

/** SecAgg+ with the weighted fixed-point encoder, for `FederationServerOptions.secureAggregation`. */
export function networkSecureAggregation(options: NetworkSecureAggregationOptions): ServerSecureAggregation {
  const weightCap = options.weightCap ?? DEFAULT_NETWORK_WEIGHT_CAP;
  if (options.threshold !== undefined && options.neighbours !== undefined) checkThreshold(options.threshold, options.neighbours, { threshold: '--secagg-threshold', neighbours: '--secagg-neighbours' });
  const encoder = new WeightedFixedPointEncoder({ updateRange: options.updateRange ?? DEFAULT_UPDATE_RANGE, maxClients: options.maxClients, weightCap });
  return {
    settings: { encoder: encoder.name, updateRange: encoder.updateRange, maxClients: encoder.maxClients, weightCap },
    wrap: (inner, peers) =>
      new SecureAggregation(inner, {
        peers,
        encoder,
        ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
        ...(options.neighbours === undefined ? {} : { neighbours: options.neighbours }),
        ...(options.stageDeadlineMs === undefined ? {} : { stageDeadlineMs: options.stageDeadlineMs }),
        ...(options.rng === undefined ? {} : { rng: options.rng }),
      }),
  };
}

