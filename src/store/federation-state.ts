/**
 * The network server's durable state (migration 2): registered clients with their hashed
 * credentials, runs, and one row per completed round holding the global weights, metrics, the
 * strategy's optimiser state, the sampling generator's position and the privacy spent per data
 * owner. `saveRound` writes all of it in ONE transaction (synchronous=FULL, WAL): after a crash a
 * round is either wholly recorded or not at all, so a resumed server repeats exactly the rounds
 * that were not, and nothing is lost or counted twice.
 */
import { CohortError, check } from '../errors.js';
import { type CohortDatabase, requireSchema, storeError } from './database.js';

export interface FederationClientRecord {
  readonly name: string;
  readonly storedKey: Uint8Array;
  readonly revoked: boolean;
}

export interface FederationRunRecord {
  readonly id: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly status: string;
  readonly createdAt: string;
}

export interface PrivacySpend {
  readonly client: string;
  readonly epsilon: number;
  readonly delta: number;
}

export interface RoundCheckpoint {
  readonly round: number;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly weights: Float32Array;
  /** Optimiser state of the strategy (FedAvgM velocity, FedAdam moments...), if any. */
  readonly strategyState?: Readonly<Record<string, Float32Array | number>>;
  /** How many 32-bit draws the federation's seeded generator had made after this round. */
  readonly rngDraws: number;
  readonly privacy?: readonly PrivacySpend[];
}

const CLIENT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function checkClientName(name: string): void {
  check(typeof name === 'string' && CLIENT_NAME.test(name), 'client name', name, '1-64 letters, digits, "_" or "-"');
}

export class FederationStateStore {
  constructor(private readonly db: CohortDatabase) {
    requireSchema(db, 2, 'FederationStateStore');
  }

  addClient(name: string, storedKey: Uint8Array): void {
    checkClientName(name);
    check(storedKey instanceof Uint8Array && storedKey.length === 32, 'storedKey', storedKey?.length, '32 bytes');
    try {
      this.db
        .prepare('INSERT INTO fed_clients (name, stored_key, revoked_at, created_at) VALUES (?, ?, NULL, ?) ON CONFLICT(name) DO UPDATE SET stored_key = excluded.stored_key, revoked_at = NULL')
        .run(name, Buffer.from(storedKey), new Date().toISOString());
    } catch (error) {
      throw storeError(`adding client ${JSON.stringify(name)}`, error);
    }
  }

  revokeClient(name: string): boolean {
    checkClientName(name);
    return this.db.prepare('UPDATE fed_clients SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL').run(new Date().toISOString(), name).changes > 0;
  }

  client(name: string): FederationClientRecord | undefined {
    if (typeof name !== 'string' || !CLIENT_NAME.test(name)) return undefined;
    const row = this.db.prepare('SELECT name, stored_key, revoked_at FROM fed_clients WHERE name = ?').get(name) as
      | { name: string; stored_key: Buffer; revoked_at: string | null }
      | undefined;
    return row === undefined ? undefined : { name: row.name, storedKey: new Uint8Array(row.stored_key), revoked: row.revoked_at !== null };
  }

  clients(): FederationClientRecord[] {
    const rows = this.db.prepare('SELECT name, stored_key, revoked_at FROM fed_clients ORDER BY name').all() as { name: string; stored_key: Buffer; revoked_at: string | null }[];
    return rows.map((row) => ({ name: row.name, storedKey: new Uint8Array(row.stored_key), revoked: row.revoked_at !== null }));
  }

  createRun(id: string, config: Readonly<Record<string, unknown>>): void {
    check(typeof id === 'string' && id.length > 0, 'run id', id, 'a non-empty string');
    const now = new Date().toISOString();
    this.db.prepare('INSERT INTO fed_runs (id, config, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, JSON.stringify(config), 'running', now, now);
  }

  setRunStatus(id: string, status: string): void {
    this.db.prepare('UPDATE fed_runs SET status = ?, updated_at = ? WHERE id = ?').run(status, new Date().toISOString(), id);
  }

  /** The most recently created run. */
  latestRun(): FederationRunRecord | undefined {
    const row = this.db.prepare('SELECT id, config, status, created_at FROM fed_runs ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as
      | { id: string; config: string; status: string; created_at: string }
      | undefined;
    return row === undefined ? undefined : { id: row.id, config: JSON.parse(row.config) as Record<string, unknown>, status: row.status, createdAt: row.created_at };
  }

  /** Records a completed round atomically; recording the same round twice is refused. */
  saveRound(runId: string, checkpoint: RoundCheckpoint): void {
    check(Number.isInteger(checkpoint.round) && checkpoint.round >= 1, 'round', checkpoint.round, 'an integer ≥ 1');
    check(checkpoint.weights instanceof Float32Array, 'weights', typeof checkpoint.weights, 'a Float32Array');
    const write = this.db.transaction(() => {
      const last = this.lastRound(runId);
      if (checkpoint.round !== last + 1) {
        throw new CohortError('STORE_ERROR', `run ${runId}: round ${checkpoint.round} recorded after round ${last}; rounds must be consecutive`);
      }
      this.db
        .prepare('INSERT INTO fed_rounds (run_id, round, metrics, weights, strategy_state, rng_draws, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(
          runId,
          checkpoint.round,
          JSON.stringify(checkpoint.metrics),
          floatBytes(checkpoint.weights),
          checkpoint.strategyState === undefined ? null : encodeState(checkpoint.strategyState),
          checkpoint.rngDraws,
          new Date().toISOString(),
        );
      const spend = this.db.prepare('INSERT INTO fed_privacy (run_id, round, client, epsilon, delta) VALUES (?, ?, ?, ?, ?)');
      for (const entry of checkpoint.privacy ?? []) spend.run(runId, checkpoint.round, entry.client, entry.epsilon, entry.delta);
      this.db.prepare('UPDATE fed_runs SET updated_at = ? WHERE id = ?').run(new Date().toISOString(), runId);
    });
    try {
      write.immediate();
    } catch (error) {
      throw storeError(`saving round ${checkpoint.round} of run ${runId}`, error);
    }
  }

  lastRound(runId: string): number {
    const row = this.db.prepare('SELECT MAX(round) AS last FROM fed_rounds WHERE run_id = ?').get(runId) as { last: number | null };
    return row.last ?? 0;
  }

  /** The checkpoint of the last completed round, or undefined before the first. */
  lastCheckpoint(runId: string): RoundCheckpoint | undefined {
    const row = this.db.prepare('SELECT round, metrics, weights, strategy_state, rng_draws FROM fed_rounds WHERE run_id = ? ORDER BY round DESC LIMIT 1').get(runId) as
      | { round: number; metrics: string; weights: Buffer; strategy_state: string | null; rng_draws: number }
      | undefined;
    if (row === undefined) return undefined;
    return {
      round: row.round,
      metrics: JSON.parse(row.metrics) as Record<string, unknown>,
      weights: bytesToFloats(row.weights),
      ...(row.strategy_state === null ? {} : { strategyState: decodeState(row.strategy_state) }),
      rngDraws: row.rng_draws,
    };
  }

  /** Every completed round's metrics, in order. */
  roundMetrics(runId: string): { round: number; metrics: Record<string, unknown>; completedAt: string }[] {
    const rows = this.db.prepare('SELECT round, metrics, completed_at FROM fed_rounds WHERE run_id = ? ORDER BY round').all(runId) as { round: number; metrics: string; completed_at: string }[];
    return rows.map((row) => ({ round: row.round, metrics: JSON.parse(row.metrics) as Record<string, unknown>, completedAt: row.completed_at }));
  }

  /** Total ε and δ per data owner over a run (basic composition: sums; Dwork & Roth 2014, Thm 3.16). */
  privacyByOwner(runId: string): { client: string; epsilon: number; delta: number; rounds: number }[] {
    return this.db
      .prepare('SELECT client, SUM(epsilon) AS epsilon, SUM(delta) AS delta, COUNT(*) AS rounds FROM fed_privacy WHERE run_id = ? GROUP BY client ORDER BY client')
      .all(runId) as { client: string; epsilon: number; delta: number; rounds: number }[];
  }
}

function floatBytes(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

function bytesToFloats(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

function encodeState(state: Readonly<Record<string, Float32Array | number>>): string {
  const out: Record<string, { f32: string } | number> = {};
  for (const [key, value] of Object.entries(state)) out[key] = value instanceof Float32Array ? { f32: floatBytes(value).toString('base64') } : value;
  return JSON.stringify(out);
}

function decodeState(text: string): Record<string, Float32Array | number> {
  const parsed = JSON.parse(text) as Record<string, { f32: string } | number>;
  const out: Record<string, Float32Array | number> = {};
  for (const [key, value] of Object.entries(parsed)) out[key] = typeof value === 'number' ? value : bytesToFloats(Buffer.from(value.f32, 'base64'));
  return out;
}
