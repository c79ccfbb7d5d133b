import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { InMemoryBudgetLedger } from '../../../src/dp/budget-ledger-memory.js';
import { distributedDiscreteGaussianPlanEpsilon, planDistributedDiscreteGaussian } from '../../../src/dp/calibration/distributed-discrete-gaussian.js';
import { runSimulation, type DpSimulationConfig } from '../../../src/fl/simulation/index.js';

// Breast cancer (bundled), 10 clients with IID shares, in-process: about a second per run.
const base = { workers: 0, centralized: false, clients: 10, rounds: 5, partition: 'iid', secureAggregation: {} } as const;
const distributed: DpSimulationConfig = { level: 'distributed', targetEpsilon: 8, delta: 1e-5, clippingNorm: 0.5, adaptiveClipping: false, accountant: 'rdp' };

describe('simulation with --dp distributed (distributed discrete Gaussian under SecAgg+)', () => {
  it('learns at ε = 8 and reports exactly the accountant’s ε, per round and per owner, paid into every owner’s ledger', async () => {
    const ledger = new InMemoryBudgetLedger();
    const { result } = await runSimulation({ ...base, dp: distributed }, { privacy: { rng: new SeededRandom(2), ledger } });
    const privacy = result.privacy!;
    expect(privacy).toMatchObject({ level: 'user', mechanism: 'distributed-discrete-gaussian', accountant: 'rdp', delta: 1e-5, budgetEpsilon: 8, calibrated: true, sampleRate: 1, rounds: 5 });
    expect(result.strategy).toBe('FedAvg+SecAgg+(k=9, t=5)');
    expect(result.secureAggregation).toMatchObject({ encoder: 'distributed-discrete-gaussian', clientsPerRound: 10, threshold: 5 });
    // The accountant, recomputed from the public settings: n = t = 5 noise shares, N = 10, d = 64 (62 parameters padded).
    const ddg = privacy.distributedDiscreteGaussian!;
    expect(ddg).toMatchObject({ noiseShares: 5, maxContributors: 10, dimension: 64 });
    const plan = planDistributedDiscreteGaussian({ clippingNorm: 0.5, noiseShares: 5, maxContributors: 10, dimension: 64, noiseMultiplier: privacy.noiseMultiplier });
    expect(plan.localVariance).toBe(ddg.localVariance);
    expect(plan.granularity).toBe(ddg.granularity);
    result.rounds.forEach((round, i) => expect(round.epsilon).toBe(distributedDiscreteGaussianPlanEpsilon(plan, i + 1, 1e-5)));
    expect(privacy.epsilon).toBe(distributedDiscreteGaussianPlanEpsilon(plan, 5, 1e-5));
    expect(privacy.epsilon).toBeLessThanOrEqual(8);
    expect(privacy.epsilon).toBeGreaterThan(7.99);
    expect(privacy.owners).toHaveLength(10);
    for (const owner of privacy.owners) {
      expect(owner).toMatchObject({ epsilon: privacy.epsilon, rounds: 5, sampleRate: 1 });
      const spent = await ledger.spent(owner.owner);
      expect(Math.abs(spent.epsilon / privacy.epsilon - 1)).toBeLessThan(1e-12);
      expect(spent.delta).toBe(1e-5);
    }
    // Non-private FedAvg reaches 96.5 % here; with the clients' noise (seen 92-96.5 % over noise seeds).
    expect(result.final.accuracy).toBeGreaterThan(0.9);
  }, 60_000);

  it('with a noise multiplier and a budget: stops before the round that would overshoot', async () => {
    const dp: DpSimulationConfig = { ...distributed, noiseMultiplier: 2, targetEpsilon: 3 };
    const { result } = await runSimulation({ ...base, rounds: 10, dp }, { privacy: { rng: new SeededRandom(3) } });
    const privacy = result.privacy!;
    const plan = planDistributedDiscreteGaussian({ clippingNorm: 0.5, noiseShares: 5, maxContributors: 10, dimension: 64, noiseMultiplier: 2 });
    const run = result.rounds.length;
    expect(run).toBeGreaterThan(0);
    expect(run).toBeLessThan(10);
    expect(distributedDiscreteGaussianPlanEpsilon(plan, run, 1e-5)).toBeLessThanOrEqual(3);
    expect(distributedDiscreteGaussianPlanEpsilon(plan, run + 1, 1e-5)).toBeGreaterThan(3);
    expect(privacy.stoppedEarly?.round).toBe(run + 1);
    expect(privacy).toMatchObject({ calibrated: false, noiseMultiplier: 2 });
  }, 60_000);

  it('refuses --dp distributed without --secure-aggregation, with another accountant, and adaptive clipping', async () => {
    const { secureAggregation: _unused, ...plain } = base;
    await expect(runSimulation({ ...plain, dp: distributed })).rejects.toThrow(/--dp distributed needs --secure-aggregation/);
    await expect(runSimulation({ ...base, dp: { ...distributed, accountant: 'pld' } })).rejects.toThrow(/--accountant/);
    await expect(runSimulation({ ...base, dp: { ...distributed, adaptiveClipping: true } })).rejects.toThrow(/--adaptive-clip/);
    await expect(runSimulation({ ...base, dp: { ...distributed, delta: 0.1 } })).rejects.toThrow(/--delta 0.1 must be below 1\/n/);
    await expect(runSimulation({ ...base, rounds: 1000, dp: { ...distributed, targetEpsilon: 0.001 } })).rejects.toMatchObject({ code: 'DP_TARGET_UNREACHABLE' });
  });
});
