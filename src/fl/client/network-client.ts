/**
 * The network client runtime (`cohort client`): connects to the server, proves it holds its token
 * (transport/auth.ts), builds the model the server names, and answers fit and evaluate requests
 * by training on its own data with `fitWithPrivacy` / `evaluateLocally` — the same code as a
 * simulated client, so the DP settings a server sends (`dp.*` keys: DP-SGD on the client's own
 * records, or client-side clipping) run here, and a client that keeps its owner's own budget
 * (`ownerBudget`) accounts and pays for every DP-SGD request first. Only weights, example counts and metrics leave it; never a record. It
 * reconnects with capped exponential backoff (with jitter) and can be restarted at any time: the
 * server keeps no per-connection training state.
 */
import { create } from '@bufbuild/protobuf';
import WebSocket from 'ws';
import { secureRandom } from '../../crypto/random.js';
import type { Dataset } from '../../data/dataset.js';
import { CohortError } from '../../errors.js';
import { createModel, parseModelSpec } from '../../ml/index.js';
import type { Model } from '../../ml/model.js';
import { evaluateLocally } from '../client.js';
import type { OwnerBudget } from '../dp/owner-budget.js';
import { clientProof, newNonce } from '../transport/auth.js';
import { DEFAULT_MAX_FRAME_BYTES, decodeFrame, encodeFrame } from '../transport/frame.js';
import { ErrorSchema, type EvaluateRequest, EvaluateReplySchema, type FitRequest, FitReplySchema, HelloSchema, type SecAggRequest, type Welcome } from '../transport/gen/cohort_pb.js';
import { fromRoundConfig } from '../transport/messages.js';
import { decodeTensor, encodeTensor } from '../transport/tensor.js';
import { WsConnection } from '../transport/ws-connection.js';
import { secAggReplyFrame } from '../transport/secagg-frames.js';
import type { FitConfig } from '../types.js';
import { defaultSecureClient } from './secure-client.js';
import { type SecureClientFactory, SecureAggregationSession } from './secure-session.js';
import { answerFitRequest, evaluationRefusal, fitErrorCode, wireMetrics } from './private-fit.js';
import { parseClientToken } from './token.js';

export interface NetworkClientOptions {
  /** ws:// or wss:// URL of the server's /ws endpoint. */
  readonly url: string;
  /** NAME.SECRET from `cohort server add-client NAME`. */
  readonly token: string;
  /** This client's own training data; it never leaves the process. */
  readonly data: Dataset;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
  /** First reconnection delay, ms (doubles up to maxBackoffMs). Default 250. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Give up after this many consecutive failed connections. Default: never. */
  readonly maxAttempts?: number;
  /** TLS: extra trusted CA (PEM) for a self-signed server certificate. */
  readonly ca?: string | Buffer;
  readonly maxFrameBytes?: number;
  /** Sees every frame this client sends (audits and tests). */
  readonly onFrameSent?: (frame: Uint8Array) => void;
  /** Refuse (UNSUPPORTED, no retry) to join a server that does not aggregate with SecAgg+. */
  readonly requireSecureAggregation?: boolean;
  /** Builds the secure client when the server uses secure aggregation (default: secure-client.ts). */
  readonly secureClient?: SecureClientFactory;
  /**
   * The owner's own privacy budget (owner-budget.ts): every fit request must ask for DP-SGD and is
   * accounted and paid for before training; one over budget, or without DP, gets an error reply.
   */
  readonly ownerBudget?: OwnerBudget;
}

export interface NetworkClientResult {
  readonly reason: 'finished' | 'aborted' | 'gave-up';
  readonly fits: number;
  readonly evaluations: number;
  readonly connections: number;
}

export async function runNetworkClient(options: NetworkClientOptions): Promise<NetworkClientResult> {
  const { name } = parseClientToken(options.token);
  if (!/^wss?:\/\//.test(options.url)) throw new CohortError('INVALID_ARGUMENT', `--server must be a ws:// or wss:// URL (got ${JSON.stringify(options.url)})`, { subject: '--server' });
  if (options.data.numExamples < 1) throw new CohortError('INVALID_DATA', 'the client has no training examples', { subject: '--data' });
  const log = options.log ?? (() => undefined);
  const initialBackoff = options.initialBackoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const rng = secureRandom();
  const state = { fits: 0, evaluations: 0, connections: 0, model: undefined as { key: string; model: Model; data: Dataset } | undefined };
  let failures = 0;
  try {
    for (;;) {
      if (options.signal?.aborted) return { reason: 'aborted', ...counts(state) };
      const outcome = await connectOnce(options, name, state, log);
      if (outcome === 'finished') return { reason: 'finished', ...counts(state) };
      if (outcome === 'aborted') return { reason: 'aborted', ...counts(state) };
      failures = outcome === 'served' ? 1 : failures + 1;
      if (options.maxAttempts !== undefined && failures >= options.maxAttempts) return { reason: 'gave-up', ...counts(state) };
      // Full jitter (Brooker, "Exponential Backoff And Jitter", AWS 2015): spreads reconnecting clients.
      const ceiling = Math.min(maxBackoff, initialBackoff * 2 ** Math.min(failures - 1, 20));
      const wait = Math.round(ceiling / 2 + rng.uniform() * (ceiling / 2));
      log(`reconnecting in ${wait} ms`);
      await sleep(wait, options.signal);
    }
  } finally {
    state.model?.model.dispose();
  }
}

function counts(state: { fits: number; evaluations: number; connections: number }) {
  return { fits: state.fits, evaluations: state.evaluations, connections: state.connections };
}

type ConnectionOutcome = 'finished' | 'aborted' | 'served' | 'failed';

function connectOnce(
  options: NetworkClientOptions,
  name: string,
  state: { fits: number; evaluations: number; connections: number; model: { key: string; model: Model; data: Dataset } | undefined },
  log: (message: string) => void,
): Promise<ConnectionOutcome> {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(options.url, { maxPayload: maxFrameBytes, ...(options.ca === undefined ? {} : { ca: options.ca }) });
    const connection = new WsConnection(socket, options.url);
    let welcomed = false;
    let runId = '';
    let finished = false;
    // Secure aggregation of this connection only: a new connection never inherits a round's masks.
    let secure: SecureAggregationSession | undefined;
    let work: Promise<void> = Promise.resolve();
    const send = (frame: Uint8Array) => {
      options.onFrameSent?.(frame);
      connection.send(frame);
    };
    const onAbort = () => connection.close(1000, 'client stopping');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    connection.onClose((reason) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (!finished) log(`connection closed: ${reason}`);
      void work.then(() => resolve(finished ? 'finished' : options.signal?.aborted ? 'aborted' : welcomed ? 'served' : 'failed'));
    });
    connection.onFrame((frame) => {
      let envelope;
      try {
        envelope = decodeFrame(frame, maxFrameBytes);
      } catch (error) {
        log(`dropping connection: ${(error as Error).message}`);
        connection.close(1007, 'invalid frame');
        return;
      }
      const body = envelope.body;
      switch (body.case) {
        case 'challenge': {
          const clientNonce = newNonce();
          const proof = clientProof(options.token, body.value.serverNonce, clientNonce, name);
          send(
            encodeFrame({
              case: 'hello',
              value: create(HelloSchema, { clientName: name, clientNonce, proof, numExamples: BigInt(options.data.numExamples), numFeatures: options.data.numFeatures }),
            }),
          );
          return;
        }
        case 'welcome':
          welcomed = true;
          runId = body.value.runId;
          state.connections++;
          work = work.then(() => {
            // Before building the model: a client that insists on secure aggregation learns nothing more.
            secure = secureSession(body.value);
            return prepareModel(body.value);
          }).catch((error: unknown) => {
            // Data that does not fit the server's model will not fit on retry either.
            finished = true;
            connection.close(1000, 'incompatible data');
            reject(error);
          });
          log(`joined run ${body.value.runId} as ${name}`);
          return;
        case 'fitRequest':
          work = work.then(() => fit(body.value));
          return;
        case 'evaluateRequest':
          work = work.then(() => evaluate(body.value));
          return;
        case 'secaggRequest':
          work = work.then(() => secAgg(body.value));
          return;
        case 'heartbeat':
          return;
        case 'error':
          if (body.value.code === 'RUN_FINISHED') {
            finished = true;
            log('the server finished the run');
            connection.close(1000, 'done');
            return;
          }
          log(`server error ${body.value.code}: ${body.value.message}`);
          if (body.value.code === 'AUTH_FAILED' || body.value.code === 'INCOMPATIBLE_DATA') {
            finished = true;
            reject(new CohortError(body.value.code === 'AUTH_FAILED' ? 'AUTH_FAILED' : 'INVALID_DATA', `server refused this client: ${body.value.message}`, { subject: '--token' }));
          }
          return;
        default:
          log(`dropping connection: unexpected ${body.case}`);
          connection.close(1008, 'unexpected message');
      }
    });

    async function prepareModel(welcome: Welcome): Promise<void> {
      const key = JSON.stringify([welcome.modelSpec, welcome.numFeatures, welcome.classNames, welcome.exampleShape]);
      if (state.model?.key === key) return;
      state.model?.model.dispose();
      const data = relabel(options.data, welcome.classNames);
      const exampleShape = welcome.exampleShape.length > 0 ? welcome.exampleShape : data.exampleShape;
      const model = await createModel(parseModelSpec(welcome.modelSpec), { numFeatures: welcome.numFeatures, numClasses: welcome.classNames.length, ...(exampleShape ? { exampleShape } : {}) }, { seed: 0 });
      state.model = { key, model, data };
    }

    async function fit(request: FitRequest): Promise<void> {
      try {
        const current = state.model ?? failNoModel();
        const weights = decodeTensor(request.weights, 'fit request', current.model.numParameters);
        const train = (start: Float32Array, config: FitConfig) => answerFitRequest(current.model, current.data, start, config, options.ownerBudget, runId);
        // Under secure aggregation the response holds no weights: the update leaves only masked.
        const response = secure ? await secure.fit(weights, fromRoundConfig(request.config), train) : await train(weights, fromRoundConfig(request.config));
        send(
          encodeFrame({
            case: 'fitReply',
            value: create(FitReplySchema, { requestId: request.requestId, weights: encodeTensor(response.weights), numExamples: BigInt(response.numExamples), metrics: wireMetrics(response.metrics) }),
          }),
        );
        state.fits++;
      } catch (error) {
        if (fitErrorCode(error) !== 'FIT_FAILED') log(`refused a fit request: ${(error as Error).message}`);
        send(encodeFrame({ case: 'error', value: create(ErrorSchema, { code: fitErrorCode(error), message: (error as Error).message, requestId: request.requestId }) }));
      }
    }

    function secureSession(welcome: Welcome): SecureAggregationSession | undefined {
      const settings = welcome.secureAggregation;
      if (settings === undefined) {
        if (options.requireSecureAggregation) {
          throw new CohortError('UNSUPPORTED', `server ${options.url} (run ${welcome.runId}) does not use secure aggregation, and this client requires it (--require-secure-aggregation); not joining`, { subject: '--require-secure-aggregation' });
        }
        return undefined;
      }
      log(`the server aggregates with SecAgg+ (encoder ${settings.encoder}, update range ±${settings.updateRange}): only masked updates leave this client`);
      return new SecureAggregationSession(name, options.data.numExamples, settings, options.secureClient ?? defaultSecureClient);
    }

    async function secAgg(request: SecAggRequest): Promise<void> {
      try {
        if (secure === undefined) throw new CohortError('INVALID_DATA', 'a secure-aggregation request, but the server did not announce secure aggregation', { subject: 'secaggRequest' });
        send(secAggReplyFrame(request.requestId, await secure.handle(request)));
      } catch (error) {
        send(encodeFrame({ case: 'error', value: create(ErrorSchema, { code: 'SECAGG_FAILED', message: (error as Error).message, requestId: request.requestId }) }));
      }
    }

    async function evaluate(request: EvaluateRequest): Promise<void> {
      try {
        if (options.ownerBudget !== undefined) throw evaluationRefusal(name);
        const current = state.model ?? failNoModel();
        const weights = decodeTensor(request.weights, 'evaluate request', current.model.numParameters);
        const response = await evaluateLocally(current.model, current.data, weights);
        send(
          encodeFrame({
            case: 'evaluateReply',
            value: create(EvaluateReplySchema, { requestId: request.requestId, numExamples: BigInt(response.numExamples), accuracy: response.metrics.accuracy, loss: response.metrics.loss }),
          }),
        );
        state.evaluations++;
      } catch (error) {
        send(encodeFrame({ case: 'error', value: create(ErrorSchema, { code: 'EVALUATE_FAILED', message: (error as Error).message, requestId: request.requestId }) }));
      }
    }
  });
}

function failNoModel(): never {
  throw new CohortError('INTERNAL', 'request before welcome');
}

/** The local labels re-indexed to the server's class list, so every client agrees on what label k means. */
export function relabel(data: Dataset, serverClassNames: readonly string[]): Dataset {
  const index = new Map(serverClassNames.map((name, i) => [name, i]));
  const mapping = data.classNames.map((name) => {
    const target = index.get(name);
    if (target === undefined) throw new CohortError('INVALID_DATA', `local class ${JSON.stringify(name)} is not one of the server's classes ${serverClassNames.join(', ')}`, { subject: '--label' });
    return target;
  });
  const labels = data.labels.map((label) => mapping[label] as number);
  return { ...data, labels, numClasses: serverClassNames.length, classNames: [...serverClassNames] };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
