/**
 * Opens Cohort's SQLite database (better-sqlite3) ready for several processes at once:
 * - WAL journal: readers do not block the writer, and a crash never leaves a torn write.
 * - synchronous=FULL: a committed transaction survives power loss, not only a process crash —
 *   the privacy ledger must never forget a spend it granted.
 * - busy_timeout: a process that finds the database locked waits instead of failing at once.
 * - foreign_keys=ON (SQLite leaves them off by default).
 * - numbered migrations (./migrations.ts) brought up to date on open.
 * See https://www.sqlite.org/wal.html and https://www.sqlite.org/pragma.html.
 */
import Database from 'better-sqlite3';
import { CohortError, check, formatValue } from '../errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type CohortDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** How long to wait for another process's lock before failing, in ms. Default 10,000. */
  readonly busyTimeoutMs?: number;
  /** Migrations to apply; default MIGRATIONS. Tests pass their own lists. */
  readonly migrations?: readonly Migration[];
}

export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/** Wraps a SQLite failure as STORE_ERROR (CohortErrors pass through unchanged). */
export function storeError(action: string, error: unknown): CohortError {
  if (error instanceof CohortError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new CohortError('STORE_ERROR', `${action} failed: ${detail}`, { cause: error });
}

/**
 * Opens (creating if needed) the database at `path` — a file path, or ":memory:" for a private
 * in-memory database — and applies pending migrations. The caller closes it with `db.close()`.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): CohortDatabase {
  check(typeof path === 'string' && path.length > 0, 'path', path, 'a non-empty file path or ":memory:"');
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  check(
    Number.isInteger(busyTimeoutMs) && busyTimeoutMs >= 0 && busyTimeoutMs <= 600_000,
    'busyTimeoutMs',
    busyTimeoutMs,
    'an integer number of milliseconds in [0, 600000]',
  );
  const migrations = options.migrations ?? MIGRATIONS;
  validateMigrations(migrations);

  let db: CohortDatabase;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw new CohortError('STORE_ERROR', `cannot open database ${formatValue(path)}: ${String(error)}`, {
      subject: 'path',
      cause: error,
    });
  }
  try {
    // busy_timeout first, so that switching to WAL waits for other processes opening the same file.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    if (path !== ':memory:') {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new CohortError('STORE_ERROR', `database ${formatValue(path)} refused WAL mode (got ${formatValue(mode)})`);
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw storeError(`opening database ${formatValue(path)}`, error);
  }
}

function validateMigrations(migrations: readonly Migration[]): void {
  check(Array.isArray(migrations), 'migrations', migrations, 'an array');
  migrations.forEach((migration, i) => {
    check(migration.version === i + 1, `migrations[${i}].version`, migration.version, `${i + 1} (numbered 1, 2, 3... in order)`);
    check(typeof migration.name === 'string' && migration.name.length > 0, `migrations[${i}].name`, migration.name, 'a non-empty string');
    check(typeof migration.sql === 'string' && migration.sql.trim().length > 0, `migrations[${i}].sql`, migration.sql, 'non-empty SQL');
  });
}

/** The highest migration version applied to `db` (0 for a fresh database). */
export function schemaVersion(db: CohortDatabase): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
  return row.version ?? 0;
}

/** Throws STORE_ERROR unless `db` has at least migration `version` (e.g. a ledger on an unmigrated handle). */
export function requireSchema(db: CohortDatabase, version: number, what: string): void {
  const current = schemaVersion(db);
  if (current < version) {
    throw new CohortError(
      'STORE_ERROR',
      `${what} needs database schema version ${version} but the database is at ${current}; open it with openDatabase()`,
    );
  }
}

function migrate(db: CohortDatabase, migrations: readonly Migration[]): void {
  // Each step runs under BEGIN IMMEDIATE and re-reads the version inside it, so two processes
  // opening a new database at the same moment apply every migration exactly once.
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY NOT NULL,
      name       TEXT NOT NULL,
      applied_at TEXT NOT NULL
    ) STRICT`);
  }).immediate();

  const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as Array<{
    version: number;
    name: string;
  }>;
  for (const row of applied) {
    const known = migrations[row.version - 1];
    if (known === undefined) {
      throw new CohortError(
        'STORE_ERROR',
        `database schema version ${row.version} (${formatValue(row.name)}) is newer than this version of Cohort, ` +
          `which knows up to ${migrations.length}; upgrade Cohort to open it`,
      );
    }
    if (known.name !== row.name) {
      throw new CohortError(
        'STORE_ERROR',
        `database migration ${row.version} is ${formatValue(row.name)} but this Cohort calls it ${formatValue(known.name)}`,
      );
    }
  }

  const insert = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations) {
    db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      insert.run(migration.version, migration.name, new Date().toISOString());
    }).immediate();
  }
}
