/**
 * The enforced privacy budget of a federated run. Before each round the server asks what every
 * data owner will have spent once that round is done (the accountant's tight total for the run so
 * far, from a `PrivacySchedule`), and refuses the round if any owner would go past the run's
 * (ε, δ) or past what the owner's ledger account still allows. A granted round is paid for in the
 * ledger BEFORE it runs (a crash mid-round never leaves a release unpaid).
 *
 * Ledger entries: one per owner per round, holding the increase of the owner's tight total
 * ε_t − ε_{t−1} (δ is charged once, with the first round). The ledger adds entries by basic
 * composition, so the recorded total of the run is Σ_t (ε_t − ε_{t−1}) = ε_T, the accountant's
 * total, not a sum of per-round ε's (docs/privacy-budget.md: a tightly accounted run records its
 * total). Each increment is rounded up by one ulp so that the decimal the ledger records never
 * understates it.
 */
import { type BudgetLedger, type JsonObject, type PrivacyBudget, type SpendRequest } from '../../dp/budget-ledger.js';
import { CohortError, check } from '../../errors.js';

export interface OwnerPrivacy {
  readonly owner: string;
  readonly epsilon: number;
  readonly delta: number;
}

/** What each owner has spent after `rounds` rounds of the run (rounds = 0: nothing). */
export type PrivacySchedule = (rounds: number) => readonly OwnerPrivacy[];

export interface RoundBudgetOptions {
  /** The run's cap; ε = Infinity leaves only the ledger's limit. */
  readonly budget: PrivacyBudget;
  readonly schedule: PrivacySchedule;
  readonly ledger: BudgetLedger;
  /** Identifies the run in idempotency keys ("<runId>:round-<t>"). */
  readonly runId: string;
  /** What the spends pay for, e.g. "DP-FedAvg on breast-cancer". */
  readonly purpose: string;
  /** Facts recorded with each spend (noise multiplier, sample rate, accountant...). */
  readonly details?: JsonObject;
}

export type RoundDecision =
  | { readonly allowed: true; readonly spent: readonly OwnerPrivacy[] }
  | { readonly allowed: false; readonly reason: string; readonly limit: 'run' | 'ledger'; readonly wouldSpend: readonly OwnerPrivacy[] };

export class RoundBudget {
  private readonly options: RoundBudgetOptions;
  private lastRound = 0;
  private previous: ReadonlyMap<string, OwnerPrivacy> = new Map();
  private readonly history: (readonly OwnerPrivacy[])[] = [];

  constructor(options: RoundBudgetOptions) {
    check(typeof options === 'object' && options !== null, 'options', options, 'an object');
    const { budget } = options;
    check(typeof budget === 'object' && budget !== null, 'budget', budget, 'an object {epsilon, delta}');
    check(budget.epsilon > 0, 'budget.epsilon', budget.epsilon, 'a number > 0 (Infinity for no cap)');
    check(budget.delta >= 0 && budget.delta < 1, 'budget.delta', budget.delta, 'in [0, 1)');
    check(typeof options.schedule === 'function', 'schedule', options.schedule, 'a function');
    check(typeof options.runId === 'string' && options.runId.length > 0, 'runId', options.runId, 'a non-empty string');
    this.options = options;
  }

  /** Owners' totals after each granted round (index 0 = round 1). */
  get spentPerRound(): readonly (readonly OwnerPrivacy[])[] {
    return this.history;
  }

  /** Decides round `round` (the rounds must come in order 1, 2, ...) and, if allowed, pays for it. */
  async beforeRound(round: number): Promise<RoundDecision> {
    check(round === this.lastRound + 1, 'round', round, `the next round (${this.lastRound + 1})`);
    const { budget, ledger } = this.options;
    const after = this.options.schedule(round);
    for (const owner of after) {
      if (owner.epsilon > budget.epsilon || owner.delta > budget.delta) {
        return {
          allowed: false,
          limit: 'run',
          wouldSpend: after,
          reason: `round ${round} would take ${owner.owner} to ε = ${formatEpsilon(owner.epsilon)} (δ = ${owner.delta}), past the run's budget ε = ${budget.epsilon}, δ = ${budget.delta}`,
        };
      }
    }
    const requests: SpendRequest[] = after.map((owner) => {
      const before = this.previous.get(owner.owner);
      const epsilonIncrease = before === undefined ? owner.epsilon : Math.max(0, owner.epsilon - before.epsilon);
      const deltaIncrease = before === undefined ? owner.delta : Math.max(0, owner.delta - before.delta);
      return {
        owner: owner.owner,
        epsilon: epsilonIncrease === 0 ? 0 : nextUp(epsilonIncrease),
        delta: deltaIncrease,
        purpose: `${this.options.purpose}, round ${round}`,
        details: { ...(this.options.details ?? {}), round, runId: this.options.runId, epsilonTotal: owner.epsilon, deltaTotal: owner.delta },
        idempotencyKey: `${this.options.runId}:round-${round}`,
      };
    });
    try {
      await ledger.spendAll(requests);
    } catch (error) {
      if (error instanceof CohortError && error.code === 'DP_BUDGET_EXCEEDED') {
        return { allowed: false, limit: 'ledger', wouldSpend: after, reason: `round ${round} refused by the privacy ledger: ${error.message}` };
      }
      throw error;
    }
    this.lastRound = round;
    this.previous = new Map(after.map((owner) => [owner.owner, owner]));
    this.history.push(after);
    return { allowed: true, spent: after };
  }
}

function formatEpsilon(epsilon: number): string {
  return Number.isFinite(epsilon) ? String(Number(epsilon.toPrecision(6))) : String(epsilon);
}

/** The smallest double above x > 0. */
function nextUp(x: number): number {
  if (!Number.isFinite(x)) return x;
  const buffer = new DataView(new ArrayBuffer(8));
  buffer.setFloat64(0, x);
  buffer.setBigUint64(0, buffer.getBigUint64(0) + 1n);
  return buffer.getFloat64(0);
}

/** Sets every owner's ledger budget to `budget` unless the ledger already has one (which then rules). */
export async function ensureBudgets(ledger: BudgetLedger, owners: readonly string[], budget: PrivacyBudget): Promise<void> {
  for (const owner of owners) {
    if ((await ledger.getBudget(owner)) === undefined) await ledger.setBudget(owner, budget);
  }
}
