import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import {
  AdaptiveClipping,
  DpFedAvg,
  combinedNoiseMultiplier,
  defaultCountNoiseStd,
  updateNoiseMultiplier,
} from '../../../src/fl/dp/index.js';
import { FedAvg } from '../../../src/fl/strategies/index.js';
import type { FitOutcome } from '../../../src/fl/strategy.js';

const local = { localEpochs: 1, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.1 } } as const;

/** Runs `rounds` steps of adaptive clipping on m synthetic update norms per round drawn by `norm`. */
function track(options: { quantile: number; rounds: number; clients: number; norm: (rng: SeededRandom) => number; seed: number; start: number }): number {
  const rng = new SeededRandom(options.seed);
  const clipping = new AdaptiveClipping({ initialClippingNorm: options.start, targetQuantile: options.quantile });
  const countNoise = defaultCountNoiseStd(options.clients);
  for (let round = 0; round < options.rounds; round++) {
    let unclipped = 0;
    for (let k = 0; k < options.clients; k++) if (options.norm(rng) <= clipping.clippingNorm) unclipped++;
    clipping.step(unclipped, options.clients, options.clients, countNoise, rng);
  }
  return clipping.clippingNorm;
}

describe('adaptive clipping (Andrew et al. 2021) moves C to the γ-quantile of the update norms', () => {
  // Norms uniform on [0, 10]: the γ-quantile is 10γ. 300 rounds of 100 clients, σ_b = m/20 = 5.
  const uniformNorm = (rng: SeededRandom) => 10 * rng.uniform();

  it.each([
    [0.5, 0.1],
    [0.5, 50],
    [0.8, 1],
    [0.2, 20],
  ])('γ = %s from C₀ = %s (seeded; within 15 % of 10γ)', (quantile, start) => {
    const final = track({ quantile, rounds: 300, clients: 100, norm: uniformNorm, seed: 17, start });
    expect(Math.abs(final / (10 * quantile) - 1)).toBeLessThan(0.15);
  });

  it('the geometric step: C·exp(−η(b̄ − γ)) with b̄ the noised fraction, clamped to [0, 1]', () => {
    const clipping = new AdaptiveClipping({ initialClippingNorm: 2 });
    // No count noise: b̄ = 8/10, step = exp(−0.2·(0.8 − 0.5)).
    const step = clipping.step(8, 10, 10, 0, undefined);
    expect(step.noisedUnclippedFraction).toBeCloseTo(0.8, 14);
    expect(step.next).toBeCloseTo(2 * Math.exp(-0.2 * 0.3), 14);
    // The fixed denominator: 3 of 3 received but 10 expected → b̄ = (3 − 1.5)/10 + 0.5 = 0.65.
    expect(new AdaptiveClipping({ initialClippingNorm: 1 }).step(3, 3, 10, 0, undefined).noisedUnclippedFraction).toBeCloseTo(0.65, 14);
    expect(new AdaptiveClipping({ initialClippingNorm: 1 }).step(0, 40, 10, 0, undefined).noisedUnclippedFraction).toBe(0);
  });
});

describe('the noise-multiplier split (Andrew et al. 2021, Theorem 1)', () => {
  it('z_Δ = (z⁻² − (2σ_b)⁻²)^(-1/2): z = 1, σ_b = 5 gives 1/√0.99', () => {
    expect(updateNoiseMultiplier(1, 5)).toBeCloseTo(1 / Math.sqrt(0.99), 14);
    expect(updateNoiseMultiplier(0, 5)).toBe(0);
    expect(defaultCountNoiseStd(100)).toBe(5);
  });

  it('the split composes back to z (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 20, noNaN: true }), fc.double({ min: 1.01, max: 100, noNaN: true }), (z, ratio) => {
        const countStd = (ratio * z) / 2; // 2σ_b > z
        const zDelta = updateNoiseMultiplier(z, countStd);
        return zDelta > z && Math.abs(combinedNoiseMultiplier(zDelta, countStd) / z - 1) < 1e-9;
      }),
    );
  });

  it('is impossible when 2σ_b ≤ z (5 clients: σ_b = 0.25 cannot pay for z = 1)', () => {
    expect(() => updateNoiseMultiplier(1, 0.5)).toThrow(/countNoiseStd 0.5 is too small for adaptive clipping at noiseMultiplier 1/);
    const strategy = new DpFedAvg(new FedAvg(local), { noiseMultiplier: 1, clippingNorm: 1, adaptiveClipping: true });
    expect(() => strategy.prepare(5)).toThrow(/2·countNoiseStd > noiseMultiplier/);
  });

  it('DpFedAvg noises the update with z_Δ·C and moves C between rounds (seeded)', async () => {
    const clients = Array.from({ length: 100 }, (_, i) => ({ id: `c${i}`, numExamples: 3 }));
    const strategy = new DpFedAvg(new FedAvg(local), { noiseMultiplier: 1, clippingNorm: 1, adaptiveClipping: true, rng: new SeededRandom(21) });
    strategy.prepare(100);
    expect(strategy.clipCountNoiseStd).toBe(5);
    expect(strategy.updateNoiseMultiplier).toBeCloseTo(1 / Math.sqrt(0.99), 14);
    const global = new Float32Array(4);
    // Every update has norm 0.1 < C = 1: all unclipped, so C shrinks.
    const instructions = await strategy.configureFit({ round: 1, globalWeights: global, clients, rng: new SeededRandom(2) });
    const results: FitOutcome[] = instructions.map((instruction) => ({ clientId: instruction.clientId, weights: Float32Array.of(0.1, 0, 0, 0), numExamples: 3, metrics: { trainLoss: 0 } }));
    const aggregate = await strategy.aggregateFit({ round: 1, globalWeights: global, results, failures: [] });
    expect(aggregate.metrics.dpNoiseStd).toBeCloseTo(1 / Math.sqrt(0.99), 12);
    expect(strategy.clippingNorm).toBeLessThan(1);
    expect(strategy.rounds[0]?.nextClippingNorm).toBe(strategy.clippingNorm);
    const next = await strategy.configureFit({ round: 2, globalWeights: aggregate.weights, clients, rng: new SeededRandom(3) });
    expect(next[0]?.config.extra?.['dp.clippingNorm']).toBe(strategy.clippingNorm);
  });
});
