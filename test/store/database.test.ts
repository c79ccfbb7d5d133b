import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CohortError } from '../../src/errors.js';
import { openDatabase, schemaVersion } from '../../src/store/database.js';
import { MIGRATIONS, type Migration } from '../../src/store/migrations.js';
import { SqliteBudgetLedger } from '../../src/store/sqlite-budget-ledger.js';

const directory = mkdtempSync(join(tmpdir(), 'cohort-database-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let counter = 0;
const freshPath = (): string => join(directory, `db-${(counter += 1)}.sqlite`);

function storeErrorOf(fn: () => unknown): CohortError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CohortError);
    return error as CohortError;
  }
  throw new Error('expected a CohortError');
}

/** A migration one past the code's last, as a newer Cohort would add. */
const NEXT = MIGRATIONS.length + 1;
const extra: Migration = {
  version: NEXT,
  name: 'test-runs',
  sql: 'CREATE TABLE test_runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT;',
};

describe('openDatabase', () => {
  it('opens a file in WAL mode with durable commits, foreign keys and a busy timeout', () => {
    const db = openDatabase(freshPath(), { busyTimeoutMs: 2500 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(2500);
    db.close();
  });

  it('records numbered migrations once and applies new ones on the next open', () => {
    const path = freshPath();
    let db = openDatabase(path);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
    );
    db.close();

    db = openDatabase(path); // nothing new to apply
    expect(db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: MIGRATIONS.length });
    db.close();

    db = openDatabase(path, { migrations: [...MIGRATIONS, extra] });
    expect(schemaVersion(db)).toBe(NEXT);
    db.prepare("INSERT INTO test_runs (name) VALUES ('a')").run();
    db.close();

    // An older Cohort (not knowing the extra migration) refuses the newer database instead of misreading it.
    const error = storeErrorOf(() => openDatabase(path));
    expect(error.code).toBe('STORE_ERROR');
    expect(error.message).toMatch(
      new RegExp(`schema version ${NEXT} \\("test-runs"\\) is newer than this version of Cohort, which knows up to ${MIGRATIONS.length}`),
    );
  });

  it('refuses a database whose recorded migration names disagree with the code', () => {
    const path = freshPath();
    openDatabase(path, { migrations: [...MIGRATIONS, extra] }).close();
    const error = storeErrorOf(() => openDatabase(path, { migrations: [...MIGRATIONS, { ...extra, name: 'renamed' }] }));
    expect(error.message).toMatch(new RegExp(`migration ${NEXT} is "test-runs" but this Cohort calls it "renamed"`));
  });

  it('rolls a failing migration back whole and records nothing', () => {
    const path = freshPath();
    const broken: Migration = { version: NEXT, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM missing_table;' };
    const error = storeErrorOf(() => openDatabase(path, { migrations: [...MIGRATIONS, broken] }));
    expect(error.code).toBe('STORE_ERROR');
    expect(error.message).toMatch(/no such table: missing_table/);
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });

  it('validates its arguments and the migration list', () => {
    expect(() => openDatabase('')).toThrow(/path must be a non-empty file path/);
    expect(() => openDatabase(':memory:', { busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs must be an integer/);
    expect(() => openDatabase(':memory:', { migrations: [{ ...extra, version: 2 }] })).toThrow(
      /migrations\[0\]\.version must be 1 \(numbered 1, 2, 3... in order\) \(got 2\)/,
    );
    const error = storeErrorOf(() => openDatabase(join(directory, 'no-such-dir', 'x.db')));
    expect(error.code).toBe('STORE_ERROR');
    expect(error.message).toMatch(/cannot open database/);
  });
});

describe('the privacy ledger tables', () => {
  it('are append-only: entries cannot be updated or deleted', async () => {
    const db = openDatabase(':memory:');
    const ledger = new SqliteBudgetLedger(db);
    await ledger.setBudget('a', { epsilon: 1, delta: 0 });
    await ledger.spend({ owner: 'a', epsilon: 0.5, delta: 0, purpose: 'x' });
    expect(() => db.prepare("UPDATE dp_budget_spends SET epsilon = '0'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM dp_budget_spends').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM dp_budget_accounts').run()).toThrow(/FOREIGN KEY/);
    expect(() =>
      db.prepare("INSERT INTO dp_budget_spends (owner, epsilon, delta, purpose, details, created_at) VALUES ('ghost', '1', '0', 'p', '{}', 't')").run(),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('the ledger refuses a database that was not opened through openDatabase', () => {
    const raw = new Database(':memory:');
    const error = storeErrorOf(() => new SqliteBudgetLedger(raw));
    expect(error.message).toMatch(/needs database schema version 1 but the database is at 0/);
    raw.close();
  });

  it('verifyTotals reports a running total that disagrees with the entries', async () => {
    const db = openDatabase(':memory:');
    const ledger = new SqliteBudgetLedger(db);
    await ledger.setBudget('a', { epsilon: 1, delta: 0 });
    await ledger.spend({ owner: 'a', epsilon: 0.25, delta: 0, purpose: 'x' });
    expect(ledger.verifyTotals()).toEqual([]);
    db.prepare("UPDATE dp_budget_accounts SET spent_epsilon = '0.2' WHERE owner = 'a'").run(); // tampering
    expect(ledger.verifyTotals()).toEqual([
      { owner: 'a', recorded: { epsilon: '0.2', delta: '0' }, recomputed: { epsilon: '0.25', delta: '0' } },
    ]);
    db.close();
  });

  it('corrupt stored amounts surface as STORE_ERROR, not as a wrong answer', async () => {
    const db = openDatabase(':memory:');
    const ledger = new SqliteBudgetLedger(db);
    await ledger.setBudget('a', { epsilon: 1, delta: 0 });
    db.prepare("UPDATE dp_budget_accounts SET spent_epsilon = 'oops' WHERE owner = 'a'").run();
    await expect(ledger.spend({ owner: 'a', epsilon: 0.1, delta: 0, purpose: 'x' })).rejects.toMatchObject({
      code: 'STORE_ERROR',
      message: expect.stringMatching(/corrupt spent total of a/),
    });
    db.close();
  });
});

describe('SqliteBudgetLedger restart', () => {
  it('keeps every spend, key and budget across close and reopen', async () => {
    const path = freshPath();
    let db = openDatabase(path);
    let ledger = new SqliteBudgetLedger(db);
    await ledger.setBudget('hospital-a', { epsilon: 2, delta: 1e-5 });
    for (let i = 0; i < 5; i += 1) {
      await ledger.spend({ owner: 'hospital-a', epsilon: 0.3, delta: 1e-6, purpose: `run ${i}`, idempotencyKey: `run-${i}`, details: { i } });
    }
    const before = await ledger.history('hospital-a');
    db.close();

    db = openDatabase(path);
    ledger = new SqliteBudgetLedger(db);
    expect(await ledger.history('hospital-a')).toEqual(before);
    expect(await ledger.getBudget('hospital-a')).toEqual({ epsilon: 2, delta: 1e-5 });
    expect(await ledger.spent('hospital-a')).toEqual({ epsilon: 1.5, delta: 5e-6 });
    expect(await ledger.remaining('hospital-a')).toEqual({ epsilon: 0.5, delta: 5e-6 });
    // A retry after the restart is recognised; a new spend still obeys the budget.
    const retry = await ledger.spend({ owner: 'hospital-a', epsilon: 0.3, delta: 1e-6, purpose: 'run 4', idempotencyKey: 'run-4', details: { i: 4 } });
    expect(retry.replayed).toBe(true);
    await expect(ledger.spend({ owner: 'hospital-a', epsilon: 0.6, delta: 0, purpose: 'too much' })).rejects.toMatchObject({
      code: 'DP_BUDGET_EXCEEDED',
    });
    db.close();
  });

  it('two connections in one process see and respect each other’s spends', async () => {
    const path = freshPath();
    const first = openDatabase(path);
    const second = openDatabase(path);
    const a = new SqliteBudgetLedger(first);
    const b = new SqliteBudgetLedger(second);
    await a.setBudget('x', { epsilon: 1, delta: 0 });
    await a.spend({ owner: 'x', epsilon: 0.6, delta: 0, purpose: 'a' });
    expect(await b.remaining('x')).toEqual({ epsilon: 0.4, delta: 0 });
    await expect(b.spend({ owner: 'x', epsilon: 0.5, delta: 0, purpose: 'b' })).rejects.toMatchObject({ code: 'DP_BUDGET_EXCEEDED' });
    await b.spend({ owner: 'x', epsilon: 0.4, delta: 0, purpose: 'b' });
    expect(await a.remaining('x')).toEqual({ epsilon: 0, delta: 0 });
    first.close();
    second.close();
  });

  it('a lock held too long by another connection surfaces as STORE_ERROR after the busy timeout', async () => {
    const path = freshPath();
    const holder = openDatabase(path);
    const waiter = openDatabase(path, { busyTimeoutMs: 50 });
    const ledger = new SqliteBudgetLedger(waiter);
    holder.exec('BEGIN IMMEDIATE');
    try {
      await expect(ledger.setBudget('x', { epsilon: 1, delta: 0 })).rejects.toMatchObject({
        code: 'STORE_ERROR',
        message: expect.stringMatching(/database is locked/),
      });
    } finally {
      holder.exec('ROLLBACK');
    }
    await ledger.setBudget('x', { epsilon: 1, delta: 0 });
    holder.close();
    waiter.close();
  });
});
