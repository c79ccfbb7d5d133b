import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { RdpAccountant } from '../../../src/dp/accountants/index.js';
import { InMemoryBudgetLedger } from '../../../src/dp/budget-ledger-memory.js';
import { DpFedAvg, RoundBudget, ensureBudgets, runBudgetedFederation, subsampledGaussianEpsilon, type PrivacySchedule } from '../../../src/fl/dp/index.js';
import { FedAvg } from '../../../src/fl/strategies/index.js';
import { quadraticClient } from '../quadratic-clients.js';

const local = { localEpochs: 1, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.1 } } as const;
const owners = ['a', 'b'];

function userLevelSchedule(noiseMultiplier: number, sampleRate: number, delta: number): PrivacySchedule {
  return (rounds) => {
    const epsilon = subsampledGaussianEpsilon({ noiseMultiplier, sampleRate, steps: rounds }, delta, 'rdp');
    return owners.map((owner) => ({ owner, epsilon, delta: rounds === 0 ? 0 : delta }));
  };
}

describe('subsampledGaussianEpsilon', () => {
  it('is what the RDP accountant gives for the same event (and 0 for no steps, ∞ without noise)', () => {
    const expected = new RdpAccountant().compose({ kind: 'poisson-gaussian', noiseMultiplier: 1.1, sampleRate: 0.2, steps: 40 }).getEpsilon(1e-5);
    expect(subsampledGaussianEpsilon({ noiseMultiplier: 1.1, sampleRate: 0.2, steps: 40 }, 1e-5, 'rdp')).toBe(expected);
    expect(subsampledGaussianEpsilon({ noiseMultiplier: 1.1, sampleRate: 0.2, steps: 0 }, 1e-5, 'rdp')).toBe(0);
    expect(subsampledGaussianEpsilon({ noiseMultiplier: 0, sampleRate: 0.2, steps: 3 }, 1e-5, 'rdp')).toBe(Infinity);
  });
});

describe('RoundBudget', () => {
  it('pays each round in the ledger before it runs; the recorded total is the accountant’s ε_t', async () => {
    const ledger = new InMemoryBudgetLedger();
    await ensureBudgets(ledger, owners, { epsilon: 100, delta: 1e-5 });
    const schedule = userLevelSchedule(1, 1, 1e-5);
    const budget = new RoundBudget({ budget: { epsilon: 100, delta: 1e-5 }, schedule, ledger, runId: 'run-1', purpose: 'test run' });
    for (let round = 1; round <= 4; round++) {
      const decision = await budget.beforeRound(round);
      expect(decision.allowed).toBe(true);
      const epsilon = schedule(round)[0]!.epsilon;
      const spent = await ledger.spent('a');
      expect(spent.epsilon).toBeGreaterThanOrEqual(epsilon);
      expect(spent.epsilon / epsilon - 1).toBeLessThan(1e-12);
      expect(spent.delta).toBe(1e-5);
    }
    const history = await ledger.history('b');
    expect(history).toHaveLength(4);
    expect(history[3]).toMatchObject({ purpose: 'test run, round 4', idempotencyKey: 'run-1:round-4' });
    expect(history[3]!.details.epsilonTotal).toBe(schedule(4)[0]!.epsilon);
    await expect(budget.beforeRound(7)).rejects.toThrow(/round must be the next round \(5\)/);
  });

  it('refuses a round that would take an owner past the run’s ε, and says which round and how far', async () => {
    const schedule = userLevelSchedule(1, 1, 1e-5);
    const cap = (schedule(2)[0]!.epsilon + schedule(3)[0]!.epsilon) / 2; // rounds 1-2 fit, round 3 does not
    const ledger = new InMemoryBudgetLedger();
    await ensureBudgets(ledger, owners, { epsilon: cap, delta: 1e-5 });
    const budget = new RoundBudget({ budget: { epsilon: cap, delta: 1e-5 }, schedule, ledger, runId: 'r', purpose: 'p' });
    expect((await budget.beforeRound(1)).allowed).toBe(true);
    expect((await budget.beforeRound(2)).allowed).toBe(true);
    const third = await budget.beforeRound(3);
    expect(third).toMatchObject({ allowed: false, limit: 'run' });
    expect(third.allowed ? '' : third.reason).toMatch(/^round 3 would take a to ε = [\d.]+ \(δ = 0.00001\), past the run's budget ε = [\d.]+/);
    expect((await ledger.spent('a')).epsilon).toBeLessThanOrEqual(cap);
  });

  it('refuses when the owner’s ledger account (e.g. from earlier runs) cannot pay', async () => {
    const ledger = new InMemoryBudgetLedger();
    await ledger.setBudget('a', { epsilon: 5, delta: 1e-5 });
    await ledger.setBudget('b', { epsilon: 5, delta: 1e-5 });
    await ledger.spend({ owner: 'b', epsilon: 4.9, delta: 0, purpose: 'an earlier release' });
    const budget = new RoundBudget({ budget: { epsilon: 5, delta: 1e-5 }, schedule: userLevelSchedule(1, 1, 1e-5), ledger, runId: 'r', purpose: 'p' });
    const decision = await budget.beforeRound(1);
    expect(decision).toMatchObject({ allowed: false, limit: 'ledger' });
    expect(decision.allowed ? '' : decision.reason).toMatch(/privacy budget exceeded for owner "b"/);
    // All or nothing: a was not charged either.
    expect((await ledger.spent('a')).epsilon).toBe(0);
  });
});

describe('runBudgetedFederation', () => {
  const goals = [Float32Array.of(1, 2), Float32Array.of(-1, 0)];
  const clients = () => goals.map((target, i) => quadraticClient({ id: owners[i]!, target, numExamples: 10 }));

  it('stops before the round that would overshoot, keeps the model so far and says so', async () => {
    const delta = 1e-5;
    const noiseMultiplier = 2;
    const schedule = userLevelSchedule(noiseMultiplier, 1, delta);
    const cap = (schedule(3)[0]!.epsilon + schedule(4)[0]!.epsilon) / 2;
    const ledger = new InMemoryBudgetLedger();
    await ensureBudgets(ledger, owners, { epsilon: cap, delta });
    const budget = new RoundBudget({ budget: { epsilon: cap, delta }, schedule, ledger, runId: 'run', purpose: 'DP-FedAvg test' });
    const strategy = new DpFedAvg(new FedAvg(local), { noiseMultiplier, clippingNorm: 1, rng: new SeededRandom(4) });
    const seen: number[] = [];
    const result = await runBudgetedFederation({
      strategy,
      clients: clients(),
      rounds: 10,
      initialWeights: new Float32Array(2),
      rng: new SeededRandom(1),
      evaluateGlobal: async (weights) => ({ accuracy: 0, loss: weights[0]!, perClassRecall: [], examples: 1 }),
      onRound: (round) => {
        seen.push(round.round);
      },
      beforeRound: (round) => budget.beforeRound(round),
    });
    expect(result.rounds.map((round) => round.round)).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
    expect(result.stoppedEarly?.round).toBe(4);
    expect(result.stoppedEarly?.reason).toMatch(/round 4 would take a to ε/);
    // The model so far is round 3's release.
    expect(result.weights[0]).toBe(result.rounds[2]!.loss);
    expect(result.initial?.loss).toBe(0);
    expect(budget.spentPerRound).toHaveLength(3);
    expect((await ledger.spent('a')).epsilon).toBeLessThanOrEqual(cap);
    expect(strategy.rounds).toHaveLength(3);
  });

  it('runs nothing when even round 1 is refused (the initial model is the result)', async () => {
    const result = await runBudgetedFederation({
      strategy: new FedAvg(local),
      clients: clients(),
      rounds: 3,
      initialWeights: Float32Array.of(7, 7),
      beforeRound: () => ({ allowed: false, reason: 'no budget left' }),
    });
    expect(result.rounds).toEqual([]);
    expect(Array.from(result.weights)).toEqual([7, 7]);
    expect(result.stoppedEarly).toEqual({ round: 1, reason: 'no budget left' });
  });

  it('runs every round when the budget allows, without stoppedEarly', async () => {
    const result = await runBudgetedFederation({
      strategy: new FedAvg(local),
      clients: clients(),
      rounds: 3,
      initialWeights: new Float32Array(2),
      rng: new SeededRandom(1),
      beforeRound: () => ({ allowed: true }),
    });
    expect(result.rounds).toHaveLength(3);
    expect(result.stoppedEarly).toBeUndefined();
  });

  it('a user abort is still an abort, not a budget stop', async () => {
    const controller = new AbortController();
    const run = runBudgetedFederation({
      strategy: new FedAvg(local),
      clients: clients(),
      rounds: 5,
      initialWeights: new Float32Array(2),
      rng: new SeededRandom(1),
      signal: controller.signal,
      onRound: () => controller.abort(new Error('user stop')),
      beforeRound: () => ({ allowed: true }),
    });
    await expect(run).rejects.toThrow(/user stop/);
  });
});
