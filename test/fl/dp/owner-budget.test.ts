import { describe, expect, it } from 'vitest';
import { createAccountant } from '../../../src/dp/accountants/index.js';
import { InMemoryBudgetLedger } from '../../../src/dp/budget-ledger-memory.js';
import {
  DP_CLIPPING_NORM_KEY,
  LOCAL_DP_CLIPPING_NORM_KEY,
  LOCAL_DP_NOISE_MULTIPLIER_KEY,
  LOCAL_DP_SAMPLE_RATE_KEY,
  LOCAL_DP_STEPS_KEY,
  OwnerBudget,
  subsampledGaussianEpsilon,
} from '../../../src/fl/dp/index.js';
import type { FitConfig } from '../../../src/fl/types.js';
import { openDatabase } from '../../../src/store/database.js';
import { SqliteBudgetLedger } from '../../../src/store/sqlite-budget-ledger.js';

const request = (round: number, noiseMultiplier: number, sampleRate: number, steps: number): FitConfig => ({
  round,
  localEpochs: 1,
  batchSize: 8,
  optimizer: { kind: 'sgd', learningRate: 0.1 },
  seed: 0,
  extra: { [LOCAL_DP_NOISE_MULTIPLIER_KEY]: noiseMultiplier, [LOCAL_DP_CLIPPING_NORM_KEY]: 1, [LOCAL_DP_SAMPLE_RATE_KEY]: sampleRate, [LOCAL_DP_STEPS_KEY]: steps },
});
const run = { runId: 'run-1' };

describe('OwnerBudget (a client’s own accounting of its DP-SGD steps)', () => {
  it('counts every request’s steps: its ε is `cohort dp epsilon` for (q, σ, all steps, δ), paid in its ledger before training', async () => {
    const ledger = new InMemoryBudgetLedger();
    const owner = await OwnerBudget.open({ ledger, owner: 'clinic', delta: 1e-5, accountant: 'rdp', budget: { epsilon: 10, delta: 1e-5 } });
    for (let round = 1; round <= 4; round++) {
      const epsilon = await owner.authorize(request(round, 1.1, 0.25, 4), run);
      expect(epsilon).toBe(subsampledGaussianEpsilon({ noiseMultiplier: 1.1, sampleRate: 0.25, steps: 4 * round }, 1e-5, 'rdp'));
      const spent = await ledger.spent('clinic');
      expect(spent.epsilon).toBeGreaterThanOrEqual(epsilon);
      expect(spent.epsilon / epsilon - 1).toBeLessThan(1e-12);
      expect(spent.delta).toBe(1e-5); // δ once
    }
    expect(owner.steps).toBe(16);
    expect((await ledger.history('clinic'))[3]!.details).toMatchObject({ kind: 'dp-sgd', noiseMultiplier: 1.1, sampleRate: 0.25, steps: 4, runId: 'run-1', round: 4 });
  });

  it('composes runs with different (σ, q) tightly (one accountant, each group as one event)', async () => {
    const owner = await OwnerBudget.open({ ledger: new InMemoryBudgetLedger(), owner: 'clinic', delta: 1e-5, accountant: 'pld', budget: { epsilon: 10, delta: 1e-5 } });
    await owner.authorize(request(1, 1.5, 0.2, 5), run);
    await owner.authorize(request(2, 0.9, 0.1, 10), run);
    await owner.authorize(request(3, 1.5, 0.2, 5), run);
    const expected = createAccountant('pld')
      .compose({ kind: 'poisson-gaussian', noiseMultiplier: 1.5, sampleRate: 0.2, steps: 10 })
      .compose({ kind: 'poisson-gaussian', noiseMultiplier: 0.9, sampleRate: 0.1, steps: 10 })
      .getEpsilon(1e-5);
    expect(owner.epsilon).toBe(expected);
  });

  it('refuses a request over its budget (nothing charged) and requests without DP-SGD, naming what was asked', async () => {
    const ledger = new InMemoryBudgetLedger();
    const one = subsampledGaussianEpsilon({ noiseMultiplier: 1, sampleRate: 0.5, steps: 2 }, 1e-5, 'rdp');
    const two = subsampledGaussianEpsilon({ noiseMultiplier: 1, sampleRate: 0.5, steps: 4 }, 1e-5, 'rdp');
    const owner = await OwnerBudget.open({ ledger, owner: 'clinic', delta: 1e-5, accountant: 'rdp', budget: { epsilon: (one + two) / 2, delta: 1e-5 } });
    await owner.authorize(request(1, 1, 0.5, 2), run);
    const before = await ledger.spent('clinic');
    await expect(owner.authorize(request(2, 1, 0.5, 2), run)).rejects.toMatchObject({ code: 'DP_BUDGET_EXCEEDED', message: expect.stringMatching(/^clinic refuses round 2: 2 more DP-SGD steps \(noise multiplier 1, sampling rate 0.5\) would take it from ε = [\d.]+ to ε = [\d.]+ at δ = 0.00001, past its budget/) });
    expect(await ledger.spent('clinic')).toEqual(before);
    expect(owner.epsilon).toBe(one);
    const plain: FitConfig = { ...request(3, 1, 0.5, 2), extra: {} };
    await expect(owner.authorize(plain, run)).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/trains only with DP-SGD.*without differential privacy — the server must run with --dp sample$/) });
    await expect(owner.authorize({ ...plain, extra: { [DP_CLIPPING_NORM_KEY]: 1 } }, run)).rejects.toThrow(/user-level DP-FedAvg, which protects nothing from the server/);
    await expect(owner.authorize(request(3, 0, 0.5, 2), run)).rejects.toThrow(/noise multiplier 0 .*without noise there is no privacy/);
  });

  it('picks its history up from a SQLite ledger file after a restart', async () => {
    const db = openDatabase(':memory:');
    try {
      const first = await OwnerBudget.open({ ledger: new SqliteBudgetLedger(db), owner: 'clinic', delta: 1e-5, accountant: 'rdp', budget: { epsilon: 5, delta: 1e-5 } });
      await first.authorize(request(1, 1.2, 0.1, 10), run);
      await first.authorize(request(2, 1.2, 0.1, 10), run);
      // Restarted without --max-epsilon: the file's budget rules and the steps are remembered.
      const again = await OwnerBudget.open({ ledger: new SqliteBudgetLedger(db), owner: 'clinic', delta: 1e-5, accountant: 'rdp' });
      expect(again.epsilon).toBe(first.epsilon);
      expect(again.steps).toBe(20);
      const third = await again.authorize(request(3, 1.2, 0.1, 10), { runId: 'run-2' });
      expect(third).toBe(subsampledGaussianEpsilon({ noiseMultiplier: 1.2, sampleRate: 0.1, steps: 30 }, 1e-5, 'rdp'));
      const spent = await new SqliteBudgetLedger(db).spent('clinic');
      expect(spent.delta).toBe(1e-5);
      expect(spent.epsilon / third - 1).toBeLessThan(1e-12);
    } finally {
      db.close();
    }
  });

  it('refuses to open without a budget, or with δ above the budget’s', async () => {
    const ledger = new InMemoryBudgetLedger();
    await expect(OwnerBudget.open({ ledger, owner: 'clinic', delta: 1e-5, accountant: 'rdp' })).rejects.toThrow(/holds no budget for "clinic"; give --max-epsilon E --delta D/);
    await expect(OwnerBudget.open({ ledger, owner: 'clinic', delta: 1e-3, accountant: 'rdp', budget: { epsilon: 1, delta: 1e-5 } })).rejects.toThrow(/--delta 0.001 is above the budget's δ = 0.00001/);
    await expect(OwnerBudget.open({ ledger, owner: 'clinic', delta: 1e-5, accountant: 'rdp', budget: { epsilon: Infinity, delta: 1e-5 } })).rejects.toThrow(/--max-epsilon must be a finite number > 0/);
  });
});
