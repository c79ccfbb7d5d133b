/**
 * The server round loop (McMahan et al. 2017, Algorithm 1, "Server executes"), transport-free:
 * each round the strategy picks clients and their configuration, the chosen clients train in
 * parallel, the strategy aggregates their weights, and the new global model is evaluated on the
 * held-out test set. Simulated and networked clients both plug in as `FederatedClient`s.
 */
import { type RandomSource, secureRandom } from '../crypto/random.js';
import { CohortError, check } from '../errors.js';
import type { Metrics } from '../ml/model.js';
import type { ClientFailure, EvaluateOutcome, FitOutcome, Strategy } from './strategy.js';
import type { ClientInfo, FederatedClient } from './types.js';

export interface RoundResult {
  readonly round: number;
  /** Test accuracy and loss of the new global model (absent without `evaluateGlobal`). */
  readonly accuracy?: number;
  readonly loss?: number;
  /** ROC AUC on the test set, binary tasks only. */
  readonly auc?: number;
  readonly evaluation?: Metrics;
  /** Ids of the clients whose results were aggregated, in instruction order. */
  readonly participants: readonly string[];
  readonly failures: readonly { readonly clientId: string; readonly message: string }[];
  /** Training examples behind this round's aggregate. */
  readonly numExamples: number;
  /** Example-weighted mean of the clients' training loss. */
  readonly trainLoss: number;
  /** Aggregated client-side evaluation, when the strategy asks for it. */
  readonly federatedEvaluation?: Readonly<Record<string, number>>;
  /** Other metrics returned by the strategy's aggregation. */
  readonly aggregateMetrics: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

/** Flower's ClientManager, reduced to what the loop needs: who can take part in a round. */
export interface ClientManager {
  /** The clients available for `round`; may wait until enough have connected. */
  available(round: number): readonly FederatedClient[] | Promise<readonly FederatedClient[]>;
}

export interface RunFederationOptions {
  readonly strategy: Strategy;
  /**
   * The participants: a fixed list (simulation), or a manager asked each round for the clients
   * available then (a network server whose clients come and go).
   */
  readonly clients: readonly FederatedClient[] | ClientManager;
  readonly rounds: number;
  readonly initialWeights: Float32Array;
  /** Centralised evaluation of the global weights after each round (round 0 = initial weights). */
  readonly evaluateGlobal?: (weights: Float32Array, round: number) => Promise<Metrics>;
  /** Called after each round, awaited before the next (progress bars, checkpoints). */
  readonly onRound?: (result: RoundResult) => void | Promise<void>;
  /** Source for client sampling and per-client seeds. Default: the CSPRNG. */
  readonly rng?: RandomSource;
  /** First round number, for resuming a run. Default 1. */
  readonly firstRound?: number;
  /** Stops the run between rounds. */
  readonly signal?: AbortSignal;
}

export interface FederationResult {
  readonly weights: Float32Array;
  readonly rounds: readonly RoundResult[];
  /** Evaluation of the initial weights, when `evaluateGlobal` is given. */
  readonly initial?: Metrics;
}

export async function runFederation(options: RunFederationOptions): Promise<FederationResult> {
  const { strategy, rounds, evaluateGlobal, onRound, signal } = options;
  check(Number.isInteger(rounds) && rounds >= 1, 'rounds', rounds, 'an integer ≥ 1');
  const manager: ClientManager = Array.isArray(options.clients) ? fixedClients(options.clients as readonly FederatedClient[]) : (options.clients as ClientManager);
  check(typeof manager?.available === 'function', 'clients', typeof options.clients, 'an array of clients or a ClientManager');
  check(options.initialWeights instanceof Float32Array, 'initialWeights', typeof options.initialWeights, 'a Float32Array');
  const firstRound = options.firstRound ?? 1;
  check(Number.isInteger(firstRound) && firstRound >= 1, 'firstRound', firstRound, 'an integer ≥ 1');
  const rng = options.rng ?? secureRandom();

  let weights = strategy.initialize ? await strategy.initialize(options.initialWeights) : options.initialWeights;
  const length = weights.length;
  const initial = evaluateGlobal ? await evaluateGlobal(weights, 0) : undefined;
  const results: RoundResult[] = [];

  for (let round = firstRound; round < firstRound + rounds; round++) {
    signal?.throwIfAborted();
    const started = performance.now();
    const { byId, infos } = indexClients(await manager.available(round));
    const context = { round, globalWeights: weights, clients: infos, rng };
    const instructions = await strategy.configureFit(context);
    if (instructions.length === 0 && strategy.allowsEmptyRounds !== true) {
      throw new CohortError('INVALID_ARGUMENT', `round ${round}: strategy ${strategy.name} chose no clients (only a strategy that allows empty rounds, such as DP-FedAvg with Poisson sampling, may)`, {
        subject: 'strategy',
      });
    }
    const chosen = instructions.map((instruction) => lookUp(byId, instruction.clientId, round));
    const settled = await Promise.allSettled(instructions.map((instruction, i) => (chosen[i] as FederatedClient).fit(instruction.weights, instruction.config)));
    const outcomes: FitOutcome[] = [];
    const failures: ClientFailure[] = [];
    settled.forEach((entry, i) => {
      const clientId = (instructions[i] as { clientId: string }).clientId;
      if (entry.status === 'fulfilled') outcomes.push({ clientId, ...entry.value });
      else failures.push({ clientId, error: entry.reason });
    });
    const aggregate = await strategy.aggregateFit({ round, globalWeights: weights, results: outcomes, failures });
    if (!(aggregate.weights instanceof Float32Array) || aggregate.weights.length !== length) {
      throw new CohortError('INTERNAL', `round ${round}: strategy ${strategy.name} returned ${aggregate.weights?.length} weights, expected ${length}`);
    }
    weights = aggregate.weights;

    const federatedEvaluation = await evaluateOnClients(strategy, { ...context, globalWeights: weights }, byId);
    const evaluation = evaluateGlobal ? await evaluateGlobal(weights, round) : undefined;
    let numExamples = 0;
    let lossSum = 0;
    for (const outcome of outcomes) {
      numExamples += outcome.numExamples;
      lossSum += outcome.numExamples * outcome.metrics.trainLoss;
    }
    const result: RoundResult = {
      round,
      ...(evaluation === undefined ? {} : { accuracy: evaluation.accuracy, loss: evaluation.loss, evaluation }),
      ...(evaluation?.auc === undefined ? {} : { auc: evaluation.auc }),
      participants: outcomes.map((outcome) => outcome.clientId),
      failures: failures.map((failure) => ({ clientId: failure.clientId, message: failure.error instanceof Error ? failure.error.message : String(failure.error) })),
      numExamples,
      trainLoss: numExamples > 0 ? lossSum / numExamples : Number.NaN,
      ...(federatedEvaluation === undefined ? {} : { federatedEvaluation }),
      aggregateMetrics: aggregate.metrics,
      durationMs: performance.now() - started,
    };
    results.push(result);
    await onRound?.(result);
  }
  return initial === undefined ? { weights, rounds: results } : { weights, rounds: results, initial };
}

function fixedClients(clients: readonly FederatedClient[]): ClientManager {
  check(clients.length >= 1, 'clients.length', clients.length, 'at least 1');
  indexClients(clients); // fail before the first round on duplicate ids
  return { available: () => clients };
}

function indexClients(clients: readonly FederatedClient[]): { byId: Map<string, FederatedClient>; infos: ClientInfo[] } {
  check(clients.length >= 1, 'available clients', clients.length, 'at least 1');
  const byId = new Map<string, FederatedClient>();
  for (const client of clients) {
    check(!byId.has(client.id), 'client id', client.id, 'unique');
    byId.set(client.id, client);
  }
  const infos = clients.map((client): ClientInfo => (client.numExamples === undefined ? { id: client.id } : { id: client.id, numExamples: client.numExamples }));
  return { byId, infos };
}

function lookUp(byId: Map<string, FederatedClient>, clientId: string, round: number): FederatedClient {
  const client = byId.get(clientId);
  if (!client) throw new CohortError('INTERNAL', `round ${round}: the strategy chose unknown client ${JSON.stringify(clientId)}`);
  return client;
}

async function evaluateOnClients(
  strategy: Strategy,
  context: Parameters<NonNullable<Strategy['configureEvaluate']>>[0],
  byId: Map<string, FederatedClient>,
): Promise<Readonly<Record<string, number>> | undefined> {
  if (!strategy.configureEvaluate || !strategy.aggregateEvaluate) return undefined;
  const instructions = await strategy.configureEvaluate(context);
  if (instructions.length === 0) return undefined;
  const settled = await Promise.allSettled(
    instructions.map((instruction) => {
      const client = lookUp(byId, instruction.clientId, context.round);
      if (!client.evaluate) return Promise.reject(new CohortError('UNSUPPORTED', `client ${JSON.stringify(client.id)} cannot evaluate`));
      return client.evaluate(instruction.weights, instruction.config);
    }),
  );
  const results: EvaluateOutcome[] = [];
  const failures: ClientFailure[] = [];
  settled.forEach((entry, i) => {
    const clientId = (instructions[i] as { clientId: string }).clientId;
    if (entry.status === 'fulfilled') results.push({ clientId, ...entry.value });
    else failures.push({ clientId, error: entry.reason });
  });
  return strategy.aggregateEvaluate({ round: context.round, results, failures });
}
