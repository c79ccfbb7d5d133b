// Server optimisers on hand-computed values: Reddi et al. 2021 Algorithm 2 (FedAdagrad, FedAdam,
// FedYogi) and Hsu et al. 2019 (FedAvgM). One client always returns `target`; the global model
// starts at 0, so Δ_1 = target and Δ_2 = target − x_1.
import { describe, expect, it } from 'vitest';
import { FedAvg, FedAvgM, FedOpt, parseStrategySpec, createStrategy, type AdaptiveKind } from '../../src/fl/strategies/index.js';
import type { Strategy } from '../../src/fl/strategy.js';

const base = { localEpochs: 1, batchSize: 1, optimizer: { kind: 'sgd' as const, learningRate: 0.1 } };

async function twoRounds(strategy: Strategy, target: number[]): Promise<number[][]> {
  let weights: Float32Array = new Float32Array(target.length);
  const out: number[][] = [];
  for (let round = 1; round <= 2; round++) {
    const result = await strategy.aggregateFit({
      round,
      globalWeights: weights,
      results: [{ clientId: 'c', weights: new Float32Array(target), numExamples: 3, metrics: { trainLoss: 1 } }],
      failures: [],
    });
    weights = result.weights;
    out.push([...weights]);
  }
  return out;
}

function expectClose(actual: number[][], expected: number[][]): void {
  actual.forEach((row, r) => row.forEach((value, i) => expect(value).toBeCloseTo(expected[r]?.[i] as number, 6)));
}

describe('FedOpt (Reddi et al. 2021, Algorithm 2), η = 0.1, β2 = 0.99, τ = 0.5', () => {
  // Round 1, coordinate 0 by hand: Δ = 1, v_{-1} = τ² = 0.25.
  //   FedAdam:    m = 0.1, v = 0.99·0.25 + 0.01·1 = 0.2575, x = 0.1·0.1/(√0.2575 + 0.5) = 0.0099261
  //   FedYogi:    v = 0.25 − 0.01·1·sign(0.25 − 1) = 0.26,   x = 0.01/(√0.26 + 0.5)  = 0.0099020
  //   FedAdagrad: β1 = 0 so m = 1, v = 0.25 + 1 = 1.25,      x = 0.1/(√1.25 + 0.5)   = 0.0618034
  const cases: [AdaptiveKind, number, number[][]][] = [
    ['adam', 0.9, [[0.009926104339481297, -0.01930147452702955], [0.028556392474348796, -0.05466537779333376]]],
    ['yogi', 0.9, [[0.00990195135927848, -0.0192582403567252], [0.02844276562671899, -0.05446760738746954]]],
    ['adagrad', 0, [[0.061803398874989486, -0.07807764064044152], [0.10968217871744998, -0.1359935200623007]]],
  ];
  for (const [kind, beta1, expected] of cases) {
    it(`Fed${kind}: two rounds match the hand computation`, async () => {
      const strategy = new FedOpt(kind, { ...base, serverLearningRate: 0.1, beta1, beta2: 0.99, tau: 0.5 });
      expectClose(await twoRounds(strategy, [1, -2]), expected);
    });
  }

  it('defaults follow Flower: η = 0.1, β1 = 0.9 (FedAdagrad 0), β2 = 0.99, τ = 1e-9', () => {
    const adam = new FedOpt('adam', base);
    expect([adam.serverLearningRate, adam.beta1, adam.beta2, adam.tau]).toEqual([0.1, 0.9, 0.99, 1e-9]);
    expect(new FedOpt('adagrad', base).beta1).toBe(0);
  });

  it('exports and imports its moments, so a resumed server continues the same trajectory', async () => {
    const first = new FedOpt('adam', { ...base, tau: 0.5 });
    const [, second] = await twoRounds(first, [1, -2]);
    const copy = new FedOpt('adam', { ...base, tau: 0.5 });
    const fresh = new FedOpt('adam', { ...base, tau: 0.5 });
    await twoRounds(fresh, [1, -2]);
    copy.importState(fresh.exportState());
    const next = async (strategy: FedOpt) =>
      [...(await strategy.aggregateFit({ round: 3, globalWeights: new Float32Array(second as number[]), results: [{ clientId: 'c', weights: new Float32Array([1, -2]), numExamples: 3, metrics: { trainLoss: 1 } }], failures: [] })).weights];
    expect(await next(copy)).toEqual(await next(first));
  });

  it('refuses bad hyperparameters', () => {
    expect(() => new FedOpt('adam', { ...base, beta2: 1 })).toThrow(/beta2/);
    expect(() => new FedOpt('yogi', { ...base, tau: 0 })).toThrow(/tau/);
    expect(() => new FedOpt('adam', { ...base, serverLearningRate: -1 })).toThrow(/serverLearningRate/);
  });
});

describe('FedAvgM (Hsu et al. 2019)', () => {
  it('v = β·v + Δ, x += η·v: with η = 1, β = 0.9 the second step carries momentum', async () => {
    // Round 1: Δ = 1 → v = 1, x = 1. Round 2: Δ = 1 − 1 = 0 → v = 0.9, x = 1.9.
    expectClose(await twoRounds(new FedAvgM({ ...base, serverLearningRate: 1, serverMomentum: 0.9 }), [1, -2]), [[1, -2], [1.9, -3.8]]);
  });

  it('with β = 0 and η = 1 equals FedAvg', async () => {
    expect(await twoRounds(new FedAvgM({ ...base, serverLearningRate: 1, serverMomentum: 0 }), [0.5, 3])).toEqual(await twoRounds(new FedAvg(base), [0.5, 3]));
  });
});

describe('strategy specs', () => {
  it('parses the adaptive names with an optional server learning rate', () => {
    expect(parseStrategySpec('fedadam')).toEqual({ kind: 'fedadam' });
    expect(parseStrategySpec('FedYogi:0.01')).toEqual({ kind: 'fedyogi', serverLearningRate: 0.01 });
    expect(createStrategy(parseStrategySpec('fedavgm:0.5'), base).name).toBe('FedAvgM(lr=0.5,momentum=0.9)');
    expect(() => parseStrategySpec('fedadam:-1')).toThrow(/ETA/);
  });
});
