/**
 * How the secure-aggregation driver (src/fl/secure-aggregation, `SecAggPeers`) reaches network
 * clients: each stage message goes to the client's connection as a `SecAggRequest` with a fresh
 * request id and the driver's deadline, and the promise settles with that client's `SecAggReply`
 * for that request id only (request ids are per connection, so a reply on another client's
 * connection can never answer it). A reply after the deadline is dropped and logged, exactly like
 * a late fit reply; the driver has already counted the client as a dropout.
 *
 * A stage goes only to the connection that answered this round's fit: a client that reconnected
 * since then has lost its round state (masks are never persisted), so it is a dropout at once
 * instead of a request it cannot answer.
 */
import { CohortError, check } from '../../errors.js';
import type { SecAggPeers } from '../secure-aggregation/peers.js';
import type { ClientPool } from './client-pool.js';

export class RemoteSecAggPeers implements SecAggPeers {
  /**
   * @param pool the server's connected clients
   * @param round the round being aggregated now (the SecAggRequest carries it; clients check it)
   */
  constructor(
    private readonly pool: ClientPool,
    private readonly round: () => number,
  ) {}

  request(clientId: string, message: Uint8Array, deadlineMs: number): Promise<Uint8Array> {
    check(Number.isFinite(deadlineMs) && deadlineMs > 0, 'deadlineMs', deadlineMs, 'a number of ms > 0');
    check(message instanceof Uint8Array, 'message', typeof message, 'a Uint8Array');
    const round = this.round();
    const client = this.pool.get(clientId);
    if (client === undefined || !client.isOpen) {
      return Promise.reject(new CohortError('NETWORK_ERROR', `client ${JSON.stringify(clientId)} is not connected (secure-aggregation stage of round ${round})`, { subject: clientId }));
    }
    if (client.lastFitRound !== round) {
      return Promise.reject(
        new CohortError('NETWORK_ERROR', `client ${JSON.stringify(clientId)} reconnected after its fit of round ${round}; its secure-aggregation state is gone (a dropout)`, { subject: clientId }),
      );
    }
    return client.secAggRequest(round, message, deadlineMs);
  }
}
