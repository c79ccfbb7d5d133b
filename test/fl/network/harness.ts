// In-process server and hand-driven protocol clients for the network tests.
import { create } from '@bufbuild/protobuf';
import WebSocket from 'ws';
import type { BudgetLedger } from '../../../src/dp/budget-ledger.js';
import { FedAvg } from '../../../src/fl/strategies/fedavg.js';
import type { Strategy } from '../../../src/fl/strategy.js';
import { FederationServer, type ServerLogEvent, type ServerSecureAggregation } from '../../../src/fl/server/index.js';
import { clientProof, newNonce, storedKeyOf } from '../../../src/fl/transport/auth.js';
import { decodeFrame, encodeFrame } from '../../../src/fl/transport/frame.js';
import { type Envelope, FitReplySchema, HelloSchema } from '../../../src/fl/transport/gen/cohort_pb.js';
import { decodeTensor, encodeTensor } from '../../../src/fl/transport/tensor.js';
import { type CohortDatabase, openDatabase } from '../../../src/store/database.js';
import { FederationStateStore } from '../../../src/store/federation-state.js';

export const NUM_FEATURES = 4;
export const NUM_PARAMETERS = 10; // logreg, 4 features, 2 classes

export interface Harness {
  readonly server: FederationServer;
  readonly store: FederationStateStore;
  readonly db: CohortDatabase;
  readonly url: string;
  readonly httpUrl: string;
  readonly events: ServerLogEvent[];
  readonly tokens: Map<string, string>;
  close(): Promise<void>;
}

export async function startHarness(options: { clients: string[]; rounds: number; minClients: number; deadlineMs?: number; strategy?: Strategy; maxFrameBytes?: number; numParameters?: number; heartbeatIntervalMs?: number; privacyLedger?: (db: CohortDatabase) => BudgetLedger; secureAggregation?: ServerSecureAggregation }): Promise<Harness> {
  const db = openDatabase(':memory:');
  const store = new FederationStateStore(db);
  const tokens = new Map<string, string>();
  for (const name of options.clients) {
    const token = `${name}.secret-token-of-${name}-0123456789`;
    store.addClient(name, storedKeyOf(token));
    tokens.set(name, token);
  }
  const events: ServerLogEvent[] = [];
  const server = await FederationServer.create({
    store,
    strategy: options.strategy ?? new FedAvg({ localEpochs: 1, batchSize: 4, optimizer: { kind: 'sgd', learningRate: 0.1 }, minClients: 1 }),
    rounds: options.rounds,
    minClients: options.minClients,
    roundDeadlineMs: options.deadlineMs ?? 5_000,
    modelSpec: 'logreg',
    numFeatures: NUM_FEATURES,
    classNames: ['a', 'b'],
    initialWeights: new Float32Array(options.numParameters ?? NUM_PARAMETERS),
    seed: 7,
    port: 0,
    retryDelayMs: 20,
    ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
    ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    ...(options.privacyLedger === undefined ? {} : { privacyLedger: options.privacyLedger(db) }),
    ...(options.secureAggregation === undefined ? {} : { secureAggregation: options.secureAggregation }),
    log: (event) => events.push(event),
  });
  const { url, httpUrl } = await server.listen();
  return {
    server,
    store,
    db,
    url,
    httpUrl,
    events,
    tokens,
    async close() {
      await server.close();
      db.close();
    },
  };
}

/** A protocol client driven by hand: records every frame it receives. */
export class RawClient {
  readonly received: Envelope[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  private listeners: (() => void)[] = [];

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code) => resolve(code)));
    this.socket.on('error', () => undefined);
    this.socket.on('message', (data: Buffer) => {
      this.received.push(decodeFrame(new Uint8Array(data)));
      for (const listener of this.listeners) listener();
    });
  }

  async next(kind: string, timeoutMs = 5_000): Promise<Envelope> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((envelope) => envelope.body.case === kind);
      if (index >= 0) return this.received.splice(index, 1)[0] as Envelope;
      if (Date.now() > deadline) throw new Error(`no ${kind} frame; got ${this.received.map((e) => e.body.case).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.listeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.listeners = [];
    }
  }

  send(bytes: Uint8Array): void {
    this.socket.send(bytes, { binary: true });
  }

  /** Answers the challenge; returns the Hello bytes sent. */
  async hello(name: string, token: string, numExamples = 10): Promise<Uint8Array> {
    const challenge = await this.next('challenge');
    const serverNonce = (challenge.body.value as { serverNonce: Uint8Array }).serverNonce;
    const clientNonce = newNonce();
    const bytes = encodeFrame({
      case: 'hello',
      value: create(HelloSchema, { clientName: name, clientNonce, proof: clientProof(token, serverNonce, clientNonce, name), numExamples: BigInt(numExamples), numFeatures: NUM_FEATURES }),
    });
    this.send(bytes);
    return bytes;
  }

  /** Waits for a fit request and answers with `transform(weights)`. */
  async answerFit(transform: (weights: Float32Array) => Float32Array, numExamples = 10, metrics: Record<string, number> = {}): Promise<number> {
    const request = await this.next('fitRequest', 10_000);
    const value = request.body.value as { requestId: bigint; weights: Parameters<typeof decodeTensor>[0]; config?: { round: number } };
    const weights = decodeTensor(value.weights, 'test');
    this.send(
      encodeFrame({ case: 'fitReply', value: create(FitReplySchema, { requestId: value.requestId, weights: encodeTensor(transform(weights)), numExamples: BigInt(numExamples), metrics: { trainLoss: 0.5, ...metrics } }) }),
    );
    return value.config?.round ?? -1;
  }

  close(): void {
    this.socket.close();
  }
}

/** Opens a raw connection as `name`, authenticates with its token and waits for the welcome. */
export async function joinAs(h: Harness, name: string): Promise<RawClient> {
  const client = new RawClient(h.url);
  await client.opened;
  await client.hello(name, h.tokens.get(name) as string);
  await client.next('welcome');
  return client;
}

export async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
