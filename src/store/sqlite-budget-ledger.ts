/**
 * The privacy budget ledger on SQLite. Every spend runs in a `BEGIN IMMEDIATE` transaction: it
 * takes the database's write lock first, then re-reads the owner's recorded total, then checks and
 * records. Because the check and the write happen under one lock, spends from any number of
 * processes sharing the file are serialised and can never take the total past the budget
 * (https://www.sqlite.org/lang_transaction.html). A committed spend is in the file, so it survives
 * a crash or restart; an interrupted one rolls back as if never asked. The spending rule itself
 * is the pure one in src/dp/budget-ledger.ts, shared with the in-memory ledger.
 */
import { CohortError, check } from '../errors.js';
import {
  type BudgetLedger,
  type ExactBudget,
  type LedgerEntry,
  type LedgerStoragePort,
  type PrivacyBudget,
  type SpendGrant,
  type SpendOutcome,
  type SpendRequest,
  type StoredAccount,
  applySpends,
  budgetAtLeast,
  budgetAtMost,
  budgetExceededError,
  parseDetails,
  remainingOf,
  timestampOf,
  validateBudget,
  validateOwner,
  validateSpendRequest,
} from '../dp/budget-ledger.js';
import {
  DECIMAL_ZERO,
  decimalAdd,
  decimalCompare,
  decimalFromString,
  decimalToString,
} from '../dp/budget-ledger-decimal.js';
import { type CohortDatabase, requireSchema, storeError } from './database.js';

export interface SqliteBudgetLedgerOptions {
  /** Clock for entry timestamps (tests inject a fixed one). Default: the system clock. */
  readonly clock?: () => Date;
}

/** An owner whose recorded running total disagrees with the sum of its entries. */
export interface LedgerTotalMismatch {
  readonly owner: string;
  readonly recorded: { readonly epsilon: string; readonly delta: string };
  readonly recomputed: { readonly epsilon: string; readonly delta: string };
}

interface AccountRow {
  budget_epsilon: string;
  budget_delta: string;
  spent_epsilon: string;
  spent_delta: string;
}

interface SpendRow {
  id: number;
  owner: string;
  epsilon: string;
  delta: string;
  purpose: string;
  details: string;
  idempotency_key: string | null;
  created_at: string;
}

function exactOf(epsilon: string, delta: string, what: string): ExactBudget {
  try {
    return { epsilon: decimalFromString(epsilon), delta: decimalFromString(delta) };
  } catch (error) {
    throw new CohortError('STORE_ERROR', `corrupt ${what} in the privacy ledger: ε=${epsilon}, δ=${delta}`, { cause: error });
  }
}

function accountOf(row: AccountRow, owner: string): StoredAccount {
  const budgetExact = exactOf(row.budget_epsilon, row.budget_delta, `budget of ${owner}`);
  return {
    // The stored text is the shortest decimal of the double that was set, so Number() gives it back.
    budget: { epsilon: Number(row.budget_epsilon), delta: Number(row.budget_delta) },
    budgetExact,
    spentExact: exactOf(row.spent_epsilon, row.spent_delta, `spent total of ${owner}`),
  };
}

function entryOf(row: SpendRow): LedgerEntry {
  return {
    id: row.id,
    owner: row.owner,
    epsilon: Number(row.epsilon),
    delta: Number(row.delta),
    purpose: row.purpose,
    details: parseDetails(row.details),
    idempotencyKey: row.idempotency_key ?? undefined,
    at: row.created_at,
  };
}

interface InsertParams {
  owner: string;
  epsilon: string;
  delta: string;
  purpose: string;
  detailsJson: string;
  idempotencyKey: string | null;
  at: string;
}

function prepareStatements(db: CohortDatabase) {
  return {
    account: db.prepare<[string], AccountRow>(
      'SELECT budget_epsilon, budget_delta, spent_epsilon, spent_delta FROM dp_budget_accounts WHERE owner = ?',
    ),
    upsertBudget: db.prepare(
      `INSERT INTO dp_budget_accounts (owner, budget_epsilon, budget_delta, created_at, updated_at)
       VALUES (@owner, @epsilon, @delta, @at, @at)
       ON CONFLICT (owner) DO UPDATE SET budget_epsilon = excluded.budget_epsilon,
         budget_delta = excluded.budget_delta, updated_at = excluded.updated_at`,
    ),
    writeSpent: db.prepare(
      'UPDATE dp_budget_accounts SET spent_epsilon = ?, spent_delta = ?, updated_at = ? WHERE owner = ?',
    ),
    byKey: db.prepare<[string, string], SpendRow>(
      'SELECT * FROM dp_budget_spends WHERE owner = ? AND idempotency_key = ?',
    ),
    insert: db.prepare<[InsertParams], SpendRow>(
      `INSERT INTO dp_budget_spends (owner, epsilon, delta, purpose, details, idempotency_key, created_at)
       VALUES (@owner, @epsilon, @delta, @purpose, @detailsJson, @idempotencyKey, @at) RETURNING *`,
    ),
    history: db.prepare<[string], SpendRow>('SELECT * FROM dp_budget_spends WHERE owner = ? ORDER BY id'),
    owners: db.prepare<[], { owner: string }>('SELECT owner FROM dp_budget_accounts ORDER BY owner'),
    accounts: db.prepare<[], AccountRow & { owner: string }>('SELECT * FROM dp_budget_accounts ORDER BY owner'),
    amounts: db.prepare<[string], { epsilon: string; delta: string }>(
      'SELECT epsilon, delta FROM dp_budget_spends WHERE owner = ? ORDER BY id',
    ),
  };
}

export class SqliteBudgetLedger implements BudgetLedger {
  private readonly db: CohortDatabase;
  private readonly clock: () => Date;
  private readonly port: LedgerStoragePort;
  private readonly statements: ReturnType<typeof prepareStatements>;

  /** `db` comes from openDatabase(), which applies the ledger's migration. The caller closes it. */
  constructor(db: CohortDatabase, options: SqliteBudgetLedgerOptions = {}) {
    check(typeof db === 'object' && db !== null && typeof db.prepare === 'function', 'db', db, 'a database from openDatabase()');
    check(options.clock === undefined || typeof options.clock === 'function', 'options.clock', options.clock, 'a function');
    requireSchema(db, 1, 'the privacy budget ledger');
    this.db = db;
    this.clock = options.clock ?? (() => new Date());
    this.statements = prepareStatements(db);
    this.port = {
      readAccount: (owner) => {
        const row = this.statements.account.get(owner);
        return row === undefined ? undefined : accountOf(row, owner);
      },
      findEntryByKey: (owner, key) => {
        const row = this.statements.byKey.get(owner, key);
        return row === undefined ? undefined : entryOf(row);
      },
      insertEntry: (entry) => {
        const row = this.statements.insert.get({
          owner: entry.owner,
          epsilon: entry.epsilon,
          delta: entry.delta,
          purpose: entry.purpose,
          detailsJson: entry.detailsJson,
          idempotencyKey: entry.idempotencyKey ?? null,
          at: entry.at,
        });
        if (row === undefined) throw new CohortError('STORE_ERROR', 'inserting a ledger entry returned no row');
        return entryOf(row);
      },
      writeSpent: (owner, spent, at) => {
        this.statements.writeSpent.run(decimalToString(spent.epsilon), decimalToString(spent.delta), at, owner);
      },
    };
  }

  private run<T>(action: string, body: () => T, mode: 'immediate' | 'deferred' = 'immediate'): T {
    try {
      const transaction = this.db.transaction(body);
      return mode === 'immediate' ? transaction.immediate() : transaction.deferred();
    } catch (error) {
      throw storeError(action, error);
    }
  }

  async setBudget(owner: string, budget: PrivacyBudget): Promise<void> {
    validateOwner(owner);
    const { exact } = validateBudget(budget);
    const at = timestampOf(this.clock);
    this.run('setting a privacy budget', () => {
      this.statements.upsertBudget.run({
        owner,
        epsilon: decimalToString(exact.epsilon),
        delta: decimalToString(exact.delta),
        at,
      });
    });
  }

  async getBudget(owner: string): Promise<PrivacyBudget | undefined> {
    validateOwner(owner);
    return this.run('reading a privacy budget', () => this.port.readAccount(owner)?.budget, 'deferred');
  }

  async spent(owner: string): Promise<PrivacyBudget> {
    validateOwner(owner);
    const account = this.run('reading a spent total', () => this.port.readAccount(owner), 'deferred');
    return budgetAtLeast(account?.spentExact ?? { epsilon: DECIMAL_ZERO, delta: DECIMAL_ZERO });
  }

  async remaining(owner: string): Promise<PrivacyBudget> {
    validateOwner(owner);
    const account = this.run('reading a remaining budget', () => this.port.readAccount(owner), 'deferred');
    return budgetAtMost(remainingOf(account));
  }

  async canSpend(request: SpendRequest): Promise<boolean> {
    const normalized = validateSpendRequest(request);
    const at = timestampOf(this.clock);
    return this.run('checking a spend', () => applySpends(this.port, [normalized], at, true).granted, 'deferred');
  }

  async trySpend(request: SpendRequest): Promise<SpendOutcome> {
    const normalized = validateSpendRequest(request);
    const at = timestampOf(this.clock);
    const result = this.run('recording a privacy spend', () => applySpends(this.port, [normalized], at));
    if (!result.granted) return result.refusal;
    const [grant] = result.grants;
    if (grant === undefined) throw new CohortError('INTERNAL', 'a granted spend returned no grant');
    return grant;
  }

  async spend(request: SpendRequest): Promise<SpendGrant> {
    const outcome = await this.trySpend(request);
    if (!outcome.granted) throw budgetExceededError(outcome);
    return outcome;
  }

  async spendAll(requests: readonly SpendRequest[]): Promise<SpendGrant[]> {
    check(Array.isArray(requests), 'requests', requests, 'an array of spend requests');
    const normalized = requests.map((request, i) => validateSpendRequest(request, `requests[${i}]`));
    const at = timestampOf(this.clock);
    const result = this.run('recording privacy spends', () => applySpends(this.port, normalized, at));
    if (!result.granted) throw budgetExceededError(result.refusal);
    return result.grants;
  }

  async history(owner: string): Promise<LedgerEntry[]> {
    validateOwner(owner);
    return this.run('reading ledger history', () => this.statements.history.all(owner).map(entryOf), 'deferred');
  }

  async owners(): Promise<string[]> {
    return this.run('listing ledger owners', () => this.statements.owners.all().map((row) => row.owner), 'deferred');
  }

  /**
   * Recomputes every owner's total from its entries and lists the owners whose recorded running
   * total disagrees (empty when the ledger is consistent). An audit check, O(entries).
   */
  verifyTotals(): LedgerTotalMismatch[] {
    return this.run(
      'verifying ledger totals',
      () => {
        const mismatches: LedgerTotalMismatch[] = [];
        for (const row of this.statements.accounts.all()) {
          let epsilon = DECIMAL_ZERO;
          let delta = DECIMAL_ZERO;
          for (const amount of this.statements.amounts.iterate(row.owner)) {
            const exact = exactOf(amount.epsilon, amount.delta, `entry of ${row.owner}`);
            epsilon = decimalAdd(epsilon, exact.epsilon);
            delta = decimalAdd(delta, exact.delta);
          }
          const recorded = exactOf(row.spent_epsilon, row.spent_delta, `spent total of ${row.owner}`);
          if (decimalCompare(recorded.epsilon, epsilon) !== 0 || decimalCompare(recorded.delta, delta) !== 0) {
            mismatches.push({
              owner: row.owner,
              recorded: { epsilon: row.spent_epsilon, delta: row.spent_delta },
              recomputed: { epsilon: decimalToString(epsilon), delta: decimalToString(delta) },
            });
          }
        }
        return mismatches;
      },
      'deferred',
    );
  }
}
