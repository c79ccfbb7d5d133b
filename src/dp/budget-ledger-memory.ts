/**
 * A budget ledger held in memory: for browsers, tests and short-lived tools. Same rules as the
 * SQLite ledger (src/store/sqlite-budget-ledger.ts), but it forgets everything when the process
 * ends, so it must not guard a budget that outlives the process. Each call runs in one
 * synchronous JS turn, which makes it atomic within the process.
 */
import { check } from '../errors.js';
import {
  type BudgetLedger,
  type LedgerEntry,
  type LedgerStoragePort,
  type NewEntry,
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
} from './budget-ledger.js';
import { DECIMAL_ZERO } from './budget-ledger-decimal.js';

export interface InMemoryBudgetLedgerOptions {
  /** Clock for entry timestamps (tests inject a fixed one). Default: the system clock. */
  readonly clock?: () => Date;
}

export class InMemoryBudgetLedger implements BudgetLedger {
  private readonly accounts = new Map<string, StoredAccount>();
  // Entries are kept as written and turned into fresh objects on every read, so a caller that
  // mutates a returned entry cannot rewrite history.
  private readonly entries: NewEntry[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly clock: () => Date;
  private readonly port: LedgerStoragePort;

  constructor(options: InMemoryBudgetLedgerOptions = {}) {
    check(options.clock === undefined || typeof options.clock === 'function', 'options.clock', options.clock, 'a function');
    this.clock = options.clock ?? (() => new Date());
    this.port = {
      readAccount: (owner) => this.accounts.get(owner),
      findEntryByKey: (owner, key) => {
        const index = this.byKey.get(JSON.stringify([owner, key]));
        return index === undefined ? undefined : this.entryAt(index);
      },
      insertEntry: (entry) => this.insert(entry),
      writeSpent: (owner, spent) => {
        const account = this.accounts.get(owner);
        if (account !== undefined) this.accounts.set(owner, { ...account, spentExact: spent });
      },
    };
  }

  private insert(entry: NewEntry): LedgerEntry {
    const index = this.entries.push(entry) - 1;
    if (entry.idempotencyKey !== undefined) this.byKey.set(JSON.stringify([entry.owner, entry.idempotencyKey]), index);
    return this.entryAt(index);
  }

  private entryAt(index: number): LedgerEntry {
    const entry = this.entries[index];
    if (entry === undefined) throw new Error(`no ledger entry at index ${index}`);
    return {
      id: index + 1,
      owner: entry.owner,
      epsilon: Number(entry.epsilon),
      delta: Number(entry.delta),
      purpose: entry.purpose,
      details: parseDetails(entry.detailsJson),
      idempotencyKey: entry.idempotencyKey,
      at: entry.at,
    };
  }

  async setBudget(owner: string, budget: PrivacyBudget): Promise<void> {
    validateOwner(owner);
    const checked = validateBudget(budget);
    const previous = this.accounts.get(owner);
    this.accounts.set(owner, {
      budget: checked.budget,
      budgetExact: checked.exact,
      spentExact: previous?.spentExact ?? { epsilon: DECIMAL_ZERO, delta: DECIMAL_ZERO },
    });
  }

  async getBudget(owner: string): Promise<PrivacyBudget | undefined> {
    validateOwner(owner);
    return this.accounts.get(owner)?.budget;
  }

  async spent(owner: string): Promise<PrivacyBudget> {
    validateOwner(owner);
    return budgetAtLeast(this.accounts.get(owner)?.spentExact ?? { epsilon: DECIMAL_ZERO, delta: DECIMAL_ZERO });
  }

  async remaining(owner: string): Promise<PrivacyBudget> {
    validateOwner(owner);
    return budgetAtMost(remainingOf(this.accounts.get(owner)));
  }

  async canSpend(request: SpendRequest): Promise<boolean> {
    const normalized = validateSpendRequest(request);
    return applySpends(this.port, [normalized], timestampOf(this.clock), true).granted;
  }

  async trySpend(request: SpendRequest): Promise<SpendOutcome> {
    const normalized = validateSpendRequest(request);
    const result = applySpends(this.port, [normalized], timestampOf(this.clock));
    if (!result.granted) return result.refusal;
    const [grant] = result.grants;
    if (grant === undefined) throw new Error('applySpends granted one request but returned no grant');
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
    const result = applySpends(this.port, normalized, timestampOf(this.clock));
    if (!result.granted) throw budgetExceededError(result.refusal);
    return result.grants;
  }

  async history(owner: string): Promise<LedgerEntry[]> {
    validateOwner(owner);
    const result: LedgerEntry[] = [];
    this.entries.forEach((entry, index) => {
      if (entry.owner === owner) result.push(this.entryAt(index));
    });
    return result;
  }

  async owners(): Promise<string[]> {
    return [...this.accounts.keys()].sort();
  }
}
