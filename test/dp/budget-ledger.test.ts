import { describe, expect, it } from 'vitest';
import { CohortError } from '../../src/errors.js';
import {
  budgetExceededError,
  validateBudget,
  validateSpendRequest,
  type SpendRequest,
} from '../../src/dp/budget-ledger.js';
import { InMemoryBudgetLedger } from '../../src/dp/budget-ledger-memory.js';

const base: SpendRequest = { owner: 'hospital-a', epsilon: 0.5, delta: 1e-6, purpose: 'DP-SGD run 1' };

function invalid(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CohortError);
  expect((caught as CohortError).code).toBe('INVALID_ARGUMENT');
  expect((caught as CohortError).message).toMatch(pattern);
}

describe('budget ledger input validation', () => {
  it('accepts a well-formed request and canonicalises its details', () => {
    const a = validateSpendRequest({ ...base, details: { steps: 100, accountant: 'rdp', noiseMultiplier: 1.1 } });
    const b = validateSpendRequest({ ...base, details: { noiseMultiplier: 1.1, accountant: 'rdp', steps: 100 } });
    expect(a.detailsJson).toBe('{"accountant":"rdp","noiseMultiplier":1.1,"steps":100}');
    expect(b.detailsJson).toBe(a.detailsJson);
    expect(validateSpendRequest(base).detailsJson).toBe('{}');
  });

  it('names the argument and the value when a request is malformed', () => {
    invalid(() => validateSpendRequest({ ...base, owner: '' }), /request\.owner must be .* \(got ""\)/);
    invalid(() => validateSpendRequest({ ...base, owner: ' a' }), /request\.owner .*surrounding spaces/);
    invalid(() => validateSpendRequest({ ...base, owner: 7 }), /request\.owner must be a string \(got 7\)/);
    invalid(() => validateSpendRequest({ ...base, epsilon: -0.1 }), /request\.epsilon must be a finite number ≥ 0 \(got -0\.1\)/);
    invalid(() => validateSpendRequest({ ...base, epsilon: Number.NaN }), /request\.epsilon .*\(got NaN\)/);
    invalid(() => validateSpendRequest({ ...base, epsilon: Infinity }), /request\.epsilon .*\(got Infinity\)/);
    invalid(() => validateSpendRequest({ ...base, delta: 1 }), /request\.delta must be a number in \[0, 1\) \(got 1\)/);
    invalid(() => validateSpendRequest({ ...base, delta: -1e-9 }), /request\.delta/);
    invalid(() => validateSpendRequest({ ...base, purpose: '  ' }), /request\.purpose/);
    invalid(() => validateSpendRequest({ ...base, details: { sigma: Number.NaN } }), /request\.details\.sigma must be a finite number/);
    invalid(() => validateSpendRequest({ ...base, details: { when: new Date(0) } as never }), /request\.details\.when must be JSON/);
    invalid(() => validateSpendRequest({ ...base, details: [1, 2] as never }), /request\.details must be a plain JSON object/);
    invalid(() => validateSpendRequest({ ...base, idempotencyKey: '' }), /request\.idempotencyKey/);
    invalid(() => validateSpendRequest(null), /request must be an object/);
  });

  it('validates budgets', () => {
    expect(validateBudget({ epsilon: 3, delta: 1e-5 }).budget).toEqual({ epsilon: 3, delta: 1e-5 });
    expect(Object.is(validateBudget({ epsilon: -0, delta: 0 }).budget.epsilon, 0)).toBe(true);
    invalid(() => validateBudget({ epsilon: Infinity, delta: 0 }), /budget\.epsilon/);
    invalid(() => validateBudget({ epsilon: 1, delta: 1.5 }), /budget\.delta must be a number in \[0, 1\) \(got 1\.5\)/);
    invalid(() => validateBudget({ epsilon: 1 }), /budget\.delta .*\(got undefined\)/);
  });
});

describe('DP_BUDGET_EXCEEDED', () => {
  it('names the owner, the purpose, what was requested and what remains', () => {
    const error = budgetExceededError({
      granted: false,
      owner: 'hospital-a',
      requested: { epsilon: 0.5, delta: 1e-6 },
      remaining: { epsilon: 0.25, delta: 1e-5 },
      budget: { epsilon: 1, delta: 1e-5 },
      purpose: 'DP-SGD run 3',
    });
    expect(error.code).toBe('DP_BUDGET_EXCEEDED');
    expect(error.subject).toBe('hospital-a');
    expect(error.message).toBe(
      'privacy budget exceeded for owner "hospital-a": requested ε=0.5, δ=0.000001 for "DP-SGD run 3" ' +
        'but only ε=0.25, δ=0.00001 remains (budget ε=1, δ=0.00001)',
    );
  });

  it('says when no budget was ever set', async () => {
    const ledger = new InMemoryBudgetLedger();
    await expect(ledger.spend(base)).rejects.toThrow(/no budget has been set for this owner/);
  });
});

describe('InMemoryBudgetLedger', () => {
  it('hands out copies: mutating a returned entry does not rewrite history', async () => {
    const ledger = new InMemoryBudgetLedger();
    await ledger.setBudget('hospital-a', { epsilon: 1, delta: 1e-5 });
    const grant = await ledger.spend({ ...base, details: { steps: 10 } });
    (grant.entry.details as { steps: number }).steps = 99;
    const [entry] = await ledger.history('hospital-a');
    expect(entry?.details).toEqual({ steps: 10 });
  });

  it('rejects a clock that returns an invalid date', async () => {
    const ledger = new InMemoryBudgetLedger({ clock: () => new Date(Number.NaN) });
    await ledger.setBudget('hospital-a', { epsilon: 1, delta: 1e-5 });
    await expect(ledger.spend(base)).rejects.toThrow(/clock\(\) must be a valid Date/);
  });
});
