import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { InMemoryBudgetLedger } from '../../../src/dp/budget-ledger-memory.js';
import { subsampledGaussianEpsilon } from '../../../src/fl/dp/index.js';
import { runSimulation, type DpSimulationConfig } from '../../../src/fl/simulation/index.js';

// Breast cancer (bundled), 5 hospitals, in-process: a DP run takes about a second.
const base = { workers: 0, centralized: false, rounds: 10 } as const;
const userLevel: DpSimulationConfig = { level: 'user', targetEpsilon: 16, delta: 1e-3, clippingNorm: 0.5, adaptiveClipping: false, accountant: 'rdp' };

describe('simulation with user-level DP-FedAvg', () => {
  it('learns above chance at ε = 16 and reports ε per round exactly as the accountant computes it', async () => {
    const { result } = await runSimulation({ ...base, dp: userLevel }, { privacy: { rng: new SeededRandom(3) } });
    const privacy = result.privacy!;
    expect(privacy).toMatchObject({ level: 'user', accountant: 'rdp', delta: 1e-3, budgetEpsilon: 16, calibrated: true, sampleRate: 1, rounds: 10, ledger: 'memory' });
    expect(privacy.stoppedEarly).toBeUndefined();
    expect(privacy.epsilon).toBeLessThanOrEqual(16);
    expect(privacy.epsilon).toBeGreaterThan(15.9);
    result.rounds.forEach((round, i) => {
      expect(round.epsilon).toBe(subsampledGaussianEpsilon({ noiseMultiplier: privacy.noiseMultiplier, sampleRate: 1, steps: i + 1 }, 1e-3, 'rdp'));
      expect(round.clippingNorm).toBe(0.5);
      expect(round.participants).toHaveLength(5);
    });
    expect(result.rounds[9]!.epsilon).toBe(privacy.epsilon);
    expect(privacy.owners).toHaveLength(5);
    expect(privacy.owners.every((owner) => owner.epsilon === privacy.epsilon && owner.steps === 10)).toBe(true);
    // Benign is 62.7 % of the data: well above chance.
    expect(result.final.accuracy).toBeGreaterThan(0.85);
    expect(result.strategy).toMatch(/^DP-FedAvg\(FedAvg, z=[\d.]+, C=0.5, q=1\)$/);
  });

  it('runs empty Poisson rounds (nobody trains, noise only) and charges every client every round', async () => {
    const dp: DpSimulationConfig = { level: 'user', noiseMultiplier: 3, delta: 1e-3, clippingNorm: 0.5, adaptiveClipping: false, accountant: 'rdp' };
    const { result } = await runSimulation({ ...base, rounds: 12, fraction: 0.2, dp }, { privacy: { rng: new SeededRandom(12) } });
    const privacy = result.privacy!;
    // q = 0.2 over 5 clients: a round is empty with probability 0.8^5 ≈ 0.33; this seed gives some.
    const empty = result.rounds.filter((round) => round.participants.length === 0);
    expect(empty.length).toBeGreaterThan(0);
    expect(empty.every((round) => round.numExamples === 0 && round.failures.length === 0)).toBe(true);
    expect(privacy.rounds).toBe(12);
    for (const owner of privacy.owners) expect(owner).toMatchObject({ rounds: 12, steps: 12, sampleRate: 0.2 });
    expect(privacy.epsilon).toBe(subsampledGaussianEpsilon({ noiseMultiplier: 3, sampleRate: 0.2, steps: 12 }, 1e-3, 'rdp'));
  });

  it('stops cleanly before the round that would overshoot the budget, and says so', async () => {
    const dp: DpSimulationConfig = { ...userLevel, noiseMultiplier: 2, targetEpsilon: 3 };
    const ledger = new InMemoryBudgetLedger();
    const { result } = await runSimulation({ ...base, dp }, { privacy: { rng: new SeededRandom(4), ledger } });
    const privacy = result.privacy!;
    const run = result.rounds.length;
    expect(run).toBeGreaterThan(0);
    expect(run).toBeLessThan(10);
    const epsilonAt = (rounds: number) => subsampledGaussianEpsilon({ noiseMultiplier: 2, sampleRate: 1, steps: rounds }, 1e-3, 'rdp');
    expect(epsilonAt(run)).toBeLessThanOrEqual(3);
    expect(epsilonAt(run + 1)).toBeGreaterThan(3);
    expect(privacy.stoppedEarly?.round).toBe(run + 1);
    expect(privacy.stoppedEarly?.reason).toMatch(new RegExp(`^round ${run + 1} would take client-0 to ε = [\\d.]+ \\(δ = 0.001\\), past the run's budget ε = 3`));
    expect(privacy.epsilon).toBe(epsilonAt(run));
    expect(result.final.accuracy).toBe(result.rounds[run - 1]!.accuracy);
    // The ledger holds the run's total for every client: ε_run, δ once.
    const spent = await ledger.spent('client-4');
    expect(spent.epsilon / privacy.epsilon - 1).toBeLessThan(1e-12);
    expect(spent.delta).toBe(1e-3);
    // A second run on the same ledger cannot pay for its first round (δ is spent): it runs nothing.
    const again = await runSimulation({ ...base, dp }, { privacy: { rng: new SeededRandom(5), ledger } });
    expect(again.result.rounds).toHaveLength(0);
    expect(again.result.privacy?.stoppedEarly?.reason).toMatch(/round 1 refused by the privacy ledger: privacy budget exceeded for owner "client-0"/);
    expect(again.result.final.accuracy).toBe(again.result.initial.accuracy);
  });

  it('clips on the clients in worker threads as in-process (same seeds, same noise → same model)', async () => {
    const dp: DpSimulationConfig = { ...userLevel, noiseMultiplier: 1 };
    const inProcess = await runSimulation({ ...base, rounds: 3, dp }, { privacy: { rng: new SeededRandom(6) } });
    const threads = await runSimulation({ ...base, rounds: 3, workers: 2, dp }, { privacy: { rng: new SeededRandom(6) } });
    expect(Array.from(threads.weights)).toEqual(Array.from(inProcess.weights));
  });

  it('refuses settings that cannot work, naming the flag and value', async () => {
    const fail = (dp: Partial<DpSimulationConfig>, extra: object = {}) => runSimulation({ ...base, ...extra, dp: { ...userLevel, ...dp } });
    await expect(fail({ delta: 0.2 })).rejects.toThrow(/^--delta 0.2 must be below 1\/n = 0.2 for user-level DP \(n = 5 clients\)/);
    await expect(fail({ level: 'sample', delta: 0.2 })).rejects.toThrow(/^--delta 0.2 must be below 1\/n = 0.\d+ for sample-level DP \(n = \d+ examples, the smallest client's data\)/);
    await expect(fail({ adaptiveClipping: true })).rejects.toThrow(/^--adaptive-clip cannot be used with 5 clients at noise multiplier [\d.]+: the clipped-count noise σ_b = m\/20 = 0.25/);
    await expect(fail({ targetEpsilon: 1e-6, delta: 1e-5 })).rejects.toThrow(/^--target-epsilon 0.000001 cannot be reached with 10 rounds at client sampling rate 1 at --delta 0.00001/);
    await expect(fail({ clippingNorm: 0 })).rejects.toThrow(/^--clip must be a finite number > 0 \(got 0\)/);
    await expect(fail({ adaptiveClipping: true, level: 'sample' })).rejects.toThrow(/^--adaptive-clip must be used with --dp user only/);
  });
});

describe('simulation with sample-level DP (DP-SGD on every client)', () => {
  it('learns above chance at ε = 1, δ = 1e-5 per hospital, each owner charged its own accounted ε', async () => {
    const dp: DpSimulationConfig = { level: 'sample', targetEpsilon: 1, delta: 1e-5, clippingNorm: 1, adaptiveClipping: false, accountant: 'rdp' };
    const ledger = new InMemoryBudgetLedger();
    const { result } = await runSimulation({ ...base, localEpochs: 1, dp }, { privacy: { ledger } });
    const privacy = result.privacy!;
    expect(privacy).toMatchObject({ level: 'sample', budgetEpsilon: 1, calibrated: true, rounds: 10 });
    expect(privacy.stoppedEarly).toBeUndefined();
    expect(privacy.epsilon).toBeLessThanOrEqual(1);
    const sizes = result.partition.clients.map((client) => client.examples);
    privacy.owners.forEach((owner, i) => {
      const sampleRate = Math.min(1, 16 / sizes[i]!);
      expect(owner.sampleRate).toBe(sampleRate);
      expect(owner.steps).toBe(10 * Math.max(1, Math.round(1 / sampleRate)));
      expect(owner.epsilon).toBe(subsampledGaussianEpsilon({ noiseMultiplier: owner.noiseMultiplier, sampleRate, steps: owner.steps }, 1e-5, 'rdp'));
      expect(owner.epsilon).toBeGreaterThan(0.99);
    });
    for (const owner of privacy.owners) {
      const spent = await ledger.spent(owner.owner);
      expect(spent.epsilon / owner.epsilon - 1).toBeLessThan(1e-12);
    }
    expect(result.rounds.every((round) => Number.isNaN(round.trainLoss))).toBe(true);
    // DP-SGD noise comes from the CSPRNG on the clients (not seedable): typical runs reach 95-98 %.
    expect(result.final.accuracy).toBeGreaterThan(0.85);
  });

  it('with --fraction < 1 charges each owner only for the rounds it trained in; the run’s ε is the largest', async () => {
    const dp: DpSimulationConfig = { level: 'sample', noiseMultiplier: 1.5, delta: 1e-5, clippingNorm: 1, adaptiveClipping: false, accountant: 'rdp' };
    const ledger = new InMemoryBudgetLedger();
    const { result } = await runSimulation({ ...base, rounds: 6, localEpochs: 1, fraction: 0.4, dp }, { privacy: { ledger } });
    const privacy = result.privacy!;
    const trainedIn = (owner: string) => result.rounds.filter((round) => round.participants.includes(owner)).length;
    expect(result.rounds.every((round) => round.participants.length === 2)).toBe(true);
    const counts = privacy.owners.map((owner) => owner.rounds);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
    expect(Math.min(...counts)).toBeLessThan(6);
    for (const owner of privacy.owners) {
      expect(owner.rounds).toBe(trainedIn(owner.owner));
      const stepsPerRound = Math.max(1, Math.round(1 / owner.sampleRate));
      expect(owner.steps).toBe(owner.rounds * stepsPerRound);
      expect(owner.epsilon).toBe(subsampledGaussianEpsilon({ noiseMultiplier: 1.5, sampleRate: owner.sampleRate, steps: owner.steps }, 1e-5, 'rdp'));
      expect(owner.delta).toBe(owner.rounds === 0 ? 0 : 1e-5);
      // The ledger holds what the owner spent, not six rounds' worth.
      const spent = await ledger.spent(owner.owner);
      expect(owner.rounds === 0 ? spent.epsilon === 0 : spent.epsilon / owner.epsilon - 1 < 1e-12).toBe(true);
    }
    expect(privacy.epsilon).toBe(Math.max(...privacy.owners.map((owner) => owner.epsilon)));
    // ε per round: the largest total over owners once that round was paid.
    const last = result.rounds[result.rounds.length - 1]!;
    expect(last.epsilon).toBe(privacy.epsilon);
    for (let i = 1; i < result.rounds.length; i++) expect(result.rounds[i]!.epsilon!).toBeGreaterThanOrEqual(result.rounds[i - 1]!.epsilon!);
  });
});
