/**
 * One client's side of secure aggregation between two fits: the encoded update it holds for its
 * round and the SecAgg+ protocol state (src/secagg SecAggClientRound) that masks it. Shared by the
 * in-thread client wrapper (client.ts) and the worker threads that host simulated clients
 * (client-worker.ts).
 */
import type { RandomSource } from '../../crypto/random.js';
import { CohortError } from '../../errors.js';
import { decodeServerMessage, encodeClientMessage, SecAggClientRound } from '../../secagg/index.js';

export class SecAggClientState {
  /** The encoded update of the last fit, waiting for its round's maskedInput request. */
  private pending: { readonly round: number; readonly input: Uint32Array } | undefined;
  private session: SecAggClientRound | undefined;

  constructor(
    readonly clientId: string,
    private readonly rng?: RandomSource,
  ) {}

  /** Holds `input` (owned from now on) for `round`, forgetting any earlier round. */
  setInput(round: number, input: Uint32Array): void {
    this.clear();
    this.pending = { round, input };
  }

  /** Answers one stage request (encodeServerMessage bytes) with encodeClientMessage bytes. */
  async handle(request: Uint8Array): Promise<Uint8Array> {
    const message = decodeServerMessage(request);
    const pending = this.pending;
    const id = JSON.stringify(this.clientId);
    if (pending === undefined || message.round !== pending.round) {
      throw new CohortError(
        'INVALID_DATA',
        `client ${id}: ${message.stage} request of round ${message.round}, but ${pending === undefined ? 'it holds no update (it did not train)' : `it trained in round ${pending.round}`}`,
        { subject: 'round' },
      );
    }
    if (message.stage === 'setup') {
      // One protocol run per trained update: a second setup would mask the same input again
      // under fresh keys, giving a (malicious) server two chances to unmask it.
      if (this.session !== undefined) throw new CohortError('INVALID_DATA', `client ${id}: a second setup request for round ${message.round}`, { subject: 'setup' });
      this.session = new SecAggClientRound(this.clientId, this.rng);
    }
    const session = this.session;
    if (session === undefined) throw new CohortError('INVALID_DATA', `client ${id}: ${message.stage} request before setup`, { subject: message.stage });
    if (message.stage === 'maskedInput') session.setInput(pending.input);
    const reply = await session.handle(message);
    // The masked input has left: the plain encoding is no longer needed (the round marker stays for unmask).
    if (message.stage === 'maskedInput') pending.input.fill(0);
    return encodeClientMessage(reply);
  }

  /** Zeroes and forgets the held update and the protocol state. */
  clear(): void {
    this.pending?.input.fill(0);
    this.pending = undefined;
    this.session = undefined;
  }
}
