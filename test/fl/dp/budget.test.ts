import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { RdpAccountant } from '../../../src/dp/accountants/index.js';
import { InMemoryBudgetLedger } from '../../../src/dp/budget-ledger-memory.js';
import { DpFedAvg, RoundBudget, ensureBudgets, runBudgetedFederation, subsampledGaussianEpsilon, type OwnerSchedule } from '../../../src/fl/dp/index.js';
import { FedAvg } from '../../../src/fl/strategies/index.js';
import { quadraticClient } from '../quadratic-clients.js';

const local = { localEpochs: 1, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.1 } } as const;
const owners = ['a', 'b'];

/** Every owner's guarantee after `rounds` rounds of a sampled Gaussian with these settings. */
function userLevelSchedule(noiseMultiplier: number, sampleRate: number, delta: number): OwnerSchedule {
  return (rounds) => ({ epsilon: subsampledGaussianEpsilon({ noiseMultiplier, sampleRate, steps: rounds }, delta, 'rdp'), delta: rounds === 0 ? 0 : delta });
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
    const budget = new RoundBudget({ budget: { epsilon: 100, delta: 1e-5 }, scheduleOf: () => schedule, ledger, runId: 'run-1', purpose: 'test run' });
    for (let round = 1; round <= 4; round++) {
      const decision = await budget.beforeRound(round, owners);
      expect(decision.allowed).toBe(true);
      const epsilon = schedule(round).epsilon;
      const spent = await ledger.spent('a');
      expect(spent.epsilon).toBeGreaterThanOrEqual(epsilon);
      expect(spent.epsilon / epsilon - 1).toBeLessThan(1e-12);
      expect(spent.delta).toBe(1e-5);
    }
    const history = await ledger.history('b');
    expect(history).toHaveLength(4);
    expect(history[3]).toMatchObject({ purpose: 'test run, round 4', idempotencyKey: 'run-1:round-4' });
    expect(history[3]!.details.epsilonTotal).toBe(schedule(4).epsilon);
    expect(budget.totalsAfter(2)).toEqual(owners.map((owner) => ({ owner, epsilon: schedule(2).epsilon, delta: 1e-5 })));
    await expect(budget.beforeRound(7, owners)).rejects.toThrow(/round must be the next round \(5\) or a repeat of round 4/);
  });

  it('refuses a round that would take an owner past the run’s ε, and says which round and how far', async () => {
    const schedule = userLevelSchedule(1, 1, 1e-5);
    const cap = (schedule(2).epsilon + schedule(3).epsilon) / 2; // rounds 1-2 fit, round 3 does not
    const ledger = new InMemoryBudgetLedger();
    await ensureBudgets(ledger, owners, { epsilon: cap, delta: 1e-5 });
    const budget = new RoundBudget({ budget: { epsilon: cap, delta: 1e-5 }, scheduleOf: () => schedule, ledger, runId: 'r', purpose: 'p' });
    expect((await budget.beforeRound(1, owners)).allowed).toBe(true);
    expect((await budget.beforeRound(2, owners)).allowed).toBe(true);
    const third = await budget.beforeRound(3, owners);
    expect(third).toMatchObject({ allowed: false, limit: 'run' });
    expect(third.allowed ? '' : third.reason).toMatch(/^round 3 would take a to ε = [\d.]+ \(δ = 0.00001\), past the run's budget ε = [\d.]+/);
    expect((await ledger.spent('a')).epsilon).toBeLessThanOrEqual(cap);
  });

  it('refuses when the owner’s ledger account (e.g. from earlier runs) cannot pay', async () => {
    const ledger = new InMemoryBudgetLedger();
    await ledger.setBudget('a', { epsilon: 5, delta: 1e-5 });
    await ledger.setBudget('b', { epsilon: 5, delta: 1e-5 });
    await ledger.spend({ owner: 'b', epsilon: 4.9, delta: 0, purpose: 'an earlier release' });
    const budget = new RoundBudget({ budget: { epsilon: 5, delta: 1e-5 }, scheduleOf: () => userLevelSchedule(1, 1, 1e-5), ledger, runId: 'r', purpose: 'p' });
    const decision = await budget.beforeRound(1, owners);
    expect(decision).toMatchObject({ allowed: false, limit: 'ledger' });
    expect(decision.allowed ? '' : decision.reason).toMatch(/privacy budget exceeded for owner "b"/);
    // All or nothing: a was not charged either.
    expect((await ledger.spent('a')).epsilon).toBe(0);
  });
});

describe('RoundBudget with owners taking part in some rounds only (client sampling at sample level)', () => {
  const schedule = userLevelSchedule(1.5, 0.1, 1e-5);
  const make = (ledger: InMemoryBudgetLedger, epsilon = 100) =>
    new RoundBudget({ budget: { epsilon, delta: 1e-5 }, scheduleOf: () => schedule, ledgerBudgetOf: () => ({ epsilon, delta: 1e-5 }), ledger, runId: 'run-s', purpose: 'p' });

  it('charges only the owners taking part; each one’s total is its schedule at its own number of rounds', async () => {
    const ledger = new InMemoryBudgetLedger();
    const budget = make(ledger);
    await budget.beforeRound(1, ['a', 'b']);
    await budget.beforeRound(2, ['b']);
    await budget.beforeRound(3, ['b', 'c']);
    expect([budget.roundsOf('a'), budget.roundsOf('b'), budget.roundsOf('c'), budget.roundsOf('d')]).toEqual([1, 3, 1, 0]);
    for (const [owner, rounds] of [['a', 1], ['b', 3], ['c', 1]] as const) {
      const spent = await ledger.spent(owner);
      expect(spent.epsilon / schedule(rounds).epsilon - 1).toBeLessThan(1e-12);
      expect(spent.epsilon).toBeGreaterThanOrEqual(schedule(rounds).epsilon);
      expect(spent.delta).toBe(1e-5);
    }
    // New owners got the run's budget in the ledger on first sight.
    expect(await ledger.getBudget('c')).toEqual({ epsilon: 100, delta: 1e-5 });
    expect(await ledger.owners()).toEqual(['a', 'b', 'c']);
    expect(budget.totalsAfter(2)).toEqual([
      { owner: 'a', epsilon: schedule(1).epsilon, delta: 1e-5 },
      { owner: 'b', epsilon: schedule(2).epsilon, delta: 1e-5 },
      { owner: 'c', epsilon: 0, delta: 0 },
    ]);
    // A round where nobody takes part is granted and charges nothing.
    expect((await budget.beforeRound(4, [])).allowed).toBe(true);
    expect((await ledger.history('b')).map((entry) => entry.details.rounds)).toEqual([1, 2, 3]);
  });

  it('refuses a round that would take a chosen owner past the cap, whatever the others have spent', async () => {
    const ledger = new InMemoryBudgetLedger();
    const budget = make(ledger, (schedule(2).epsilon + schedule(3).epsilon) / 2);
    await budget.beforeRound(1, ['a']);
    await budget.beforeRound(2, ['a']);
    // b has spent nothing: it may take part; a may not take a third round.
    expect((await budget.beforeRound(3, ['b'])).allowed).toBe(true);
    const refused = await budget.beforeRound(4, ['a', 'b']);
    expect(refused).toMatchObject({ allowed: false, limit: 'run' });
    expect(refused.allowed ? '' : refused.reason).toMatch(/^round 4 would take a to ε = /);
    expect(budget.roundsOf('b')).toBe(1);
  });

  it('charges a repeated round again under a new key, and restore() continues from the ledger', async () => {
    const ledger = new InMemoryBudgetLedger();
    const budget = make(ledger);
    await budget.beforeRound(1, ['a', 'b']);
    await budget.beforeRound(2, ['a']);
    await budget.beforeRound(2, ['a', 'b']); // the retry of an incomplete round 2
    expect((await ledger.history('a')).map((entry) => entry.idempotencyKey)).toEqual(['run-s:round-1', 'run-s:round-2', 'run-s:round-2:attempt-2']);
    expect([budget.roundsOf('a'), budget.roundsOf('b')]).toEqual([3, 2]);
    await expect(budget.beforeRound(1, ['a'])).rejects.toThrow(/round must be the next round \(3\) or a repeat of round 2/);

    // A restarted server: a fresh RoundBudget on the same ledger and run id.
    const again = make(ledger);
    await again.restore();
    expect([again.roundsOf('a'), again.roundsOf('b')]).toEqual([3, 2]);
    expect(again.totalsAfter(2)).toEqual(budget.totalsAfter(2));
    await again.beforeRound(2, ['b']); // round 2 re-run after the crash: attempt 3
    await again.beforeRound(3, ['a']);
    expect((await ledger.history('b')).map((entry) => entry.idempotencyKey)).toEqual(['run-s:round-1', 'run-s:round-2:attempt-2', 'run-s:round-2:attempt-3']);
    for (const [owner, rounds] of [['a', 4], ['b', 3]] as const) {
      expect((await ledger.spent(owner)).epsilon / schedule(rounds).epsilon - 1).toBeLessThan(1e-12);
    }
    // Another run on the same ledger starts from zero.
    const other = new RoundBudget({ budget: { epsilon: 100, delta: 1e-5 }, scheduleOf: () => schedule, ledger, runId: 'run-t', purpose: 'p' });
    await other.restore();
    expect(other.knownOwners()).toEqual([]);
  });
});

describe('runBudgetedFederation', () => {
  const goals = [Float32Array.of(1, 2), Float32Array.of(-1, 0)];
  const clients = () => goals.map((target, i) => quadraticClient({ id: owners[i]!, target, numExamples: 10 }));

  it('stops before the round that would overshoot, keeps the model so far and says so', async () => {
    const delta = 1e-5;
    const noiseMultiplier = 2;
    const schedule = userLevelSchedule(noiseMultiplier, 1, delta);
    const cap = (schedule(3).epsilon + schedule(4).epsilon) / 2;
    const ledger = new InMemoryBudgetLedger();
    await ensureBudgets(ledger, owners, { epsilon: cap, delta });
    const budget = new RoundBudget({ budget: { epsilon: cap, delta }, scheduleOf: () => schedule, ledger, runId: 'run', purpose: 'DP-FedAvg test' });
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
      beforeRound: (round, participants) => budget.beforeRound(round, participants.available),
    });
    expect(result.rounds.map((round) => round.round)).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
    expect(result.stoppedEarly?.round).toBe(4);
    expect(result.stoppedEarly?.reason).toMatch(/round 4 would take a to ε/);
    // The model so far is round 3's release.
    expect(result.weights[0]).toBe(result.rounds[2]!.loss);
    expect(result.initial?.loss).toBe(0);
    expect((await ledger.history('b')).map((entry) => entry.details.round)).toEqual([1, 2, 3]);
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

  it('asks the gate after the choice of clients: the available ones and the chosen ones', async () => {
    const seen: { round: number; available: readonly string[]; chosen: readonly string[] }[] = [];
    const many = ['a', 'b', 'c', 'd'].map((id) => quadraticClient({ id, target: Float32Array.of(1, 1), numExamples: 10 }));
    await runBudgetedFederation({
      strategy: new FedAvg({ ...local, fraction: 0.5 }),
      clients: many,
      rounds: 3,
      initialWeights: new Float32Array(2),
      rng: new SeededRandom(1),
      beforeRound: (round, participants) => {
        seen.push({ round, ...participants });
        return { allowed: true };
      },
    });
    expect(seen.map((entry) => entry.round)).toEqual([1, 2, 3]);
    for (const entry of seen) {
      expect(entry.available).toEqual(['a', 'b', 'c', 'd']);
      expect(entry.chosen).toHaveLength(2);
    }
    // The chosen clients are exactly those that trained in that round.
    for (const entry of seen) {
      expect(many.filter((client) => client.calls.some((call) => call.round === entry.round)).map((client) => client.id)).toEqual(entry.chosen);
    }
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
