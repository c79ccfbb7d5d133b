/**
 * The server's `ClientManager`: the authenticated clients connected now. `available(round)` waits
 * until at least `minClients` are connected (Flower's `wait_for`), then returns them sorted by id
 * so that sampling with a seeded generator picks the same clients for the same connected set.
 */
import { CohortError } from '../../errors.js';
import type { ClientManager } from '../server.js';
import type { RemoteClient } from './remote-client.js';

export class ClientPool implements ClientManager {
  private readonly clients = new Map<string, RemoteClient>();
  private waiters: (() => void)[] = [];

  constructor(
    readonly minClients: number,
    private readonly signal?: AbortSignal,
  ) {}

  /** Adds a client; an earlier connection of the same client is closed and replaced. */
  add(client: RemoteClient): void {
    const previous = this.clients.get(client.id);
    if (previous && previous !== client) {
      previous.disconnected('replaced by a new connection');
      previous.close(4000, 'replaced by a new connection');
    }
    this.clients.set(client.id, client);
    this.wake();
  }

  remove(client: RemoteClient): void {
    if (this.clients.get(client.id) === client) this.clients.delete(client.id);
    this.wake();
  }

  get size(): number {
    return this.clients.size;
  }

  /** The current connection of client `id`, if it is connected. */
  get(id: string): RemoteClient | undefined {
    return this.clients.get(id);
  }

  ids(): string[] {
    return [...this.clients.keys()].sort();
  }

  all(): RemoteClient[] {
    return this.ids().map((id) => this.clients.get(id) as RemoteClient);
  }

  async available(_round: number): Promise<readonly RemoteClient[]> {
    while (this.connected().length < this.minClients) {
      this.signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        this.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return this.connected();
  }

  private connected(): RemoteClient[] {
    return this.all().filter((client) => client.isOpen);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export function roundIncomplete(round: number, replied: number, minClients: number): CohortError {
  return new CohortError('ROUND_INCOMPLETE', `round ${round}: only ${replied} client(s) replied, fewer than --min-clients ${minClients}; the round is retried`, {
    subject: 'min-clients',
  });
}
