/**
 * A worker thread hosting the SecAgg+ side of some simulated clients (started by client-host.ts):
 * it receives each client's encoded update once (transferred, so the main thread no longer holds
 * it) and answers the server's stage requests with the client's replies, as bytes both ways.
 * Protocol randomness here is always the CSPRNG.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CohortError } from '../../errors.js';
import { SecAggClientState } from './client-state.js';
import { ConcurrencyLimiter, SIMULATED_CLIENTS_AT_ONCE } from './limiter.js';
import type { ClientHostInit, ClientHostReply, ClientHostRequest, SerializedHostError } from './client-host-messages.js';
import { WeightedFixedPointEncoder } from './encoder.js';

const port = parentPort;
if (!port) throw new Error('client-worker.ts must run in a worker thread');

const clients = new Map<string, SecAggClientState>();
const limiter = new ConcurrencyLimiter(SIMULATED_CLIENTS_AT_ONCE);
const init = (workerData ?? {}) as ClientHostInit;
const encoder = init.encoder === undefined ? undefined : new WeightedFixedPointEncoder(init.encoder);

function stateOf(clientId: string): SecAggClientState {
  let state = clients.get(clientId);
  if (state === undefined) {
    state = new SecAggClientState(clientId);
    clients.set(clientId, state);
  }
  return state;
}

function serialize(error: unknown): SerializedHostError {
  if (error instanceof CohortError) return { message: error.message, code: error.code, ...(error.subject === undefined ? {} : { subject: error.subject }) };
  return { message: error instanceof Error ? error.message : String(error) };
}

function reply(message: ClientHostReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

port.on('message', (request: ClientHostRequest) => {
  if (request.type === 'ping') {
    reply({ type: 'pong', job: request.job });
    return;
  }
  if (request.type === 'update') {
    try {
      if (encoder === undefined) throw new CohortError('INTERNAL', 'this SecAgg client thread has no encoder');
      const input = encoder.encode(request.delta, request.numExamples, request.round);
      request.delta.fill(0);
      stateOf(request.clientId).setInput(request.round, input);
      reply({ type: 'held', job: request.job });
    } catch (error) {
      request.delta.fill(0);
      reply({ type: 'failed', job: request.job, error: serialize(error) });
    }
    return;
  }
  if (request.type === 'input') {
    stateOf(request.clientId).setInput(request.round, request.input);
    return;
  }
  const state = stateOf(request.clientId);
  limiter
    .run(() => state.handle(request.request))
    .then(
      (bytes) => reply({ type: 'handled', job: request.job, reply: bytes }, bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? [bytes.buffer as ArrayBuffer] : []),
      (error: unknown) => reply({ type: 'failed', job: request.job, error: serialize(error) }),
    );
});
