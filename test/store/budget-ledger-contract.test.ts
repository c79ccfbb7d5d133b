// One behavioural suite run against every BudgetLedger implementation, so they cannot drift apart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { BudgetLedger, SpendRequest } from '../../src/dp/budget-ledger.js';
import { InMemoryBudgetLedger } from '../../src/dp/budget-ledger-memory.js';
import { CohortError } from '../../src/errors.js';
import { openDatabase, type CohortDatabase } from '../../src/store/database.js';
import { SqliteBudgetLedger } from '../../src/store/sqlite-budget-ledger.js';

const directory = mkdtempSync(join(tmpdir(), 'cohort-ledger-contract-'));
const opened: CohortDatabase[] = [];
afterAll(() => {
  for (const db of opened) if (db.open) db.close();
  rmSync(directory, { recursive: true, force: true });
});

const fixedClock = () => new Date('2025-01-02T03:04:05.678Z');
let fileCounter = 0;

const implementations: Array<[string, () => BudgetLedger]> = [
  ['InMemoryBudgetLedger', () => new InMemoryBudgetLedger({ clock: fixedClock })],
  [
    'SqliteBudgetLedger (:memory:)',
    () => {
      const db = openDatabase(':memory:');
      opened.push(db);
      return new SqliteBudgetLedger(db, { clock: fixedClock });
    },
  ],
  [
    'SqliteBudgetLedger (file, WAL)',
    () => {
      fileCounter += 1;
      const db = openDatabase(join(directory, `ledger-${fileCounter}.db`));
      opened.push(db);
      return new SqliteBudgetLedger(db, { clock: fixedClock });
    },
  ],
];

const owner = 'hospital-a';
const spendOf = (epsilon: number, delta = 0, extra: Partial<SpendRequest> = {}): SpendRequest => ({
  owner,
  epsilon,
  delta,
  purpose: `release ε=${epsilon}`,
  ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<CohortError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CohortError);
    return error as CohortError;
  }
  throw new Error('expected the promise to reject');
}

describe.each(implementations)('%s', (_name, make) => {
  it('an owner without a budget can spend nothing', async () => {
    const ledger = make();
    expect(await ledger.getBudget(owner)).toBeUndefined();
    expect(await ledger.remaining(owner)).toEqual({ epsilon: 0, delta: 0 });
    expect(await ledger.spent(owner)).toEqual({ epsilon: 0, delta: 0 });
    expect(await ledger.canSpend(spendOf(0.1))).toBe(false);
    const error = await rejection(ledger.spend(spendOf(0.1)));
    expect(error.code).toBe('DP_BUDGET_EXCEEDED');
    expect(error.message).toMatch(/no budget has been set/);
    expect(await ledger.owners()).toEqual([]);
  });

  it('spends within the budget and refuses the spend that would exceed it, naming what remains', async () => {
    const ledger = make();
    await ledger.setBudget(owner, { epsilon: 1, delta: 1e-5 });
    expect(await ledger.getBudget(owner)).toEqual({ epsilon: 1, delta: 1e-5 });

    const first = await ledger.spend(spendOf(0.25, 2e-6));
    expect(first.granted).toBe(true);
    expect(first.replayed).toBe(false);
    expect(first.remaining).toEqual({ epsilon: 0.75, delta: 8e-6 });
    expect(await ledger.spent(owner)).toEqual({ epsilon: 0.25, delta: 2e-6 });

    // ε would overshoot by 0.05.
    const error = await rejection(ledger.spend(spendOf(0.8, 0, { purpose: 'DP-SGD run 2' })));
    expect(error.code).toBe('DP_BUDGET_EXCEEDED');
    expect(error.subject).toBe(owner);
    expect(error.message).toBe(
      'privacy budget exceeded for owner "hospital-a": requested ε=0.8, δ=0 for "DP-SGD run 2" ' +
        'but only ε=0.75, δ=0.000008 remains (budget ε=1, δ=0.00001)',
    );
    // δ alone can exceed too.
    const refusal = await ledger.trySpend(spendOf(0.1, 9e-6));
    expect(refusal).toMatchObject({ granted: false, owner, requested: { epsilon: 0.1, delta: 9e-6 } });
    expect(await ledger.canSpend(spendOf(0.1, 9e-6))).toBe(false);

    // Refusals change nothing.
    expect(await ledger.history(owner)).toHaveLength(1);
    expect(await ledger.remaining(owner)).toEqual({ epsilon: 0.75, delta: 8e-6 });
  });

  it('compares exactly: ten spends of 0.1 exhaust a budget of 1, the eleventh is refused', async () => {
    const ledger = make();
    await ledger.setBudget(owner, { epsilon: 1, delta: 0 });
    for (let i = 0; i < 10; i += 1) await ledger.spend(spendOf(0.1));
    expect(await ledger.spent(owner)).toEqual({ epsilon: 1, delta: 0 });
    expect(await ledger.remaining(owner)).toEqual({ epsilon: 0, delta: 0 });
    expect((await ledger.trySpend(spendOf(Number.MIN_VALUE))).granted).toBe(false);
    // A zero-cost release (e.g. of public data) is still allowed and still recorded.
    expect((await ledger.spend(spendOf(0))).entry.epsilon).toBe(0);
    expect(await ledger.history(owner)).toHaveLength(11);
  });

  it('spending exactly the reported remainder is always accepted and leaves zero', async () => {
    const ledger = make();
    await ledger.setBudget(owner, { epsilon: 3, delta: 1e-5 });
    await ledger.spend(spendOf(0.1, 1e-7));
    await ledger.spend(spendOf(1 / 3, 3e-7));
    await ledger.spend(spendOf(Math.PI / 10, Math.SQRT2 * 1e-7));
    const remaining = await ledger.remaining(owner);
    await ledger.spend(spendOf(remaining.epsilon, remaining.delta));
    const after = await ledger.remaining(owner);
    // What is left is below one ulp of the amounts involved.
    expect(after.epsilon).toBeLessThan(1e-15);
    expect(after.delta).toBeLessThan(1e-20);
  });

  it('grants exactly when the running total stays within the budget (model check)', async () => {
    // Amounts in thousandths so the model is exact integer arithmetic.
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 12 }),
        async (budgetMillis, spendsMillis) => {
          const ledger = make();
          await ledger.setBudget(owner, { epsilon: budgetMillis / 1000, delta: 0 });
          let modelMillis = 0;
          for (const millis of spendsMillis) {
            const outcome = await ledger.trySpend(spendOf(millis / 1000));
            const fits = modelMillis + millis <= budgetMillis;
            expect(outcome.granted).toBe(fits);
            if (fits) modelMillis += millis;
          }
          expect(await ledger.spent(owner)).toEqual({ epsilon: modelMillis / 1000, delta: 0 });
          expect(await ledger.remaining(owner)).toEqual({ epsilon: (budgetMillis - modelMillis) / 1000, delta: 0 });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('records what each spend paid for, oldest first', async () => {
    const ledger = make();
    await ledger.setBudget(owner, { epsilon: 10, delta: 1e-5 });
    await ledger.setBudget('bank-b', { epsilon: 2, delta: 0 });
    await ledger.spend({
      owner,
      epsilon: 7.32911117143,
      delta: 1e-5,
      purpose: 'DP-SGD run 7',
      details: { steps: 2250, sampleRate: 0.04, noiseMultiplier: 1.5, accountant: 'rdp', tags: ['a', null, true] },
    });
    await ledger.spend({ owner: 'bank-b', epsilon: 0.5, delta: 0, purpose: 'describe' });
    await ledger.spend({ owner, epsilon: 1, delta: 0, purpose: 'count' });
    const history = await ledger.history(owner);
    expect(history.map((entry) => entry.purpose)).toEqual(['DP-SGD run 7', 'count']);
    expect(history[0]).toMatchObject({
      owner,
      epsilon: 7.32911117143,
      delta: 1e-5,
      details: { steps: 2250, sampleRate: 0.04, noiseMultiplier: 1.5, accountant: 'rdp', tags: ['a', null, true] },
      idempotencyKey: undefined,
      at: '2025-01-02T03:04:05.678Z',
    });
    expect(history[1]?.details).toEqual({});
    expect(history[0]!.id).toBeLessThan(history[1]!.id);
    expect(await ledger.owners()).toEqual(['bank-b', owner]);
    expect(await ledger.history('nobody')).toEqual([]);
  });

  it('a retried spend with the same idempotency key is charged once', async () => {
    const ledger = make();
    await ledger.setBudget(owner, { epsilon: 1, delta: 0 });
    const request = spendOf(0.6, 0, { idempotencyKey: 'run-7', details: { steps: 10, accountant: 'rdp' } });
    const first = await ledger.spend(request);
    // Same key, same request (details keys in another order): replayed, nothing new charged,
    // even though a second 0.6 would no longer fit.
    const again = await ledger.spend({ ...request, details: { accountant: 'rdp', steps: 10 } });
    expect(again.replayed).toBe(true);
    expect(again.entry).toEqual(first.entry);
    expect(await ledger.canSpend(request)).toBe(true);
    expect(await ledger.history(owner)).toHaveLength(1);
    expect(await ledger.spent(owner)).toEqual({ epsilon: 0.6, delta: 0 });

    // Same key for a different spend is a caller bug, not a replay.
    const misuse = await rejection(ledger.spend({ ...request, epsilon: 0.3 }));
    expect(misuse.code).toBe('INVALID_ARGUMENT');
    expect(misuse.message).toMatch(/idempotencyKey "run-7" of owner "hospital-a" was already used for a different spend/);

    // Keys are per owner.
    await ledger.setBudget('bank-b', { epsilon: 1, delta: 0 });
    expect((await ledger.spend({ ...request, owner: 'bank-b' })).replayed).toBe(false);
  });

  it('spendAll is all-or-nothing across owners', async () => {
    const ledger = make();
    await ledger.setBudget('a', { epsilon: 1, delta: 0 });
    await ledger.setBudget('b', { epsilon: 0.5, delta: 0 });
    const round = (epsilon: number): SpendRequest[] => [
      { owner: 'a', epsilon, delta: 0, purpose: 'round' },
      { owner: 'b', epsilon, delta: 0, purpose: 'round' },
    ];
    const grants = await ledger.spendAll(round(0.3));
    expect(grants.map((grant) => grant.remaining.epsilon)).toEqual([0.7, 0.2]);
    // b cannot afford a second 0.3, so a is not charged either.
    const error = await rejection(ledger.spendAll(round(0.3)));
    expect(error.code).toBe('DP_BUDGET_EXCEEDED');
    expect(error.subject).toBe('b');
    expect(await ledger.history('a')).toHaveLength(1);
    // Two requests for the same owner in one call add up.
    await expect(
      ledger.spendAll([
        { owner: 'b', epsilon: 0.15, delta: 0, purpose: 'x' },
        { owner: 'b', epsilon: 0.15, delta: 0, purpose: 'y' },
      ]),
    ).rejects.toThrow(/budget exceeded for owner "b"/);
    expect(await ledger.spent('b')).toEqual({ epsilon: 0.3, delta: 0 });
    // One key twice in one call is refused before anything is written.
    await expect(
      ledger.spendAll([
        { owner: 'a', epsilon: 0.1, delta: 0, purpose: 'x', idempotencyKey: 'k' },
        { owner: 'a', epsilon: 0.1, delta: 0, purpose: 'x', idempotencyKey: 'k' },
      ]),
    ).rejects.toThrow(/idempotencyKey must be used once per owner/);
    expect(await ledger.spendAll([])).toEqual([]);
  });

  it('lowering a budget below what was spent blocks further spends; raising it allows them', async () => {
    const ledger = make();
    await ledger.setBudget(owner, { epsilon: 2, delta: 0 });
    await ledger.spend(spendOf(1.5));
    await ledger.setBudget(owner, { epsilon: 1, delta: 0 });
    expect(await ledger.remaining(owner)).toEqual({ epsilon: 0, delta: 0 });
    expect(await ledger.spent(owner)).toEqual({ epsilon: 1.5, delta: 0 });
    expect((await ledger.trySpend(spendOf(0.1))).granted).toBe(false);
    expect((await ledger.trySpend(spendOf(0))).granted).toBe(false); // an overdrawn account is frozen
    await ledger.setBudget(owner, { epsilon: 4, delta: 0 });
    expect(await ledger.remaining(owner)).toEqual({ epsilon: 2.5, delta: 0 });
    expect((await ledger.spend(spendOf(2.5))).remaining).toEqual({ epsilon: 0, delta: 0 });
  });

  it('validates its arguments', async () => {
    const ledger = make();
    await expect(ledger.setBudget('', { epsilon: 1, delta: 0 })).rejects.toThrow(/owner must be/);
    await expect(ledger.setBudget(owner, { epsilon: 1, delta: 1 })).rejects.toThrow(/budget\.delta/);
    await expect(ledger.spend(spendOf(-1))).rejects.toThrow(/request\.epsilon/);
    await expect(ledger.spendAll([spendOf(1), spendOf(Number.NaN)])).rejects.toThrow(/requests\[1\]\.epsilon/);
    await expect(ledger.remaining('')).rejects.toThrow(/owner must be/);
  });
});
