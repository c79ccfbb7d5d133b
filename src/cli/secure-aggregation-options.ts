/**
 * The `--secure-aggregation` flags of `cohort simulate` (docs/secure-aggregation.md): the SecAgg+
 * threshold, neighbours and update range, checked while parsing (one line naming the flag and
 * value, exit 2); the checks against the client count run with the rest of the configuration.
 */
import type { Command } from 'commander';
import { CohortError } from '../errors.js';
import type { SecureAggregationSettings } from '../fl/secure-aggregation/index.js';
import type { SimulationResult } from '../fl/simulation/result.js';
import { numberFlag } from './parse-flags.js';

export interface SecureAggregationFlags {
  secureAggregation?: boolean;
  secaggThreshold?: number;
  secaggNeighbours?: number;
  secaggUpdateRange?: number;
}

export function addSecureAggregationOptions(command: Command): Command {
  return command
    .option('--secure-aggregation', 'SecAgg+: clients mask their updates and the server learns only their sum (FedAvg/FedProx only)')
    .option('--secagg-threshold <t>', 'shares needed to recover a dropped client, in (k/2, k] (default: from the clients per round)', numberFlag('--secagg-threshold', { integer: true, min: 1 }))
    .option('--secagg-neighbours <k>', 'neighbours of each client, below the clients per round (default: O(log n), Bell et al. 2020)', numberFlag('--secagg-neighbours', { integer: true, min: 1 }))
    .option('--secagg-update-range <r>', 'update coordinates are clipped to ±r before masking (default 1; clipped counts are reported)', numberFlag('--secagg-update-range', { greaterThan: 0 }));
}

/** The settings from the flags, or undefined without --secure-aggregation (then the other flags are refused). */
export function secureAggregationConfig(flags: SecureAggregationFlags): SecureAggregationSettings | undefined {
  if (flags.secureAggregation !== true) {
    const stray = (
      [
        ['--secagg-threshold', flags.secaggThreshold],
        ['--secagg-neighbours', flags.secaggNeighbours],
        ['--secagg-update-range', flags.secaggUpdateRange],
      ] as const
    ).find(([, value]) => value !== undefined);
    if (stray) throw new CohortError('INVALID_ARGUMENT', `${stray[0]} needs --secure-aggregation`, { subject: stray[0] });
    return undefined;
  }
  return {
    ...(flags.secaggThreshold === undefined ? {} : { threshold: flags.secaggThreshold }),
    ...(flags.secaggNeighbours === undefined ? {} : { neighbours: flags.secaggNeighbours }),
    ...(flags.secaggUpdateRange === undefined ? {} : { updateRange: flags.secaggUpdateRange }),
  };
}

/** The summary lines of a --secure-aggregation run: the protocol, its dropouts and an aborted round. */
export function formatSecureAggregation(result: SimulationResult): string[] {
  const secure = result.secureAggregation;
  if (!secure) return [];
  const dropouts = secure.rounds.reduce((sum, round) => sum + round.dropped.length, 0);
  const lines = [
    `secure aggregation: ${secure.protocol}, ${secure.clientsPerRound} clients per round, k = ${secure.neighbours} neighbours, threshold t = ${secure.threshold}, ${secure.encoder === 'weighted-fixed-point' ? `updates clipped to ±${secure.updateRange} (${secure.encoder})` : `encoder ${secure.encoder}`}; the server saw only sums; ${dropouts} dropout(s) recovered`,
  ];
  if (secure.abortedRound) {
    lines.push(`stopped early: round ${secure.abortedRound.round} lost too many clients and was aborted (nothing revealed); the model is round ${secure.abortedRound.round - 1}'s. ${secure.abortedRound.reason}`);
  }
  return lines;
}
