/**
 * The `--secure-aggregation` flags of `cohort server` (docs/network.md, docs/secure-aggregation.md):
 * the simulator's three (threshold, neighbours, update range) plus what a network run must fix
 * when it starts — the most clients in a round, the example count of weight 1 and the deadline of
 * each SecAgg+ stage. Bad values and combinations exit 2 with one line naming the flag.
 */
import type { Command } from 'commander';
import { CohortError } from '../errors.js';
import { DEFAULT_NETWORK_WEIGHT_CAP, type NetworkSecureAggregationOptions } from '../fl/server/network-secagg.js';
import { numberFlag } from './parse-flags.js';
import { addSecureAggregationOptions, secureAggregationConfig, type SecureAggregationFlags } from './secure-aggregation-options.js';

export interface ServerSecureAggregationFlags extends SecureAggregationFlags {
  secaggMaxClients?: number;
  secaggWeightCap?: number;
  secaggStageDeadline?: number;
}

export function addServerSecureAggregationOptions(command: Command): Command {
  return addSecureAggregationOptions(command)
    .option('--secagg-max-clients <n>', 'most clients in one round; the server admits no more (default: the registered clients, at least --min-clients)', numberFlag('--secagg-max-clients', { integer: true, min: 2 }))
    .option('--secagg-weight-cap <n>', `example count of weight 1 in the masked weighted mean; clients announcing more are refused (default ${DEFAULT_NETWORK_WEIGHT_CAP})`, numberFlag('--secagg-weight-cap', { integer: true, min: 1 }))
    .option('--secagg-stage-deadline <seconds>', 'deadline of each SecAgg+ stage; a client that misses it is a dropout (default: --deadline)', numberFlag('--secagg-stage-deadline', { greaterThan: 0 }));
}

/**
 * The SecAgg+ settings of a server run, or undefined without --secure-aggregation (then its other
 * flags are refused). `registeredClients` = active clients in the database, the default maxClients.
 */
export function serverSecureAggregationConfig(
  flags: ServerSecureAggregationFlags,
  run: { minClients: number; registeredClients: number; deadlineSeconds: number },
): NetworkSecureAggregationOptions | undefined {
  const base = secureAggregationConfig(flags);
  if (base === undefined) {
    const stray = (
      [
        ['--secagg-max-clients', flags.secaggMaxClients],
        ['--secagg-weight-cap', flags.secaggWeightCap],
        ['--secagg-stage-deadline', flags.secaggStageDeadline],
      ] as const
    ).find(([, value]) => value !== undefined);
    if (stray) throw new CohortError('INVALID_ARGUMENT', `${stray[0]} needs --secure-aggregation`, { subject: stray[0] });
    return undefined;
  }
  if (run.minClients < 2) {
    throw new CohortError('INVALID_ARGUMENT', `--secure-aggregation needs --min-clients of at least 2 (got ${run.minClients}): the sum of one update is that update`, { subject: '--min-clients' });
  }
  const maxClients = flags.secaggMaxClients ?? Math.max(run.minClients, run.registeredClients);
  if (maxClients < run.minClients) {
    throw new CohortError('INVALID_ARGUMENT', `--secagg-max-clients ${maxClients} is below --min-clients ${run.minClients}: no round could start`, { subject: '--secagg-max-clients' });
  }
  if (base.neighbours !== undefined && base.neighbours >= run.minClients) {
    throw new CohortError('INVALID_ARGUMENT', `--secagg-neighbours ${base.neighbours} must be below --min-clients ${run.minClients} (each client's neighbours are other clients of its round)`, { subject: '--secagg-neighbours' });
  }
  return {
    ...base,
    maxClients,
    ...(flags.secaggWeightCap === undefined ? {} : { weightCap: flags.secaggWeightCap }),
    stageDeadlineMs: (flags.secaggStageDeadline ?? run.deadlineSeconds) * 1000,
  };
}
