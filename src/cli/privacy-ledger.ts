/**
 * The privacy ledger a DP command pays into: `--ledger FILE.sqlite` opens (creating if needed) a
 * SQLite ledger that outlives the run and is shared by every run given the same file; without it
 * runs use an in-memory ledger and forget their spends.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { BudgetLedger } from '../dp/budget-ledger.js';
import { CohortError } from '../errors.js';
import { openDatabase, SqliteBudgetLedger } from '../store/index.js';

export interface OpenLedger {
  readonly ledger: BudgetLedger | undefined;
  close(): void;
}

export function openPrivacyLedger(path: string | undefined): OpenLedger {
  if (path === undefined) return { ledger: undefined, close: () => undefined };
  if (path.trim() === '') throw new CohortError('INVALID_ARGUMENT', '--ledger needs a file name (got "")', { subject: '--ledger' });
  const folder = dirname(resolve(path));
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    throw new CohortError('FILE_NOT_FOUND', `--ledger ${JSON.stringify(path)}: folder ${JSON.stringify(folder)} does not exist`, { subject: '--ledger' });
  }
  let db;
  try {
    db = openDatabase(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CohortError('STORE_ERROR', `--ledger ${JSON.stringify(path)}: ${reason}`, { subject: '--ledger', cause: error });
  }
  const opened = db;
  return { ledger: new SqliteBudgetLedger(opened), close: () => opened.close() };
}
