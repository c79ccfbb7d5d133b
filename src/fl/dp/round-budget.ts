/**
 * The enforced privacy budget of a federated run. Before each round the server asks what every
 * data owner taking part will have spent once that round is done (the accountant's tight total
 * for the rounds that owner took part in), and refuses the round if any of them would go past the
 * run's (ε, δ) or past what the owner's ledger account still allows. A granted round is paid for
 * in the ledger BEFORE it runs (a crash mid-round never leaves a release unpaid).
 *
 * Who takes part: at user level (DP-FedAvg) every client available for the round is an input of
 * the Poisson-subsampled Gaussian mechanism, sampled or not; at sample level (DP-SGD on the
 * clients) only the clients chosen to train touch their records. So an owner is charged only for
 * the rounds it is part of, and the run's ε is the largest over owners.
 *
 * Ledger entries: one per taking-part owner per round, holding the increase of the owner's tight
 * total ε_t − ε_{t−1} (δ once, with its first round). The ledger adds entries by basic composition,
 * so the recorded total of the run is Σ (ε_t − ε_{t−1}) = ε_T, the accountant's total, not a sum of
 * per-round ε's (docs/privacy-budget.md: a tightly accounted run records its total). Each increment
 * is rounded up by one ulp so that the decimal the ledger records never understates it.
 *
 * A round asked for again (a network round retried after too few replies, or re-run after a crash)
 * is charged again, as a further round of the owners taking part: they may have trained and sent
 * in the first attempt. Entries carry the owner's running totals in their details, so `restore()`
 * picks a run up from the ledger after a restart.
 */
import { type BudgetLedger, type JsonObject, type PrivacyBudget, type SpendRequest } from '../../dp/budget-ledger.js';
import { CohortError, check } from '../../errors.js';
import { nextUp } from './next-up.js';

export interface OwnerPrivacy {
  readonly owner: string;
  readonly epsilon: number;
  readonly delta: number;
}

/** One owner's guarantee after it took part in `rounds` rounds of the run (0 rounds: ε = δ = 0). */
export type OwnerSchedule = (rounds: number) => { readonly epsilon: number; readonly delta: number };

export interface RoundBudgetOptions {
  /** The run's cap; ε = Infinity leaves only the ledger's limit. */
  readonly budget: PrivacyBudget;
  /** Each owner's schedule (asked when the owner first takes part). */
  readonly scheduleOf: (owner: string) => OwnerSchedule;
  /**
   * The ledger budget of an owner the ledger does not know yet (asked once per owner). Absent: such
   * an owner has no budget, and the ledger refuses its rounds. An existing budget always rules.
   */
  readonly ledgerBudgetOf?: (owner: string) => PrivacyBudget;
  readonly ledger: BudgetLedger;
  /** Identifies the run in idempotency keys ("<runId>:round-<t>", repeats "…:attempt-<k>"). */
  readonly runId: string;
  /** What the spends pay for, e.g. "DP-FedAvg on breast-cancer". */
  readonly purpose: string;
  /** Facts recorded with each spend (noise multiplier, sample rate, accountant...). */
  readonly details?: JsonObject;
  /** Facts about one owner recorded with its spends (its own mechanism), given back by `restore()`. */
  readonly ownerDetails?: (owner: string) => JsonObject;
}

export type RoundDecision =
  | { readonly allowed: true; readonly spent: readonly OwnerPrivacy[] }
  | { readonly allowed: false; readonly reason: string; readonly limit: 'run' | 'ledger'; readonly wouldSpend: readonly OwnerPrivacy[] };

/** An owner's totals after each round it paid for, oldest first. */
interface Timeline {
  rounds: number;
  readonly points: { readonly round: number; readonly total: OwnerPrivacy }[];
}

export class RoundBudget {
  private readonly options: RoundBudgetOptions;
  private lastRound = 0;
  private readonly attempts = new Map<number, number>();
  private readonly owners = new Map<string, Timeline>();
  private readonly schedules = new Map<string, OwnerSchedule>();
  private readonly ledgerChecked = new Set<string>();

  constructor(options: RoundBudgetOptions) {
    check(typeof options === 'object' && options !== null, 'options', options, 'an object');
    const { budget } = options;
    check(typeof budget === 'object' && budget !== null, 'budget', budget, 'an object {epsilon, delta}');
    check(budget.epsilon > 0, 'budget.epsilon', budget.epsilon, 'a number > 0 (Infinity for no cap)');
    check(budget.delta >= 0 && budget.delta < 1, 'budget.delta', budget.delta, 'in [0, 1)');
    check(typeof options.scheduleOf === 'function', 'scheduleOf', options.scheduleOf, 'a function');
    check(typeof options.runId === 'string' && options.runId.length > 0, 'runId', options.runId, 'a non-empty string');
    this.options = options;
  }

  /** Rounds `owner` has been charged for in this run. */
  roundsOf(owner: string): number {
    return this.owners.get(owner)?.rounds ?? 0;
  }

  /** Owners charged so far, in the order they first took part. */
  knownOwners(): string[] {
    return [...this.owners.keys()];
  }

  /** Every known owner's total once round `round` was paid (owners not yet charged by then: 0). */
  totalsAfter(round: number): OwnerPrivacy[] {
    return [...this.owners.entries()].map(([owner, timeline]) => {
      let total: OwnerPrivacy = { owner, epsilon: 0, delta: 0 };
      for (const point of timeline.points) if (point.round <= round) total = point.total;
      return total;
    });
  }

  /**
   * Decides round `round` for the owners taking part and, if allowed, pays for it. Rounds come in
   * order; the last round may be asked again (a retry), and is then charged again.
   */
  async beforeRound(round: number, participants: readonly string[]): Promise<RoundDecision> {
    check(Number.isSafeInteger(round) && (round === this.lastRound + 1 || (round === this.lastRound && round >= 1)), 'round', round, `the next round (${this.lastRound + 1}) or a repeat of round ${this.lastRound}`);
    check(Array.isArray(participants) && new Set(participants).size === participants.length, 'participants', participants, 'a list of distinct owners');
    const { budget, ledger } = this.options;
    const after = participants.map((owner): OwnerPrivacy => ({ owner, ...this.scheduleFor(owner)(this.roundsOf(owner) + 1) }));
    for (const owner of after) {
      if (!(owner.epsilon <= budget.epsilon && owner.delta <= budget.delta)) {
        return {
          allowed: false,
          limit: 'run',
          wouldSpend: after,
          reason: `round ${round} would take ${owner.owner} to ε = ${formatEpsilon(owner.epsilon)} (δ = ${owner.delta}), past the run's budget ε = ${budget.epsilon}, δ = ${budget.delta}`,
        };
      }
    }
    const attempt = round === this.lastRound ? (this.attempts.get(round) ?? 1) + 1 : 1;
    const requests: SpendRequest[] = after.map((owner) => {
      const before = this.latest(owner.owner);
      const epsilonIncrease = Math.max(0, owner.epsilon - before.epsilon);
      const deltaIncrease = Math.max(0, owner.delta - before.delta);
      return {
        owner: owner.owner,
        epsilon: epsilonIncrease === 0 ? 0 : nextUp(epsilonIncrease),
        delta: deltaIncrease,
        purpose: `${this.options.purpose}, round ${round}`,
        details: {
          ...(this.options.details ?? {}),
          ...(this.options.ownerDetails?.(owner.owner) ?? {}),
          round,
          attempt,
          runId: this.options.runId,
          rounds: this.roundsOf(owner.owner) + 1,
          epsilonTotal: owner.epsilon,
          deltaTotal: owner.delta,
        },
        idempotencyKey: `${this.options.runId}:round-${round}${attempt === 1 ? '' : `:attempt-${attempt}`}`,
      };
    });
    try {
      await this.giveNewOwnersBudgets(participants);
      if (requests.length > 0) await ledger.spendAll(requests);
    } catch (error) {
      if (error instanceof CohortError && error.code === 'DP_BUDGET_EXCEEDED') {
        return { allowed: false, limit: 'ledger', wouldSpend: after, reason: `round ${round} refused by the privacy ledger: ${error.message}` };
      }
      throw error;
    }
    this.lastRound = round;
    this.attempts.set(round, attempt);
    for (const total of after) this.record(total.owner, round, total);
    return { allowed: true, spent: after };
  }

  /**
   * Picks the run up from the ledger after a restart: every entry of this run id carries the
   * owner's rounds and totals, so the next round continues from what was already paid. Returns
   * each owner's latest entry details (with what `ownerDetails` recorded).
   */
  async restore(): Promise<Map<string, JsonObject>> {
    const { ledger, runId } = this.options;
    const found: { owner: string; round: number; attempt: number; rounds: number; total: OwnerPrivacy; details: JsonObject }[] = [];
    for (const owner of await ledger.owners()) {
      for (const entry of await ledger.history(owner)) {
        const d = entry.details;
        if (d.runId !== runId || typeof d.round !== 'number' || typeof d.rounds !== 'number' || typeof d.epsilonTotal !== 'number' || typeof d.deltaTotal !== 'number') continue;
        found.push({ owner, round: d.round, attempt: typeof d.attempt === 'number' ? d.attempt : 1, rounds: d.rounds, total: { owner, epsilon: d.epsilonTotal, delta: d.deltaTotal }, details: d });
      }
    }
    found.sort((a, b) => a.round - b.round || a.attempt - b.attempt);
    const latest = new Map<string, JsonObject>();
    for (const item of found) {
      this.lastRound = Math.max(this.lastRound, item.round);
      this.attempts.set(item.round, Math.max(this.attempts.get(item.round) ?? 0, item.attempt));
      this.ledgerChecked.add(item.owner);
      this.record(item.owner, item.round, item.total, item.rounds);
      latest.set(item.owner, item.details);
    }
    return latest;
  }

  private scheduleFor(owner: string): OwnerSchedule {
    let schedule = this.schedules.get(owner);
    if (schedule === undefined) {
      schedule = this.options.scheduleOf(owner);
      this.schedules.set(owner, schedule);
    }
    return schedule;
  }

  private latest(owner: string): OwnerPrivacy {
    const points = this.owners.get(owner)?.points;
    return points?.[points.length - 1]?.total ?? { owner, epsilon: 0, delta: 0 };
  }

  private record(owner: string, round: number, total: OwnerPrivacy, rounds?: number): void {
    let timeline = this.owners.get(owner);
    if (timeline === undefined) {
      timeline = { rounds: 0, points: [] };
      this.owners.set(owner, timeline);
    }
    timeline.rounds = rounds ?? timeline.rounds + 1;
    timeline.points.push({ round, total });
  }

  private async giveNewOwnersBudgets(owners: readonly string[]): Promise<void> {
    const budgetOf = this.options.ledgerBudgetOf;
    for (const owner of owners) {
      if (this.ledgerChecked.has(owner)) continue;
      if (budgetOf !== undefined && (await this.options.ledger.getBudget(owner)) === undefined) await this.options.ledger.setBudget(owner, budgetOf(owner));
      this.ledgerChecked.add(owner);
    }
  }
}

function formatEpsilon(epsilon: number): string {
  return Number.isFinite(epsilon) ? String(Number(epsilon.toPrecision(6))) : String(epsilon);
}

/** Sets every owner's ledger budget to `budget` unless the ledger already has one (which then rules). */
export async function ensureBudgets(ledger: BudgetLedger, owners: readonly string[], budget: PrivacyBudget): Promise<void> {
  for (const owner of owners) {
    if ((await ledger.getBudget(owner)) === undefined) await ledger.setBudget(owner, budget);
  }
}
