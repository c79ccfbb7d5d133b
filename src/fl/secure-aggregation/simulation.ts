/**
 * SecAgg+ inside one process (the simulator): every client is wrapped by
 * `secureAggregationClient`, and the server strategy reaches the wrappers' SecAgg handlers through
 * `InProcessSecAggPeers`, which passes encoded bytes as a network would.
 *
 * Where things live: with worker threads, a client's model trains in a worker and its trained
 * weights come back to the main thread, where its SecAgg wrapper sits next to the worker proxy
 * and encodes the update. With `clientThreads` > 0 the encoded update is then transferred to a
 * SecAgg client thread (client-host.ts) that holds the client's protocol state and masks it;
 * with 0 that state stays in the main thread. Either way the plain update passes through the
 * main thread's memory, as everything does in a one-process simulation, but it never reaches the
 * server-side code: the strategy receives empty weights and, through the peers, masked inputs only.
 */
import type { RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';
import { defaultNeighbours, defaultThreshold } from '../../secagg/index.js';
import { sampleSize } from '../sampling.js';
import { parseStrategySpec } from '../strategies/parse.js';
import type { Strategy } from '../strategy.js';
import type { FederatedClient } from '../types.js';
import { secureAggregationClient, secureAggregationClientWith, type SecureAggregationClient } from './client.js';
import type { SecAggClientHost } from './client-host.js';
import { DEFAULT_UPDATE_RANGE, WeightedFixedPointEncoder, type SecureUpdateEncoder } from './encoder.js';
import { SIMULATED_CLIENTS_AT_ONCE } from './limiter.js';
import { InProcessSecAggPeers, type SecAggDropoutHook } from './peers.js';
import { checkSecureAggregationSupports, checkThreshold, SecureAggregation } from './strategy.js';

/** How long a simulated stage may take (default of setUpSecureAggregationSimulation): 10 minutes. */
export const SIMULATION_STAGE_DEADLINE_MS = 600_000;

/** `SimulationConfig.secureAggregation` (`cohort simulate --secure-aggregation`). */
export interface SecureAggregationSettings {
  /** Shares needed to recover a dropped client, in (k/2, k]. Default: defaultThreshold(m, k). */
  readonly threshold?: number;
  /** Neighbours k of each client, below the clients per round m. Default: defaultNeighbours(m). */
  readonly neighbours?: number;
  /** Update coordinates are clipped to ±updateRange (default 1). */
  readonly updateRange?: number;
}

/** The settings of a run, resolved for m clients per round (what the strategy name and the result show). */
export interface ResolvedSecureAggregation {
  readonly clientsPerRound: number;
  readonly neighbours: number;
  readonly threshold: number;
  readonly updateRange: number;
}

/**
 * Checks the settings against the clients per round, naming the CLI flags: k < m, k/2 < t ≤ k,
 * a positive range. Throws INVALID_ARGUMENT.
 */
export function resolveSecureAggregation(settings: SecureAggregationSettings, clientsPerRound: number): ResolvedSecureAggregation {
  check(typeof settings === 'object' && settings !== null, 'secureAggregation', settings, 'an object');
  const m = clientsPerRound;
  if (m < 2) {
    throw new CohortError('INVALID_ARGUMENT', `--secure-aggregation needs at least 2 clients per round (got ${m}): the sum of one update is that update`, { subject: '--clients' });
  }
  const { threshold, neighbours } = settings;
  const updateRange = settings.updateRange ?? DEFAULT_UPDATE_RANGE;
  check(Number.isFinite(updateRange) && updateRange > 0, '--secagg-update-range', updateRange, 'a finite number > 0');
  if (neighbours !== undefined) {
    check(Number.isInteger(neighbours) && neighbours >= 1, '--secagg-neighbours', neighbours, 'an integer ≥ 1');
    if (neighbours >= m) {
      throw new CohortError('INVALID_ARGUMENT', `--secagg-neighbours ${neighbours} must be below the ${m} clients per round (each client's neighbours are other clients)`, {
        subject: '--secagg-neighbours',
      });
    }
    if (neighbours % 2 !== 0 && neighbours !== m - 1) {
      throw new CohortError('INVALID_ARGUMENT', `--secagg-neighbours ${neighbours} must be even (k/2 ring neighbours on each side; Bell et al. 2020) or ${m - 1} (every other client of the ${m} per round)`, {
        subject: '--secagg-neighbours',
      });
    }
  }
  if (threshold !== undefined) check(Number.isInteger(threshold) && threshold >= 1, '--secagg-threshold', threshold, 'an integer ≥ 1');
  const k = neighbours ?? defaultNeighbours(m);
  const t = threshold ?? defaultThreshold(m, k);
  checkThreshold(t, k, { threshold: '--secagg-threshold', neighbours: neighbours === undefined ? 'the default --secagg-neighbours' : '--secagg-neighbours' });
  return { clientsPerRound: m, neighbours: k, threshold: t, updateRange };
}

/**
 * The simulation-level checks of `--secure-aggregation` (before any data is loaded): its settings
 * against the clients per round, and the combinations that cannot work on a sum.
 */
export function checkSecureAggregationConfig(config: {
  readonly clients: number;
  readonly fraction: number;
  readonly strategy: string;
  readonly aggregation?: string;
  readonly dp?: { readonly level: string };
  readonly secureAggregation?: SecureAggregationSettings;
}): void {
  if (config.secureAggregation === undefined) return;
  if (config.aggregation !== undefined && config.aggregation !== 'mean') {
    throw new CohortError(
      'UNSUPPORTED',
      `--secure-aggregation cannot be combined with --aggregation ${config.aggregation}: both hide the individual updates from the server, choose one`,
      { subject: '--aggregation' },
    );
  }
  const kind = parseStrategySpec(config.strategy, '--strategy').kind;
  if (kind !== 'fedavg' && kind !== 'fedprox') {
    throw new CohortError(
      'UNSUPPORTED',
      `--strategy ${config.strategy} cannot be used with --secure-aggregation: it wraps fedavg and fedprox only (it replaces the aggregation by the mean decoded from the masked sum; server optimisers on that mean are not wired up)`,
      { subject: '--strategy' },
    );
  }
  if (config.dp?.level === 'user') {
    throw new CohortError(
      'UNSUPPORTED',
      '--secure-aggregation cannot be combined with --dp user: DP-FedAvg clips every update on the server, which would need the individual updates (--dp sample works: clients train with DP-SGD, then mask)',
      { subject: '--dp' },
    );
  }
  resolveSecureAggregation(config.secureAggregation, sampleSize(config.clients, config.fraction));
}

export interface SecureAggregationSimulation {
  readonly strategy: SecureAggregation;
  readonly clients: readonly SecureAggregationClient[];
  readonly encoder: SecureUpdateEncoder;
  readonly resolved: ResolvedSecureAggregation;
  /** Stops the SecAgg client threads, if any. */
  close(): Promise<void>;
}

export async function setUpSecureAggregationSimulation(options: {
  readonly settings: SecureAggregationSettings;
  readonly strategy: Strategy;
  readonly clients: readonly FederatedClient[];
  /** The clients' sampling fraction per round (default 1): fixes m, the clients per round. */
  readonly fraction?: number;
  /** What the clients mask (default: weighted fixed point with the largest client as weight cap). */
  readonly encoder?: SecureUpdateEncoder;
  /** How long the server waits for one stage. */
  readonly stageDeadlineMs?: number;
  /** FOR TESTS: make clients drop at chosen stages. */
  readonly dropout?: SecAggDropoutHook;
  /**
   * Worker threads that host the clients' SecAgg+ state and do their protocol work (default 0:
   * all in this thread). Client threads always use the CSPRNG.
   */
  readonly clientThreads?: number;
  /** Protocol randomness of the server and the in-thread clients, and the encoder's rounding (default: the CSPRNG). */
  readonly rng?: RandomSource;
}): Promise<SecureAggregationSimulation> {
  const { clients } = options;
  checkSecureAggregationSupports(options.strategy);
  check(clients.length >= 2, 'clients.length', clients.length, 'at least 2');
  const resolved = resolveSecureAggregation(options.settings, sampleSize(clients.length, options.fraction ?? 1, options.strategy.options.minClients));
  const rng = options.rng === undefined ? {} : { rng: options.rng };
  let encoder = options.encoder;
  if (encoder === undefined) {
    const sizes = clients.map((client) => client.numExamples);
    check(
      sizes.every((size) => size !== undefined),
      'clients',
      'without numExamples',
      'clients that announce their example counts (the weight cap is the largest)',
    );
    encoder = new WeightedFixedPointEncoder({ updateRange: resolved.updateRange, maxClients: resolved.clientsPerRound, weightCap: Math.max(...(sizes as number[])) }, rng);
  }
  const threads = Math.min(options.clientThreads ?? 0, clients.length);
  // Loaded only when used, so that browser bundles never see node:worker_threads.
  // A weighted fixed-point encoder is rebuilt in the threads from its settings, so they encode too.
  const hostOptions = encoder instanceof WeightedFixedPointEncoder ? { encoder: encoder.settings } : {};
  const host: SecAggClientHost | undefined = threads > 0 ? new (await import('./client-host.js')).SecAggClientHost(threads, hostOptions) : undefined;
  await host?.ready();
  const wrapped = clients.map((client) =>
    host === undefined ? secureAggregationClient(client, { encoder, ...rng }) : secureAggregationClientWith(client, encoder, host.backend(client.id)),
  );
  // In-thread clients are bounded here; thread-hosted ones by their thread (client-worker.ts).
  const peers = new InProcessSecAggPeers(wrapped, {
    ...(options.dropout === undefined ? {} : { dropout: options.dropout }),
    ...(host === undefined ? { clientsAtOnce: SIMULATED_CLIENTS_AT_ONCE } : {}),
  });
  const strategy = new SecureAggregation(options.strategy, {
    peers,
    encoder,
    threshold: resolved.threshold,
    neighbours: resolved.neighbours,
    // In-process clients only vanish through the dropout hook; a busy machine must not turn slow clients into dropouts.
    stageDeadlineMs: options.stageDeadlineMs ?? SIMULATION_STAGE_DEADLINE_MS,
    ...rng,
  });
  return { strategy, clients: wrapped, encoder, resolved, close: async () => host?.close() };
}
