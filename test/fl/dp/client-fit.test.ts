import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/data/dataset.js';
import {
  DP_CLIPPING_NORM_KEY,
  DP_UNCLIPPED_METRIC,
  LOCAL_DP_CLIPPING_NORM_KEY,
  LOCAL_DP_NOISE_MULTIPLIER_KEY,
  LOCAL_DP_SAMPLE_RATE_KEY,
  LOCAL_DP_STEPS_KEY,
  LocalDp,
  fitWithPrivacy,
  updateNorm,
} from '../../../src/fl/dp/index.js';
import { fitLocally } from '../../../src/fl/client.js';
import { FedAvg } from '../../../src/fl/strategies/index.js';
import type { FitConfig } from '../../../src/fl/types.js';
import { SeededRandom } from '../../../src/crypto/random.js';
import { createModel, type TfModel } from '../../../src/ml/index.js';
import { blobs } from '../../ml/helpers.js';

let model: TfModel;
const data: Dataset = blobs(64, 4, 3, 5);
const config: FitConfig = { round: 1, localEpochs: 1, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.5 }, seed: 9 };

beforeAll(async () => {
  model = await createModel({ kind: 'logreg' }, { numFeatures: 4, numClasses: 2 }, { seed: 3 });
});
afterAll(() => model.dispose());

describe('fitWithPrivacy (the client side)', () => {
  it('without DP settings is fitLocally', async () => {
    const start = model.getWeights();
    const plain = await fitLocally(model, data, start, config);
    const wrapped = await fitWithPrivacy(model, data, start, config);
    expect(Array.from(wrapped.weights)).toEqual(Array.from(plain.weights));
  });

  it('clips its update to dp.clippingNorm and reports whether it had to', async () => {
    const start = model.getWeights();
    const free = await fitWithPrivacy(model, data, start, config);
    const norm = updateNorm(free.weights, start);
    expect(norm).toBeGreaterThan(0.05);
    const clipped = await fitWithPrivacy(model, data, start, { ...config, extra: { [DP_CLIPPING_NORM_KEY]: norm / 4 } });
    expect(updateNorm(clipped.weights, start)).toBeCloseTo(norm / 4, 5);
    expect(clipped.metrics[DP_UNCLIPPED_METRIC]).toBe(0);
    const loose = await fitWithPrivacy(model, data, start, { ...config, extra: { [DP_CLIPPING_NORM_KEY]: norm * 4 } });
    expect(Array.from(loose.weights)).toEqual(Array.from(free.weights));
    expect(loose.metrics[DP_UNCLIPPED_METRIC]).toBe(1);
  });

  it('local DP settings run exactly the accounted number of DP-SGD steps and report no training loss', async () => {
    const start = model.getWeights();
    const extra = { [LOCAL_DP_NOISE_MULTIPLIER_KEY]: 1.2, [LOCAL_DP_CLIPPING_NORM_KEY]: 1, [LOCAL_DP_SAMPLE_RATE_KEY]: 0.25, [LOCAL_DP_STEPS_KEY]: 7 };
    const reply = await fitWithPrivacy(model, data, start, { ...config, extra });
    expect(reply.metrics.steps).toBe(7);
    expect(reply.metrics.trainLoss).toBeNaN();
    expect(reply.numExamples).toBe(64);
    expect(updateNorm(reply.weights, start)).toBeGreaterThan(0);
    // Without noise a step moves the weights by lr·‖Σ_batch clip(g_i)‖/(q·n) ≤ lr·C·|B|/(q·n), |B| ≤ n = 64, q·n = 16:
    // with C = 0.001 seven steps stay within 7·0.5·0.001·4 = 0.014 (unclipped they move about 1).
    const noiseless = await fitWithPrivacy(model, data, start, { ...config, extra: { ...extra, [LOCAL_DP_NOISE_MULTIPLIER_KEY]: 0, [LOCAL_DP_CLIPPING_NORM_KEY]: 0.001 } });
    const moved = updateNorm(noiseless.weights, start);
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThanOrEqual(7 * 0.5 * 0.001 * (64 / 16) * (1 + 1e-5));
  });

  it('refuses malformed local DP settings', async () => {
    const start = model.getWeights();
    const extra = { [LOCAL_DP_NOISE_MULTIPLIER_KEY]: 1, [LOCAL_DP_CLIPPING_NORM_KEY]: 1, [LOCAL_DP_SAMPLE_RATE_KEY]: 1.5, [LOCAL_DP_STEPS_KEY]: 2 };
    await expect(fitWithPrivacy(model, data, start, { ...config, extra })).rejects.toThrow(/fit config dp\.local\.sampleRate must be in \(0, 1\] \(got 1\.5\)/);
  });
});

describe('LocalDp strategy wrapper', () => {
  it('adds each chosen client’s DP-SGD settings and leaves aggregation to the inner strategy', async () => {
    const clients = [
      { id: 'a', numExamples: 10 },
      { id: 'b', numExamples: 40 },
    ];
    const strategy = new LocalDp(new FedAvg({ localEpochs: 1, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.1 } }), ({ id }) => ({
      noiseMultiplier: id === 'a' ? 2 : 1,
      clippingNorm: 0.5,
      sampleRate: id === 'a' ? 0.8 : 0.2,
      steps: id === 'a' ? 1 : 5,
    }));
    const instructions = await strategy.configureFit({ round: 1, globalWeights: new Float32Array(2), clients, rng: new SeededRandom(1) });
    expect(instructions.map((i) => i.config.extra)).toEqual([
      { [LOCAL_DP_NOISE_MULTIPLIER_KEY]: 2, [LOCAL_DP_CLIPPING_NORM_KEY]: 0.5, [LOCAL_DP_SAMPLE_RATE_KEY]: 0.8, [LOCAL_DP_STEPS_KEY]: 1 },
      { [LOCAL_DP_NOISE_MULTIPLIER_KEY]: 1, [LOCAL_DP_CLIPPING_NORM_KEY]: 0.5, [LOCAL_DP_SAMPLE_RATE_KEY]: 0.2, [LOCAL_DP_STEPS_KEY]: 5 },
    ]);
    const aggregate = await strategy.aggregateFit({
      round: 1,
      globalWeights: new Float32Array(1),
      results: [
        { clientId: 'a', weights: Float32Array.of(1), numExamples: 10, metrics: { trainLoss: Number.NaN } },
        { clientId: 'b', weights: Float32Array.of(6), numExamples: 40, metrics: { trainLoss: Number.NaN } },
      ],
      failures: [],
    });
    expect(aggregate.weights[0]).toBeCloseTo(5, 6);
  });

  it('leaves out a client without settings (it cannot be protected), and refuses a round with nobody left', async () => {
    const settings = { noiseMultiplier: 1, clippingNorm: 1, sampleRate: 0.5, steps: 2 };
    const fedavg = new FedAvg({ localEpochs: 1, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.1 } });
    const strategy = new LocalDp(fedavg, ({ numExamples }) => ((numExamples ?? 0) >= 20 ? settings : undefined));
    const context = { round: 1, globalWeights: new Float32Array(2), rng: new SeededRandom(1) };
    const instructions = await strategy.configureFit({ ...context, clients: [{ id: 'small', numExamples: 3 }, { id: 'big', numExamples: 50 }] });
    expect(instructions.map((i) => i.clientId)).toEqual(['big']);
    await expect(strategy.configureFit({ ...context, clients: [{ id: 'small', numExamples: 3 }] })).rejects.toMatchObject({ code: 'ROUND_INCOMPLETE' });
  });
});
