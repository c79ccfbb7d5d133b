/**
 * How the server-side SecAgg+ driver reaches each client's SecAgg handler. A network server
 * implements `SecAggPeers` over its client connections; the simulator uses `InProcessSecAggPeers`,
 * which hands the bytes to the wrapped clients in this process. Bytes always go through
 * encodeServerMessage/encodeClientMessage, so the simulation exercises the wire format too.
 */
import { CohortError } from '../../errors.js';
import { decodeServerMessage, type SecAggStage } from '../../secagg/index.js';
import { ConcurrencyLimiter } from './limiter.js';

export interface SecAggPeers {
  /** Sends one stage request (encodeServerMessage bytes) to a client; resolves to its encodeClientMessage reply. */
  request(clientId: string, message: Uint8Array, deadlineMs: number): Promise<Uint8Array>;
}

/** A client that answers SecAgg requests (what `secureAggregationClient` returns). */
export interface SecAggHandler {
  readonly id: string;
  handleSecAgg(request: Uint8Array): Promise<Uint8Array>;
}

/** One request as a dropout hook sees it. */
export interface SecAggRequestEvent {
  readonly clientId: string;
  readonly stage: SecAggStage;
  /** The FL round the request belongs to. */
  readonly round: number;
}

/**
 * FOR TESTS AND BENCHMARKS ONLY: return true to make the client drop out on this request (it
 * never answers: the request fails at once, as a closed connection would, and the driver counts
 * the client as a dropout of that stage).
 */
export type SecAggDropoutHook = (event: SecAggRequestEvent) => boolean;

export class InProcessSecAggPeers implements SecAggPeers {
  private readonly handlers = new Map<string, SecAggHandler>();
  private readonly dropout: SecAggDropoutHook | undefined;
  private readonly limiter: ConcurrencyLimiter | undefined;

  /**
   * @param options.clientsAtOnce handlers running at once (default: unlimited); the simulator
   *   bounds it when the handlers run in this thread (limiter.ts says why).
   */
  constructor(handlers: Iterable<SecAggHandler>, options: { readonly dropout?: SecAggDropoutHook; readonly clientsAtOnce?: number } = {}) {
    for (const handler of handlers) {
      if (this.handlers.has(handler.id)) throw new CohortError('INVALID_ARGUMENT', `client id ${JSON.stringify(handler.id)} appears twice`, { subject: 'handlers' });
      this.handlers.set(handler.id, handler);
    }
    this.dropout = options.dropout;
    this.limiter = options.clientsAtOnce === undefined ? undefined : new ConcurrencyLimiter(options.clientsAtOnce);
  }

  async request(clientId: string, message: Uint8Array, _deadlineMs: number): Promise<Uint8Array> {
    const handler = this.handlers.get(clientId);
    if (handler === undefined) throw new CohortError('NETWORK_ERROR', `no SecAgg client ${JSON.stringify(clientId)} in this process`, { subject: clientId });
    if (this.dropout !== undefined) {
      const { stage, round } = decodeServerMessage(message);
      if (this.dropout({ clientId, stage, round })) {
        throw new CohortError('NETWORK_ERROR', `client ${JSON.stringify(clientId)} dropped out (test dropout hook)`, { subject: clientId });
      }
    }
    // No extra copies: encode*Message makes fresh bytes and decode*Message copies what it keeps,
    // so neither side holds a view of the other's buffers, as over a wire.
    return this.limiter === undefined ? handler.handleSecAgg(message) : this.limiter.run(() => handler.handleSecAgg(message));
  }
}
