// SQLite persistence (Node only: better-sqlite3 is a native module, so this barrel is kept out of
// the browser-safe src/index.ts).
export { openDatabase, schemaVersion, requireSchema, DEFAULT_BUSY_TIMEOUT_MS } from './database.js';
export type { CohortDatabase, OpenDatabaseOptions } from './database.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export { SqliteBudgetLedger, type SqliteBudgetLedgerOptions, type LedgerTotalMismatch } from './sqlite-budget-ledger.js';
