/**
 * The privacy budget ledger: each data owner has an (ε, δ) budget, and every release that touches
 * the owner's data spends part of it. A spend that would take the recorded total past the budget
 * is refused with `DP_BUDGET_EXCEEDED`; every granted spend records what it paid for.
 *
 * Composition inside the ledger is basic (sequential) composition: the ε of the entries add and
 * so do the δ (Dwork & Roth, "The Algorithmic Foundations of Differential Privacy", 2014,
 * Theorem 3.16). A run that composes many steps tightly (RDP, PLD) records its total as ONE entry
 * computed by its accountant; the ledger's sum over entries stays a valid, if loose, upper bound.
 *
 * Arithmetic is exact (see budget-ledger-decimal.ts): the recorded total never exceeds the budget,
 * with no tolerance. This module is pure — no I/O. Implementations supply a `LedgerStoragePort`
 * and run `applySpends` inside whatever makes it atomic (a SQLite transaction, a single JS turn).
 */
import { CohortError, check, formatValue } from '../errors.js';
import {
  DECIMAL_ZERO,
  type ExactDecimal,
  decimalAdd,
  decimalCompare,
  decimalFromNumber,
  decimalSubtractFloorZero,
  decimalToNumberAtLeast,
  decimalToNumberAtMost,
  decimalToString,
} from './budget-ledger-decimal.js';
import { type JsonObject, canonicalDetails } from './budget-ledger-json.js';

export type { JsonObject, JsonValue } from './budget-ledger-json.js';

export interface PrivacyBudget {
  readonly epsilon: number;
  readonly delta: number;
}

export interface SpendRequest {
  /** The data owner whose budget pays (a hospital, a client id...). */
  readonly owner: string;
  readonly epsilon: number;
  readonly delta: number;
  /** What the spend paid for, in words: "DP-SGD run 7", "describe age column". */
  readonly purpose: string;
  /** Machine-readable facts about the release, e.g. {noiseMultiplier, sampleRate, steps, accountant}. */
  readonly details?: JsonObject;
  /** Retrying a spend with the same key (per owner) returns the first grant instead of paying twice. */
  readonly idempotencyKey?: string;
}

export interface LedgerEntry {
  readonly id: number;
  readonly owner: string;
  readonly epsilon: number;
  readonly delta: number;
  readonly purpose: string;
  readonly details: JsonObject;
  readonly idempotencyKey: string | undefined;
  /** When the spend was recorded, ISO 8601 UTC. */
  readonly at: string;
}

export interface SpendGrant {
  readonly granted: true;
  readonly entry: LedgerEntry;
  /** True when the idempotency key matched an earlier spend and nothing new was charged. */
  readonly replayed: boolean;
  /** The owner's remaining budget after this call. */
  readonly remaining: PrivacyBudget;
}

export interface SpendRefusal {
  readonly granted: false;
  readonly owner: string;
  readonly requested: PrivacyBudget;
  readonly remaining: PrivacyBudget;
  /** Undefined when no budget was ever set for the owner (which means nothing may be spent). */
  readonly budget: PrivacyBudget | undefined;
  readonly purpose: string;
}

export type SpendOutcome = SpendGrant | SpendRefusal;

export interface BudgetLedger {
  /** Sets (or replaces) the owner's total budget. Lowering it below what was spent blocks further spends. */
  setBudget(owner: string, budget: PrivacyBudget): Promise<void>;
  /** The budget as set, or undefined if none was set (no budget means nothing may be spent). */
  getBudget(owner: string): Promise<PrivacyBudget | undefined>;
  /** Sum of the owner's entries by basic composition (rounded up to a double, never understated). */
  spent(owner: string): Promise<PrivacyBudget>;
  /** max(0, budget − spent) per coordinate (rounded down to a double: spending it exactly is accepted). */
  remaining(owner: string): Promise<PrivacyBudget>;
  /** Whether `spend(request)` would succeed now (true for a replay of a recorded idempotency key). */
  canSpend(request: SpendRequest): Promise<boolean>;
  /** Spends if the budget allows, otherwise returns the refusal; throws only for invalid input. */
  trySpend(request: SpendRequest): Promise<SpendOutcome>;
  /** Spends or throws CohortError DP_BUDGET_EXCEEDED naming the owner, the request and what remains. */
  spend(request: SpendRequest): Promise<SpendGrant>;
  /** All-or-nothing: every request is granted in one atomic step, or none is and it throws. */
  spendAll(requests: readonly SpendRequest[]): Promise<SpendGrant[]>;
  /** The owner's entries, oldest first. */
  history(owner: string): Promise<LedgerEntry[]>;
  /** Every owner with a budget, sorted. */
  owners(): Promise<string[]>;
}

// ---------------------------------------------------------------------------------------------
// Validation

const MAX_NAME_CHARS = 256;
const MAX_PURPOSE_CHARS = 1024;

export function validateOwner(owner: unknown, name = 'owner'): string {
  check(typeof owner === 'string', name, owner, 'a string');
  check(
    owner.length > 0 && owner.length <= MAX_NAME_CHARS && owner.trim() === owner,
    name,
    owner,
    `a non-empty string of at most ${MAX_NAME_CHARS} characters without surrounding spaces`,
  );
  return owner;
}

function validateEpsilon(value: unknown, name: string): ExactDecimal {
  check(typeof value === 'number' && Number.isFinite(value) && value >= 0, name, value, 'a finite number ≥ 0');
  return decimalFromNumber(value, name);
}

function validateDelta(value: unknown, name: string): ExactDecimal {
  check(typeof value === 'number' && value >= 0 && value < 1, name, value, 'a number in [0, 1)');
  return decimalFromNumber(value, name);
}

/** A budget checked and read exactly. */
export interface ExactBudget {
  readonly epsilon: ExactDecimal;
  readonly delta: ExactDecimal;
}

export function validateBudget(budget: unknown, name = 'budget'): { budget: PrivacyBudget; exact: ExactBudget } {
  check(typeof budget === 'object' && budget !== null, name, budget, 'an object {epsilon, delta}');
  const { epsilon, delta } = budget as Record<string, unknown>;
  const exact = { epsilon: validateEpsilon(epsilon, `${name}.epsilon`), delta: validateDelta(delta, `${name}.delta`) };
  // Adding 0 turns −0 into 0 so that the stored number prints as it is read back.
  return { budget: { epsilon: (epsilon as number) + 0, delta: (delta as number) + 0 }, exact };
}

/** A spend request checked, with its amounts read exactly and its details canonicalised. */
export interface NormalizedSpend {
  readonly owner: string;
  readonly epsilon: number;
  readonly delta: number;
  readonly exact: ExactBudget;
  readonly purpose: string;
  readonly detailsJson: string;
  readonly idempotencyKey: string | undefined;
}

export function validateSpendRequest(request: unknown, name = 'request'): NormalizedSpend {
  check(typeof request === 'object' && request !== null, name, request, 'an object {owner, epsilon, delta, purpose}');
  const r = request as Record<string, unknown>;
  const owner = validateOwner(r.owner, `${name}.owner`);
  const exact = { epsilon: validateEpsilon(r.epsilon, `${name}.epsilon`), delta: validateDelta(r.delta, `${name}.delta`) };
  check(
    typeof r.purpose === 'string' && r.purpose.trim().length > 0 && r.purpose.length <= MAX_PURPOSE_CHARS,
    `${name}.purpose`,
    r.purpose,
    `a non-empty description of at most ${MAX_PURPOSE_CHARS} characters`,
  );
  const detailsJson = r.details === undefined ? '{}' : canonicalDetails(r.details, `${name}.details`);
  let idempotencyKey: string | undefined;
  if (r.idempotencyKey !== undefined) {
    idempotencyKey = validateOwner(r.idempotencyKey, `${name}.idempotencyKey`);
  }
  return {
    owner,
    epsilon: (r.epsilon as number) + 0,
    delta: (r.delta as number) + 0,
    exact,
    purpose: r.purpose as string,
    detailsJson,
    idempotencyKey,
  };
}

// ---------------------------------------------------------------------------------------------
// The spending rule, shared by every implementation

/** What an implementation keeps per owner. Decimals are the exact values the ledger compares. */
export interface StoredAccount {
  readonly budget: PrivacyBudget;
  readonly budgetExact: ExactBudget;
  readonly spentExact: ExactBudget;
}

/** A granted spend as it is written to storage (amounts as plain decimal strings). */
export interface NewEntry {
  readonly owner: string;
  readonly epsilon: string;
  readonly delta: string;
  readonly purpose: string;
  readonly detailsJson: string;
  readonly idempotencyKey: string | undefined;
  readonly at: string;
}

/** Synchronous storage used inside one atomic step (a transaction, or one JS turn in memory). */
export interface LedgerStoragePort {
  readAccount(owner: string): StoredAccount | undefined;
  findEntryByKey(owner: string, idempotencyKey: string): LedgerEntry | undefined;
  insertEntry(entry: NewEntry): LedgerEntry;
  writeSpent(owner: string, spent: ExactBudget, at: string): void;
}

export function remainingOf(account: StoredAccount | undefined, spent?: ExactBudget): ExactBudget {
  if (account === undefined) return { epsilon: DECIMAL_ZERO, delta: DECIMAL_ZERO };
  const used = spent ?? account.spentExact;
  return {
    epsilon: decimalSubtractFloorZero(account.budgetExact.epsilon, used.epsilon),
    delta: decimalSubtractFloorZero(account.budgetExact.delta, used.delta),
  };
}

/** Rounded down, so that spending exactly the reported remainder is always accepted. */
export function budgetAtMost(value: ExactBudget): PrivacyBudget {
  return { epsilon: decimalToNumberAtMost(value.epsilon), delta: decimalToNumberAtMost(value.delta) };
}

/** Rounded up, so that a reported total never understates what was spent. */
export function budgetAtLeast(value: ExactBudget): PrivacyBudget {
  return { epsilon: decimalToNumberAtLeast(value.epsilon), delta: decimalToNumberAtLeast(value.delta) };
}

function sameRequest(entry: LedgerEntry, request: NormalizedSpend): boolean {
  return (
    entry.epsilon === request.epsilon &&
    entry.delta === request.delta &&
    entry.purpose === request.purpose &&
    canonicalDetails(entry.details) === request.detailsJson
  );
}

export type ApplyResult =
  | { readonly granted: true; readonly grants: SpendGrant[] }
  | { readonly granted: false; readonly refusal: SpendRefusal };

/**
 * Checks every request against the owners' budgets and, only if all fit, records them.
 * Nothing is written when any request is refused, so the caller needs no rollback for refusals;
 * it must still run this inside one atomic step so that no other spend interleaves.
 * With `dryRun` nothing is written at all (this is `canSpend`).
 */
export function applySpends(
  port: LedgerStoragePort,
  requests: readonly NormalizedSpend[],
  at: string,
  dryRun = false,
): ApplyResult {
  const seenKeys = new Set<string>();
  for (const request of requests) {
    if (request.idempotencyKey === undefined) continue;
    const key = JSON.stringify([request.owner, request.idempotencyKey]);
    check(!seenKeys.has(key), 'idempotencyKey', request.idempotencyKey, `used once per owner in one spendAll call`);
    seenKeys.add(key);
  }

  const accounts = new Map<string, StoredAccount | undefined>();
  const running = new Map<string, ExactBudget>();
  const plan: Array<{ request: NormalizedSpend; replay: LedgerEntry | undefined }> = [];
  for (const request of requests) {
    if (!accounts.has(request.owner)) accounts.set(request.owner, port.readAccount(request.owner));
    const account = accounts.get(request.owner);
    const replay =
      request.idempotencyKey === undefined ? undefined : port.findEntryByKey(request.owner, request.idempotencyKey);
    if (replay !== undefined) {
      if (!sameRequest(replay, request)) {
        throw new CohortError(
          'INVALID_ARGUMENT',
          `idempotencyKey ${formatValue(request.idempotencyKey)} of owner ${formatValue(request.owner)} was already ` +
            `used for a different spend (entry ${replay.id}: ε=${replay.epsilon}, δ=${replay.delta}, ` +
            `purpose ${formatValue(replay.purpose)})`,
          { subject: 'idempotencyKey' },
        );
      }
      plan.push({ request, replay });
      continue;
    }
    const spentBefore = running.get(request.owner) ?? account?.spentExact ?? { epsilon: DECIMAL_ZERO, delta: DECIMAL_ZERO };
    const spentAfter = {
      epsilon: decimalAdd(spentBefore.epsilon, request.exact.epsilon),
      delta: decimalAdd(spentBefore.delta, request.exact.delta),
    };
    const fits =
      account !== undefined &&
      decimalCompare(spentAfter.epsilon, account.budgetExact.epsilon) <= 0 &&
      decimalCompare(spentAfter.delta, account.budgetExact.delta) <= 0;
    if (!fits) {
      return {
        granted: false,
        refusal: {
          granted: false,
          owner: request.owner,
          requested: { epsilon: request.epsilon, delta: request.delta },
          remaining: budgetAtMost(remainingOf(account, spentBefore)),
          budget: account?.budget,
          purpose: request.purpose,
        },
      };
    }
    running.set(request.owner, spentAfter);
    plan.push({ request, replay: undefined });
  }

  if (dryRun) return { granted: true, grants: [] };

  const entries = plan.map(({ request, replay }) =>
    replay !== undefined
      ? { entry: replay, replayed: true }
      : {
          entry: port.insertEntry({
            owner: request.owner,
            epsilon: decimalToString(request.exact.epsilon),
            delta: decimalToString(request.exact.delta),
            purpose: request.purpose,
            detailsJson: request.detailsJson,
            idempotencyKey: request.idempotencyKey,
            at,
          }),
          replayed: false,
        },
  );
  for (const [owner, spent] of running) port.writeSpent(owner, spent, at);
  const grants = entries.map(({ entry, replayed }): SpendGrant => {
    const account = accounts.get(entry.owner);
    return {
      granted: true,
      entry,
      replayed,
      remaining: budgetAtMost(remainingOf(account, running.get(entry.owner))),
    };
  });
  return { granted: true, grants };
}

function formatBudget(budget: PrivacyBudget): string {
  return `ε=${budget.epsilon}, δ=${budget.delta}`;
}

/** The DP_BUDGET_EXCEEDED error for a refusal: names the owner, what was asked and what remains. */
export function budgetExceededError(refusal: SpendRefusal): CohortError {
  const budgetText =
    refusal.budget === undefined ? 'no budget has been set for this owner' : `budget ${formatBudget(refusal.budget)}`;
  return new CohortError(
    'DP_BUDGET_EXCEEDED',
    `privacy budget exceeded for owner ${formatValue(refusal.owner)}: requested ${formatBudget(refusal.requested)} ` +
      `for ${formatValue(refusal.purpose)} but only ${formatBudget(refusal.remaining)} remains (${budgetText})`,
    { subject: refusal.owner },
  );
}

/** Parses stored details JSON back into an object (written by canonicalDetails, so always an object). */
export function parseDetails(json: string): JsonObject {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CohortError('STORE_ERROR', `stored spend details are not a JSON object: ${json.slice(0, 80)}`);
  }
  return value as JsonObject;
}

/** An ISO 8601 UTC timestamp from an injectable clock. */
export function timestampOf(clock: () => Date): string {
  const now = clock();
  check(now instanceof Date && Number.isFinite(now.getTime()), 'clock()', now, 'a valid Date');
  return now.toISOString();
}
