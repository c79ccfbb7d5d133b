/** What a simulation result reports about its secure aggregation (`SimulationResult.secureAggregation`). */
import type { SecureAggregationSimulation } from './simulation.js';
import type { AbortedRound } from './stop-on-abort.js';

export interface SecureAggregationSummary {
  readonly protocol: 'SecAgg+';
  /** The encoder the clients masked with. */
  readonly encoder: string;
  readonly clientsPerRound: number;
  readonly neighbours: number;
  readonly threshold: number;
  readonly updateRange: number;
  /** Per aggregated round: how many clients' inputs the sum holds and who dropped out during the protocol. */
  readonly rounds: readonly { readonly round: number; readonly survivors: number; readonly dropped: readonly string[] }[];
  /** Present when a round lost too many clients and aborted: the run stopped with the model of the round before. */
  readonly abortedRound?: AbortedRound;
}

export function summarizeSecureAggregation(secure: SecureAggregationSimulation, abortedRound: AbortedRound | undefined): SecureAggregationSummary {
  const { resolved } = secure;
  return {
    protocol: 'SecAgg+',
    encoder: secure.encoder.name,
    clientsPerRound: resolved.clientsPerRound,
    neighbours: resolved.neighbours,
    threshold: resolved.threshold,
    updateRange: resolved.updateRange,
    rounds: secure.strategy.rounds.map((record) => ({ round: record.round, survivors: record.survivors.length, dropped: [...record.dropped] })),
    ...(abortedRound === undefined ? {} : { abortedRound }),
  };
}
