/**
 * A connected, authenticated network client seen by the round loop as a `FederatedClient`. Each
 * fit/evaluate is one request with an id and a deadline; the reply is validated (shape, finite
 * values, example count) before it reaches the strategy. A reply after its deadline is dropped and
 * logged — its request already counted as a failure and is never aggregated.
 */
import { CohortError } from '../../errors.js';
import { firstNonFinite } from '../../aggregation/index.js';
import type { EvaluateConfig, EvaluateResponse, FederatedClient, FitConfig, FitResponse } from '../types.js';
import type { FrameConnection } from '../transport/connection.js';
import type { EvaluateReply, FitReply, SecAggReply } from '../transport/gen/cohort_pb.js';
import { checkedMetrics, toRoundConfig, toWireExtra } from '../transport/messages.js';
import { evaluateRequestParts, fitRequestParts } from '../transport/request-frames.js';
import { secAggRequestFrame } from '../transport/secagg-frames.js';
import { decodeTensor } from '../transport/tensor.js';
import type { ServerLogger } from './log.js';
import { type SharedWeightsEncoder, sharedWeightsEncoder } from './weights-encoder.js';

interface Pending {
  readonly kind: 'fit' | 'evaluate' | 'secagg';
  readonly round: number;
  readonly expectedLength: number;
  readonly resolve: (value: FitResponse | EvaluateResponse | Uint8Array) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

/** How many timed-out request ids to remember, to tell a late reply from a bogus one. */
const EXPIRED_MEMORY = 1024;
/** Largest example count a client may claim (FedAvg weights by it). */
export const MAX_CLAIMED_EXAMPLES = 1_000_000_000;

export class RemoteClient implements FederatedClient {
  private nextRequestId = 1n;
  private readonly pending = new Map<bigint, Pending>();
  private readonly expired = new Set<bigint>();
  /**
   * Secure aggregation is on (set by the session from the server's settings): a fit reply must
   * carry no weights — the update reaches the server only masked, through SecAgg requests.
   */
  updatesMasked = false;
  /** The round of the last fit this connection answered validly (SecAgg stages go only to it). */
  lastFitRound: number | undefined;

  constructor(
    readonly id: string,
    readonly numExamples: number,
    private readonly connection: FrameConnection,
    private readonly deadlineMs: number,
    private readonly log: ServerLogger,
    private readonly weightsEncoder: SharedWeightsEncoder = sharedWeightsEncoder,
  ) {}

  get isOpen(): boolean {
    return this.connection.isOpen;
  }

  fit(weights: Float32Array, config: FitConfig): Promise<FitResponse> {
    // The same global weights go to every sampled client: encoded once per round (weights-encoder.ts).
    const encoded = this.weightsEncoder.encode(weights);
    const roundConfig = toRoundConfig(config);
    return this.request('fit', config.round, weights.length, (requestId) => fitRequestParts(requestId, encoded, roundConfig)) as Promise<FitResponse>;
  }

  evaluate(weights: Float32Array, config: EvaluateConfig): Promise<EvaluateResponse> {
    const encoded = this.weightsEncoder.encode(weights);
    return this.request('evaluate', config.round, weights.length, (requestId) => evaluateRequestParts(requestId, encoded, config.round, toWireExtra(config.extra))) as Promise<EvaluateResponse>;
  }

  /**
   * One SecAgg+ stage request (the bytes of src/secagg's encodeServerMessage) with its own
   * deadline; resolves to the client's reply bytes. Like a fit, a reply after the deadline is
   * dropped — the secure-aggregation driver has already counted the client as a dropout.
   */
  secAggRequest(round: number, payload: Uint8Array, deadlineMs: number): Promise<Uint8Array> {
    return this.request('secagg', round, 0, (requestId) => secAggRequestFrame(requestId, round, payload), deadlineMs) as Promise<Uint8Array>;
  }

  private request(
    kind: Pending['kind'],
    round: number,
    expectedLength: number,
    frame: (requestId: bigint) => Uint8Array | readonly Uint8Array[],
    deadlineMs = this.deadlineMs,
  ): Promise<FitResponse | EvaluateResponse | Uint8Array> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        this.remember(requestId);
        reject(new CohortError('ROUND_INCOMPLETE', `client ${JSON.stringify(this.id)} missed the ${deadlineMs} ms deadline of ${kind === 'secagg' ? 'a secure-aggregation stage of ' : ''}round ${round}`, { subject: this.id }));
      }, deadlineMs);
      this.pending.set(requestId, { kind, round, expectedLength, resolve, reject, timer });
      if (!this.connection.send(frame(requestId))) this.fail(requestId, new CohortError('NETWORK_ERROR', `client ${JSON.stringify(this.id)} is disconnected`, { subject: this.id }));
    });
  }

  /** A fit reply from the wire: resolves its request if valid and on time; otherwise logs why not. */
  handleFitReply(reply: FitReply): void {
    const pending = this.take(reply.requestId, 'fit');
    if (!pending) return;
    try {
      const weights = this.updatesMasked ? noPlainWeights(reply, this.id) : decodeTensor(reply.weights, `fit reply of ${this.id}`, pending.expectedLength);
      const bad = firstNonFinite(weights);
      if (bad >= 0) throw new CohortError('INVALID_DATA', `client ${JSON.stringify(this.id)} sent a non-finite weight (index ${bad} = ${weights[bad]})`, { subject: this.id });
      const numExamples = Number(reply.numExamples);
      if (!(numExamples >= 1 && numExamples <= MAX_CLAIMED_EXAMPLES)) throw new CohortError('INVALID_DATA', `client ${JSON.stringify(this.id)} claimed ${numExamples} examples`, { subject: this.id });
      const metrics = checkedMetrics(reply.metrics, `fit reply of ${this.id}`);
      // A client training with DP-SGD reports no training loss (it would not be private): NaN, as in
      // simulations. A reported one is finite (checkedMetrics).
      const trainLoss = metrics.trainLoss ?? Number.NaN;
      this.lastFitRound = pending.round;
      pending.resolve({ weights, numExamples, metrics: { ...metrics, trainLoss } });
    } catch (error) {
      this.log({ level: 'warn', kind: 'rejected-update', clientId: this.id, round: pending.round, message: (error as Error).message });
      pending.reject(error);
    }
  }

  handleEvaluateReply(reply: EvaluateReply): void {
    const pending = this.take(reply.requestId, 'evaluate');
    if (!pending) return;
    try {
      const metrics = checkedMetrics({ ...reply.metrics, accuracy: reply.accuracy, loss: reply.loss }, `evaluate reply of ${this.id}`);
      const numExamples = Number(reply.numExamples);
      if (!(numExamples >= 1 && numExamples <= MAX_CLAIMED_EXAMPLES)) throw new CohortError('INVALID_DATA', `client ${JSON.stringify(this.id)} claimed ${numExamples} examples`, { subject: this.id });
      if (!(reply.accuracy >= 0 && reply.accuracy <= 1)) throw new CohortError('INVALID_DATA', `client ${JSON.stringify(this.id)} reported accuracy ${reply.accuracy}`, { subject: this.id });
      pending.resolve({ numExamples, metrics: { accuracy: reply.accuracy, loss: reply.loss, perClassRecall: [], examples: numExamples, ...metrics } });
    } catch (error) {
      this.log({ level: 'warn', kind: 'rejected-evaluation', clientId: this.id, round: pending.round, message: (error as Error).message });
      pending.reject(error);
    }
  }

  /** A SecAgg reply from the wire: resolves its stage request if on time (the state machine validates the bytes). */
  handleSecAggReply(reply: SecAggReply): void {
    const pending = this.take(reply.requestId, 'secagg');
    if (pending) pending.resolve(reply.payload);
  }

  /** A client-reported error for one request. */
  handleError(requestId: bigint, message: string): void {
    const pending = this.take(requestId, undefined);
    if (pending) pending.reject(new CohortError('INVALID_DATA', `client ${JSON.stringify(this.id)} failed: ${message}`, { subject: this.id }));
  }

  /** The connection is gone: every request still waiting fails now rather than at its deadline. */
  disconnected(reason: string): void {
    for (const requestId of [...this.pending.keys()]) this.fail(requestId, new CohortError('NETWORK_ERROR', `client ${JSON.stringify(this.id)} disconnected: ${reason}`, { subject: this.id }));
  }

  send(frame: Uint8Array): boolean {
    return this.connection.send(frame);
  }

  close(code: number, reason: string): void {
    this.connection.close(code, reason);
  }

  private take(requestId: bigint, kind: Pending['kind'] | undefined): Pending | undefined {
    const pending = this.pending.get(requestId);
    if (!pending || (kind !== undefined && pending.kind !== kind)) {
      const late = this.expired.has(requestId);
      this.log({
        level: 'warn',
        kind: late ? 'late-reply' : 'unexpected-reply',
        clientId: this.id,
        message: late ? `dropped a reply to request ${requestId} that came after its deadline` : `dropped a reply to unknown request ${requestId}`,
      });
      return undefined;
    }
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    return pending;
  }

  private fail(requestId: bigint, error: CohortError): void {
    const pending = this.pending.get(requestId);
    if (!pending) return;
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  private remember(requestId: bigint): void {
    this.expired.add(requestId);
    if (this.expired.size > EXPIRED_MEMORY) this.expired.delete(this.expired.values().next().value as bigint);
  }
}

/**
 * Under secure aggregation a fit reply carries no weights (an empty tensor or none): an individual
 * update in the clear would defeat the protocol, so one that arrives is refused, never aggregated.
 */
function noPlainWeights(reply: FitReply, clientId: string): Float32Array {
  const elements = reply.weights === undefined ? 0 : reply.weights.data.length;
  if (elements !== 0) throw new CohortError('INVALID_DATA', `client ${JSON.stringify(clientId)} sent plain weights (${elements} bytes) although secure aggregation is on; refused`, { subject: clientId });
  return new Float32Array(0);
}
