import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../../src/fl/index.js';

const small = { clients: 5, rounds: 3, centralized: false, seed: 11 } as const;

describe('simulate with secure aggregation (SecAgg+)', () => {
  it('breast cancer, 5 clients, 3 rounds: ends within quantisation error of plain FedAvg (clients in worker threads)', async () => {
    const plain = await runSimulation({ ...small, workers: 0 });
    const secure = await runSimulation({ ...small, workers: 2, secureAggregation: {} });
    expect(secure.result.strategy).toBe('FedAvg+SecAgg+(k=4, t=3)');
    let largest = 0;
    for (let i = 0; i < plain.weights.length; i++) largest = Math.max(largest, Math.abs(plain.weights[i]! - secure.weights[i]!));
    // One client's rounding step is 1/scale = 2.3e-9 (5 clients, range 1); what remains is float32
    // rounding of the sums (seen: 3e-8) and its effect on the next rounds' training.
    expect(largest).toBeLessThan(1e-6);
    expect(Math.abs(secure.result.final.accuracy - plain.result.final.accuracy)).toBeLessThanOrEqual(1 / 114 + 1e-9);
    expect(secure.result.final.accuracy).toBeGreaterThan(0.9);
    expect(secure.result.secureAggregation).toMatchObject({ protocol: 'SecAgg+', encoder: 'weighted-fixed-point', clientsPerRound: 5, neighbours: 4, threshold: 3, updateRange: 1 });
    expect(secure.result.secureAggregation?.rounds).toEqual([1, 2, 3].map((round) => ({ round, survivors: 5, dropped: [] })));
    expect(secure.result.secureAggregation?.abortedRound).toBeUndefined();
    expect(JSON.parse(JSON.stringify(secure.result)).config.secureAggregation).toEqual({});
  }, 60_000);

  it('refuses combinations that need individual updates, and bad settings, before loading data', async () => {
    const dp = { level: 'user', noiseMultiplier: 1, delta: 1e-5, clippingNorm: 1, adaptiveClipping: false, accountant: 'rdp' } as const;
    await expect(runSimulation({ ...small, workers: 0, secureAggregation: {}, dp })).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/--dp user/) });
    await expect(runSimulation({ ...small, workers: 0, secureAggregation: {}, aggregation: 'paillier' })).rejects.toThrow(/--secure-aggregation cannot be combined with --aggregation paillier/);
    await expect(runSimulation({ ...small, workers: 0, secureAggregation: {}, strategy: 'fedadam' })).rejects.toThrow(/--strategy fedadam cannot be used with --secure-aggregation/);
    await expect(runSimulation({ ...small, workers: 0, secureAggregation: { neighbours: 5 } })).rejects.toThrow(/--secagg-neighbours 5 must be below the 5 clients per round/);
    await expect(runSimulation({ ...small, workers: 0, secureAggregation: { neighbours: 2, threshold: 1 } })).rejects.toThrow(/--secagg-threshold 1 must be more than half of --secagg-neighbours 2/);
    await expect(runSimulation({ ...small, workers: 0, clients: 1, secureAggregation: {} })).rejects.toThrow(/at least 2 clients per round/);
  });
});
