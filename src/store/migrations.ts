/**
 * Numbered schema migrations for Cohort's SQLite database. openDatabase() applies the ones a
 * database has not seen yet, each in its own transaction, and records them in `schema_migrations`.
 *
 * To add tables (runs, rounds, checkpoints...), APPEND a migration with the next version number.
 * Never edit or reorder one that has shipped: databases in the field have already applied it
 * (openDatabase refuses a database whose recorded migration names disagree with this list).
 */
export interface Migration {
  /** 1, 2, 3... with no gaps. */
  readonly version: number;
  /** Short stable name, recorded with the version. */
  readonly name: string;
  /** SQL run once, inside a transaction. */
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'privacy-budget-ledger',
    // Amounts are TEXT holding exact plain decimals (see src/dp/budget-ledger-decimal.ts):
    // SQLite REAL would bring back the floating-point drift the ledger exists to avoid.
    // The running totals in dp_budget_accounts are updated in the same transaction as each insert;
    // SqliteBudgetLedger.verifyTotals() recomputes them from the entries.
    sql: `
      CREATE TABLE dp_budget_accounts (
        owner          TEXT PRIMARY KEY NOT NULL,
        budget_epsilon TEXT NOT NULL,
        budget_delta   TEXT NOT NULL,
        spent_epsilon  TEXT NOT NULL DEFAULT '0',
        spent_delta    TEXT NOT NULL DEFAULT '0',
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
      ) STRICT;

      CREATE TABLE dp_budget_spends (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        owner           TEXT NOT NULL REFERENCES dp_budget_accounts(owner) ON DELETE RESTRICT,
        epsilon         TEXT NOT NULL,
        delta           TEXT NOT NULL,
        purpose         TEXT NOT NULL,
        details         TEXT NOT NULL CHECK (json_valid(details)),
        idempotency_key TEXT,
        created_at      TEXT NOT NULL,
        UNIQUE (owner, idempotency_key)
      ) STRICT;

      CREATE INDEX dp_budget_spends_by_owner ON dp_budget_spends (owner, id);

      -- The ledger is append-only: what was spent stays spent.
      CREATE TRIGGER dp_budget_spends_no_update BEFORE UPDATE ON dp_budget_spends
      BEGIN SELECT RAISE(ABORT, 'privacy ledger entries are append-only'); END;
      CREATE TRIGGER dp_budget_spends_no_delete BEFORE DELETE ON dp_budget_spends
      BEGIN SELECT RAISE(ABORT, 'privacy ledger entries are append-only'); END;
    `,
  },
  {
    version: 2,
    name: 'federation-state',
    sql: `
      -- Network federation (src/store/federation-state.ts): clients and their hashed tokens, runs,
      -- and one row per COMPLETED round holding everything needed to resume after it.
      CREATE TABLE fed_clients (
        name        TEXT PRIMARY KEY,
        stored_key  BLOB NOT NULL,
        revoked_at  TEXT,
        created_at  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE fed_runs (
        id          TEXT PRIMARY KEY,
        config      TEXT NOT NULL CHECK (json_valid(config)),
        status      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE fed_rounds (
        run_id          TEXT NOT NULL REFERENCES fed_runs(id),
        round           INTEGER NOT NULL,
        metrics         TEXT NOT NULL CHECK (json_valid(metrics)),
        weights         BLOB NOT NULL,
        strategy_state  TEXT,
        rng_draws       INTEGER NOT NULL,
        completed_at    TEXT NOT NULL,
        PRIMARY KEY (run_id, round)
      ) STRICT;

      -- Privacy spent per data owner and round (client-reported DP guarantees).
      CREATE TABLE fed_privacy (
        run_id   TEXT NOT NULL,
        round    INTEGER NOT NULL,
        client   TEXT NOT NULL,
        epsilon  REAL NOT NULL,
        delta    REAL NOT NULL,
        PRIMARY KEY (run_id, round, client),
        FOREIGN KEY (run_id, round) REFERENCES fed_rounds(run_id, round)
      ) STRICT;
    `,
  },
];
