/**
 * One connection on the server: challenge → hello (authenticated, see transport/auth.ts) →
 * welcome, then fit/evaluate replies routed to the client's `RemoteClient`. Every frame goes
 * through `decodeFrame` (size limit, schema, version); a frame that fails it, or a message out
 * of place, is logged with its reason and the connection is closed — the server carries on.
 */
import { create } from '@bufbuild/protobuf';
import type { FrameConnection } from '../transport/connection.js';
import { newNonce, verifyProof } from '../transport/auth.js';
import { type EnvelopeBody, decodeFrame, encodeFrame } from '../transport/frame.js';
import { ChallengeSchema, ErrorSchema, type Hello, type SecAggSettings, WelcomeSchema } from '../transport/gen/cohort_pb.js';
import type { ClientPool } from './client-pool.js';
import type { ServerLogger } from './log.js';
import { MAX_CLAIMED_EXAMPLES, RemoteClient } from './remote-client.js';

export interface SessionContext {
  readonly pool: ClientPool;
  /** The stored key of an active (registered, not revoked) client, or why there is none. */
  readonly lookUpClient: (name: string) => { storedKey: Uint8Array } | { refused: string };
  readonly welcome: { runId: string; modelSpec: string; numFeatures: number; classNames: readonly string[]; exampleShape?: readonly number[]; secureAggregation?: SecAggSettings };
  readonly deadlineMs: number;
  readonly maxFrameBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly log: ServerLogger;
  /** True once the run has finished: new clients are told so and let go. */
  readonly finished: () => boolean;
}

export function errorFrame(code: string, message: string, requestId = 0n): Uint8Array {
  return encodeFrame({ case: 'error', value: create(ErrorSchema, { code, message, requestId }) });
}

export function startSession(connection: FrameConnection, context: SessionContext): void {
  const { log } = context;
  const serverNonce = newNonce();
  let client: RemoteClient | undefined;
  const refuse = (kind: string, code: string, message: string, closeCode: number) => {
    log({ level: 'warn', kind, message: `${connection.remote}${client ? ` (${client.id})` : ''}: ${message}`, ...(client ? { clientId: client.id } : {}) });
    connection.send(errorFrame(code, message));
    connection.close(closeCode, code);
  };
  const handshakeTimer = setTimeout(() => {
    if (!client) refuse('auth-refused', 'AUTH_FAILED', `no valid hello within ${context.handshakeTimeoutMs} ms`, 4001);
  }, context.handshakeTimeoutMs);

  connection.onClose((reason) => {
    clearTimeout(handshakeTimer);
    if (client) {
      client.disconnected(reason);
      context.pool.remove(client);
      log({ level: 'info', kind: 'client-left', clientId: client.id, message: `client ${client.id} disconnected: ${reason}` });
    } else {
      log({ level: 'info', kind: 'connection-closed', message: `${connection.remote}: closed before authenticating: ${reason}` });
    }
  });

  connection.onFrame((frame) => {
    let envelope;
    try {
      envelope = decodeFrame(frame, context.maxFrameBytes);
    } catch (error) {
      refuse('rejected-frame', 'INVALID_FRAME', (error as Error).message, 1007);
      return;
    }
    const body = envelope.body;
    if (!client) {
      if (body.case !== 'hello') {
        refuse('rejected-frame', 'PROTOCOL', `expected hello, got ${body.case}`, 1008);
        return;
      }
      client = authenticate(body.value);
      if (client) clearTimeout(handshakeTimer);
      return;
    }
    dispatch(client, body);
  });

  function authenticate(hello: Hello): RemoteClient | undefined {
    const name = hello.clientName;
    const found = context.lookUpClient(name);
    if ('refused' in found) {
      refuse('auth-refused', 'AUTH_FAILED', `client ${JSON.stringify(name.slice(0, 64))} refused: ${found.refused}`, 4001);
      return undefined;
    }
    if (!verifyProof(found.storedKey, hello.proof, serverNonce, hello.clientNonce, name)) {
      refuse('auth-refused', 'AUTH_FAILED', `client ${JSON.stringify(name)} refused: wrong token or replayed proof`, 4001);
      return undefined;
    }
    if (hello.numFeatures !== context.welcome.numFeatures) {
      refuse('rejected-client', 'INCOMPATIBLE_DATA', `client ${JSON.stringify(name)} has ${hello.numFeatures} features, the model needs ${context.welcome.numFeatures}`, 4002);
      return undefined;
    }
    const numExamples = Number(hello.numExamples);
    if (!(numExamples >= 1 && numExamples <= MAX_CLAIMED_EXAMPLES)) {
      refuse('rejected-client', 'INCOMPATIBLE_DATA', `client ${JSON.stringify(name)} announced ${numExamples} examples`, 4002);
      return undefined;
    }
    const secure = context.welcome.secureAggregation;
    if (secure !== undefined && secure.weightCap > 0 && numExamples > secure.weightCap) {
      refuse('rejected-client', 'INCOMPATIBLE_DATA', `client ${JSON.stringify(name)} announced ${numExamples} examples, more than the secure-aggregation weight cap ${secure.weightCap} of this run (--secagg-weight-cap)`, 4002);
      return undefined;
    }
    if (secure !== undefined && context.pool.size >= secure.maxClients && context.pool.get(name) === undefined) {
      refuse('rejected-client', 'SERVER_FULL', `client ${JSON.stringify(name)} refused: ${context.pool.size} clients are connected, the most the secure-aggregation plan of this run holds (--secagg-max-clients ${secure.maxClients})`, 4003);
      return undefined;
    }
    if (context.finished()) {
      connection.send(errorFrame('RUN_FINISHED', 'the run has finished'));
      connection.close(1000, 'RUN_FINISHED');
      return undefined;
    }
    const remote = new RemoteClient(name, numExamples, connection, context.deadlineMs, log);
    remote.updatesMasked = context.welcome.secureAggregation !== undefined;
    connection.send(
      encodeFrame({
        case: 'welcome',
        value: create(WelcomeSchema, { ...context.welcome, classNames: [...context.welcome.classNames], exampleShape: [...(context.welcome.exampleShape ?? [])] }),
      }),
    );
    context.pool.add(remote);
    log({ level: 'info', kind: 'client-joined', clientId: name, message: `client ${name} joined from ${connection.remote} with ${numExamples} examples` });
    return remote;
  }

  function dispatch(remote: RemoteClient, body: EnvelopeBody): void {
    switch (body.case) {
      case 'fitReply':
        remote.handleFitReply(body.value);
        return;
      case 'evaluateReply':
        remote.handleEvaluateReply(body.value);
        return;
      case 'secaggReply':
        remote.handleSecAggReply(body.value);
        return;
      case 'heartbeat':
        return;
      case 'error':
        log({ level: 'warn', kind: 'client-error', clientId: remote.id, message: `client ${remote.id}: ${body.value.code}: ${body.value.message.slice(0, 500)}` });
        remote.handleError(body.value.requestId, `${body.value.code}: ${body.value.message.slice(0, 500)}`);
        return;
      default:
        refuse('rejected-frame', 'PROTOCOL', `a client may not send ${String(body.case)}`, 1008);
    }
  }

  connection.send(encodeFrame({ case: 'challenge', value: create(ChallengeSchema, { serverNonce }) }));
}
