/**
 * `cohort server`'s engine: HTTP and WebSocket on one port (fastify + @fastify/websocket, TLS when
 * given a certificate and key), the round loop — the same `runFederation` and strategies as the
 * simulator, reached through `ClientPool` and `RemoteClient` — and a checkpoint of every completed
 * round in SQLite. A round with fewer than `minClients` valid replies is retried from the last
 * checkpoint; `resume` continues a run after a crash from its last completed round.
 */
import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { CohortError, check } from '../../errors.js';
import type { BudgetLedger } from '../../dp/budget-ledger.js';
import type { Metrics } from '../../ml/model.js';
import type { FederationStateStore } from '../../store/federation-state.js';
import { type RoundResult, runFederation } from '../server.js';
import type { Strategy } from '../strategy.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../transport/frame.js';
import { WsConnection } from '../transport/ws-connection.js';
import { ClientPool } from './client-pool.js';
import { CountingRandom } from './counting-random.js';
import type { ServerLogger } from './log.js';
import { budgetStopOf, type BudgetStop } from '../dp/budget-gate.js';
import { guardRounds, isStateful } from './round-guard.js';
import { RemoteSecAggPeers } from './secagg-peers.js';
import { type SecureRoundSummary, type ServerSecureAggregation, secureRoundOf, welcomeSettings } from './secure-aggregation.js';
import { errorFrame, startSession } from './session.js';

/** Default WebSocket ping period: a silent client is dropped within 20 s, well before the default 120 s deadline. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;

export interface FederationServerOptions {
  readonly store: FederationStateStore;
  readonly strategy: Strategy;
  readonly rounds: number;
  readonly minClients: number;
  /** Per-round deadline for each client's reply, in ms. */
  readonly roundDeadlineMs: number;
  readonly modelSpec: string;
  readonly numFeatures: number;
  readonly classNames: readonly string[];
  readonly exampleShape?: readonly number[];
  readonly initialWeights: Float32Array;
  /** Central evaluation of the global model on the server's held-out data. */
  readonly evaluateGlobal?: (weights: Float32Array, round: number) => Promise<Metrics>;
  /** Seed of client sampling and per-client training seeds. */
  readonly seed: number;
  /** Continue the latest run from its last completed round instead of starting a new run. */
  readonly resume?: boolean;
  /** The id of a new run (default a random UUID), e.g. when its privacy ledger keys are made before the server. */
  readonly runId?: string;
  /** Written into the run record (what the CLI was asked). */
  readonly runConfig?: Readonly<Record<string, unknown>>;
  readonly host?: string;
  readonly port?: number;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly maxFrameBytes?: number;
  readonly handshakeTimeoutMs?: number;
  /**
   * WebSocket ping period, ms (default 10,000; 0 disables): a client that answers neither pings nor
   * requests for two periods is disconnected and leaves the available set (ws-connection.ts).
   */
  readonly heartbeatIntervalMs?: number;
  /** Pause before retrying an incomplete round, ms. Default 200. */
  readonly retryDelayMs?: number;
  readonly log?: ServerLogger;
  /**
   * Privacy budget ledger of the data owners (owner = client name). When given, each fit reply
   * reporting metrics `epsilon` (and `delta`) is charged to its owner before aggregation, once per
   * (run, round, client); a reply its owner's budget cannot pay for is refused and not aggregated.
   */
  readonly privacyLedger?: BudgetLedger;
  /**
   * Secure aggregation (SecAgg+, docs/secure-aggregation.md): the strategy is wrapped by
   * `secureAggregation.wrap` with peers that reach the clients' connections, clients are told the
   * encoder settings in their Welcome, and a fit reply carrying plain weights is refused.
   */
  readonly secureAggregation?: ServerSecureAggregation;
  /** Extra HTTP routes (the dashboard), registered before listening. */
  readonly routes?: (app: FastifyInstance, server: FederationServer) => void | Promise<void>;
}

export interface RoundRecord {
  readonly round: number;
  readonly accuracy?: number;
  readonly loss?: number;
  readonly trainLoss: number;
  readonly participants: readonly string[];
  readonly failures: readonly { readonly clientId: string; readonly message: string }[];
  readonly numExamples: number;
  readonly durationMs: number;
  readonly federatedEvaluation?: Readonly<Record<string, number>>;
  /** Under secure aggregation: the SecAgg+ round (its dropouts are failures, not participants). */
  readonly secureAggregation?: SecureRoundSummary;
}

export type ServerPhase = 'waiting' | 'training' | 'finished' | 'failed' | 'stopped';

export class FederationServer {
  readonly app: FastifyInstance;
  readonly pool: ClientPool;
  readonly runId: string;
  private phase: ServerPhase = 'waiting';
  private currentRound = 0;
  private weights: Float32Array;
  private rng: CountingRandom;
  private readonly abort = new AbortController();
  private readonly log: ServerLogger;
  private guarded: ReturnType<typeof guardRounds>;
  private readonly secureStrategy: Strategy | undefined;
  private attempts = 0;
  private drawsAtCheckpoint = 0;
  private address = '';

  private constructor(private readonly options: FederationServerOptions) {
    const { store } = options;
    check(Number.isInteger(options.rounds) && options.rounds >= 1, 'rounds', options.rounds, 'an integer ≥ 1');
    check(Number.isInteger(options.minClients) && options.minClients >= 1, 'minClients', options.minClients, 'an integer ≥ 1');
    check(Number.isFinite(options.roundDeadlineMs) && options.roundDeadlineMs > 0, 'roundDeadlineMs', options.roundDeadlineMs, 'a number of ms > 0');
    check(options.initialWeights instanceof Float32Array, 'initialWeights', typeof options.initialWeights, 'a Float32Array');
    this.log = options.log ?? (() => undefined);
    this.pool = new ClientPool(options.minClients, this.abort.signal);
    // Stage requests carry the round being aggregated: the one after the last checkpoint.
    const strategy = options.secureAggregation ? options.secureAggregation.wrap(options.strategy, new RemoteSecAggPeers(this.pool, () => this.currentRound + 1)) : options.strategy;
    this.secureStrategy = options.secureAggregation ? strategy : undefined;
    this.guarded = guardRounds(strategy, options.minClients);
    this.weights = options.initialWeights;
    this.rng = new CountingRandom(options.seed);

    const latest = options.resume ? store.latestRun() : undefined;
    if (options.resume && !latest) throw new CohortError('INVALID_ARGUMENT', '--resume: the database holds no run to resume', { subject: '--resume' });
    if (latest) {
      refuseMismatchedResume(latest.config, this.identity());
      this.runId = latest.id;
      const checkpoint = store.lastCheckpoint(latest.id);
      if (checkpoint) {
        if (checkpoint.weights.length !== options.initialWeights.length) {
          throw new CohortError('INVALID_ARGUMENT', `--resume: the stored model has ${checkpoint.weights.length} parameters, this configuration ${options.initialWeights.length}`, { subject: '--resume' });
        }
        this.weights = checkpoint.weights;
        this.currentRound = checkpoint.round;
        this.rng = new CountingRandom(options.seed, checkpoint.rngDraws);
        this.drawsAtCheckpoint = checkpoint.rngDraws;
        if (checkpoint.strategyState && isStateful(strategy)) strategy.importState(checkpoint.strategyState);
      }
      this.log({ level: 'info', kind: 'resumed', message: `resuming run ${latest.id} after round ${this.currentRound}` });
    } else {
      this.runId = options.runId ?? randomUUID();
      store.createRun(this.runId, { ...(options.runConfig ?? {}), ...this.identity(), rounds: options.rounds, minClients: options.minClients });
    }

    if (options.privacyLedger !== undefined) this.guarded = guardRounds(strategy, options.minClients, { ledger: options.privacyLedger, runId: this.runId, log: this.log });
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    check(Number.isFinite(heartbeatIntervalMs) && heartbeatIntervalMs >= 0, 'heartbeatIntervalMs', heartbeatIntervalMs, 'a number of ms ≥ 0 (0 disables)');
    const liveness = heartbeatIntervalMs > 0 ? { intervalMs: heartbeatIntervalMs } : undefined;
    this.app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}) });
    void this.app.register(websocket, { options: { maxPayload: maxFrameBytes } });
    const sessionContext = {
      pool: this.pool,
      lookUpClient: (name: string) => {
        const record = store.client(name);
        if (!record) return { refused: 'unknown client' };
        if (record.revoked) return { refused: 'revoked' };
        return { storedKey: record.storedKey };
      },
      welcome: {
        runId: this.runId,
        modelSpec: options.modelSpec,
        numFeatures: options.numFeatures,
        classNames: options.classNames,
        ...(options.exampleShape === undefined ? {} : { exampleShape: options.exampleShape }),
        ...(options.secureAggregation === undefined ? {} : { secureAggregation: welcomeSettings(options.secureAggregation.settings) }),
      },
      deadlineMs: options.roundDeadlineMs,
      maxFrameBytes,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      log: this.log,
      finished: () => this.phase === 'finished',
    };
    void this.app.register(async (scoped) => {
      scoped.get('/ws', { websocket: true }, (socket, request) => {
        startSession(new WsConnection(socket, `${request.ip}:${request.socket.remotePort ?? '?'}`, liveness), sessionContext);
      });
    });
  }

  /** What a resumed run must share with the one that wrote the database (see refuseMismatchedResume). */
  private identity(): RunIdentity {
    const { options } = this;
    return {
      modelSpec: options.modelSpec,
      numFeatures: options.numFeatures,
      classNames: [...options.classNames],
      parameters: options.initialWeights.length,
      // The wrapped name: a run may not switch secure aggregation on or off across a resume.
      strategy: this.guarded.name,
      seed: options.seed,
    };
  }

  static async create(options: FederationServerOptions): Promise<FederationServer> {
    const server = new FederationServer(options);
    await options.routes?.(server.app, server);
    return server;
  }

  /** Starts listening; resolves to the URL of the WebSocket endpoint. */
  async listen(): Promise<{ url: string; port: number; httpUrl: string }> {
    await this.app.listen({ host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 0 });
    const address = this.app.server.address();
    if (address === null || typeof address === 'string') throw new CohortError('INTERNAL', 'server has no TCP address');
    const scheme = this.options.tls ? 'wss' : 'ws';
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.address = `${host}:${address.port}`;
    return { url: `${scheme}://${this.address}/ws`, port: address.port, httpUrl: `${this.options.tls ? 'https' : 'http'}://${this.address}` };
  }

  /**
   * Runs the remaining rounds; resolves when the last one is recorded, or when a privacy budget
   * refuses the next round (budget-gate.ts): the run then finishes with the model so far and says why.
   */
  async run(): Promise<{ weights: Float32Array; rounds: number; stoppedEarly?: BudgetStop }> {
    const { store, rounds } = this.options;
    let stoppedEarly: BudgetStop | undefined;
    try {
      while (this.currentRound < rounds) {
        this.abort.signal.throwIfAborted();
        this.phase = this.pool.size >= this.options.minClients ? 'training' : 'waiting';
        const firstRound = this.currentRound + 1;
        try {
          this.attempts++;
          await runFederation({
            strategy: this.guarded,
            clients: this.pool,
            rounds: rounds - this.currentRound,
            firstRound,
            initialWeights: this.weights,
            rng: this.rng,
            signal: this.abort.signal,
            ...(this.options.evaluateGlobal ? { evaluateGlobal: this.evaluateAfterRound(firstRound) } : {}),
            onRound: (result) => this.completeRound(result),
          });
        } catch (error) {
          if (error instanceof CohortError && error.code === 'ROUND_INCOMPLETE' && !this.abort.signal.aborted) {
            this.log({ level: 'warn', kind: 'round-retried', round: this.currentRound + 1, message: error.message });
            // Back to the generator position of the last checkpoint, so the retried round draws as a fresh one would.
            this.rng = new CountingRandom(this.options.seed, this.drawsAtCheckpoint);
            await delay(this.options.retryDelayMs ?? 200, this.abort.signal);
            continue;
          }
          stoppedEarly = this.abort.signal.aborted ? undefined : budgetStopOf(error);
          if (stoppedEarly === undefined) throw error;
          this.log({ level: 'info', kind: 'budget-stop', round: stoppedEarly.round, message: `stopped before round ${stoppedEarly.round}: ${stoppedEarly.reason}` });
          break;
        }
      }
      this.phase = 'finished';
      store.setRunStatus(this.runId, 'finished');
      this.log({ level: 'info', kind: 'run-finished', message: `run ${this.runId} finished after ${this.currentRound} rounds` });
      for (const client of this.pool.all()) {
        client.disconnected('run finished');
      }
      this.broadcastFinished();
      return { weights: this.weights, rounds: this.currentRound, ...(stoppedEarly === undefined ? {} : { stoppedEarly }) };
    } catch (error) {
      if (this.abort.signal.aborted) {
        this.phase = 'stopped';
      } else {
        this.phase = 'failed';
        store.setRunStatus(this.runId, 'failed');
      }
      throw error;
    }
  }


  private evaluateAfterRound(firstRound: number): (weights: Float32Array, round: number) => Promise<Metrics> {
    const evaluate = this.options.evaluateGlobal as NonNullable<FederationServerOptions['evaluateGlobal']>;
    let resumedInitial: Metrics | undefined;
    // runFederation evaluates its starting weights as "round 0"; on a resume or retry that model
    // was already evaluated when its round completed, so compute it only once per call.
    return async (weights, round) => {
      if (round === 0 && firstRound > 1) return (resumedInitial ??= await evaluate(weights, round));
      return evaluate(weights, round);
    };
  }

  private completeRound(result: RoundResult): void {
    const weights = this.guarded.lastWeights();
    if (!weights) throw new CohortError('INTERNAL', `round ${result.round}: no aggregated weights to record`);
    // Clients that trained but dropped out of SecAgg+ are not in the sum: failures, not participants.
    const secure = this.secureStrategy === undefined ? undefined : secureRoundOf(this.secureStrategy, result.round);
    const refused = [...this.guarded.lastRefused(), ...(secure?.dropped ?? []).map((clientId) => ({ clientId, message: secure?.failures.find((f) => f.clientId === clientId)?.message ?? 'dropped out of secure aggregation' }))];
    const record: RoundRecord = {
      round: result.round,
      ...(result.accuracy === undefined ? {} : { accuracy: result.accuracy }),
      ...(result.loss === undefined ? {} : { loss: result.loss }),
      trainLoss: secure === undefined ? result.trainLoss : (result.aggregateMetrics.trainLoss ?? result.trainLoss),
      // Replies the budget ledger refused were not aggregated: failures, not participants.
      participants: result.participants.filter((id) => !refused.some((r) => r.clientId === id)),
      failures: [...result.failures, ...refused],
      numExamples: secure === undefined ? result.numExamples : (result.aggregateMetrics.examples ?? result.numExamples),
      durationMs: result.durationMs,
      ...(result.federatedEvaluation === undefined ? {} : { federatedEvaluation: result.federatedEvaluation }),
      ...(secure === undefined ? {} : { secureAggregation: secure }),
    };
    const strategyState = this.guarded.state();
    this.options.store.saveRound(this.runId, {
      round: result.round,
      metrics: record as unknown as Record<string, unknown>,
      weights,
      ...(strategyState === undefined ? {} : { strategyState }),
      rngDraws: this.rng.draws,
      privacy: this.guarded.lastPrivacy(),
    });
    this.weights = weights;
    this.currentRound = result.round;
    this.drawsAtCheckpoint = this.rng.draws;
    this.phase = 'training';
    this.log({
      level: 'info',
      kind: 'round-complete',
      round: result.round,
      message: `round ${result.round}/${this.options.rounds}: ${result.participants.length} client(s)${result.accuracy === undefined ? '' : `, accuracy ${(result.accuracy * 100).toFixed(2)} %`}, train loss ${result.trainLoss.toFixed(4)}${result.failures.length > 0 ? `, ${result.failures.length} failed` : ''}`,
    });
  }

  status(): {
    runId: string;
    phase: ServerPhase;
    round: number;
    rounds: number;
    minClients: number;
    connectedClients: string[];
    address: string;
    attempts: number;
  } {
    return {
      runId: this.runId,
      phase: this.phase,
      round: this.currentRound,
      rounds: this.options.rounds,
      minClients: this.options.minClients,
      connectedClients: this.pool.ids(),
      address: this.address,
      attempts: this.attempts,
    };
  }

  get store(): FederationStateStore {
    return this.options.store;
  }

  private broadcastFinished(): void {
    for (const client of this.pool.all()) client.send(errorFrame('RUN_FINISHED', 'the run has finished'));
  }

  /** Stops the round loop and closes every connection and the listener. */
  async close(): Promise<void> {
    if (!this.abort.signal.aborted) this.abort.abort(new CohortError('INTERNAL', 'server closed'));
    for (const client of this.pool.all()) client.close(1001, 'server closing');
    await this.app.close();
  }
}

/** The settings a checkpoint is only meaningful under: the model's shape and labels, the strategy whose state it holds, the seed of the generator it fast-forwards. */
interface RunIdentity {
  readonly modelSpec: string;
  readonly numFeatures: number;
  readonly classNames: readonly string[];
  readonly parameters: number;
  readonly strategy: string;
  readonly seed: number;
}

/**
 * Refuses to resume a run recorded under other settings (INVALID_ARGUMENT, which the CLI turns
 * into exit status 2). Keys the stored run lacks (databases written before they were recorded)
 * are not compared; the parameter count is still checked against the checkpoint itself.
 */
function refuseMismatchedResume(stored: Readonly<Record<string, unknown>>, current: RunIdentity): void {
  const differences: string[] = [];
  for (const [key, value] of Object.entries(current)) {
    if (!(key in stored)) continue;
    if (JSON.stringify(stored[key]) !== JSON.stringify(value)) differences.push(`${key} ${JSON.stringify(stored[key])} in the database, ${JSON.stringify(value)} now`);
  }
  if (differences.length > 0) {
    throw new CohortError('INVALID_ARGUMENT', `--resume: the run in the database was started with other settings: ${differences.join('; ')}`, { subject: '--resume' });
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
