import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';
import { DP_CLIPPING_NORM_KEY, DpFedAvg, clipUpdate, l2Norm, poissonSample } from '../../../src/fl/dp/index.js';
import { runFederation } from '../../../src/fl/server.js';
import { FedAvg, FedProx } from '../../../src/fl/strategies/index.js';
import type { AggregateFitContext, FitOutcome, Strategy } from '../../../src/fl/strategy.js';
import { quadraticClient } from '../quadratic-clients.js';

const local = { localEpochs: 1, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.1 } } as const;
const clients5 = Array.from({ length: 5 }, (_, i) => ({ id: `c${i}`, numExamples: 20 }));

function targets(count: number, length: number, seed: number): Float32Array[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length }, () => 4 * rng.uniform() - 2));
}

/** configureFit then aggregateFit for one round with the given client weights (in client order). */
async function oneRound(strategy: Strategy, global: Float32Array, clients: { id: string; numExamples: number }[], weightsOf: (id: string) => Float32Array, rng = new SeededRandom(1)) {
  const instructions = await strategy.configureFit({ round: 1, globalWeights: global, clients, rng });
  const results: FitOutcome[] = instructions.map((instruction) => ({ clientId: instruction.clientId, weights: weightsOf(instruction.clientId), numExamples: 20, metrics: { trainLoss: 1 } }));
  const aggregate = await strategy.aggregateFit({ round: 1, globalWeights: global, results, failures: [] });
  return { instructions, aggregate };
}

describe('DpFedAvg wraps FedAvg', () => {
  it('with noise multiplier 0, a huge clipping norm and every client sampled it is FedAvg, bit for bit, over a whole run', async () => {
    const goals = targets(5, 12, 7);
    const run = (strategy: Strategy) =>
      runFederation({
        strategy,
        clients: goals.map((target, i) => quadraticClient({ id: `c${i}`, target, numExamples: 30 })),
        rounds: 6,
        initialWeights: new Float32Array(12),
        rng: new SeededRandom(99),
      });
    const plain = await run(new FedAvg(local));
    const wrapped = await run(new DpFedAvg(new FedAvg(local), { noiseMultiplier: 0, clippingNorm: 1e9, rng: new SeededRandom(5) }));
    expect(Array.from(wrapped.weights)).toEqual(Array.from(plain.weights));
    wrapped.rounds.forEach((round, i) => expect(round.participants).toEqual(plain.rounds[i]?.participants));
  });

  it('is the same release for any equal-count outcomes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }).chain((length) =>
          fc.array(fc.float32Array({ minLength: length, maxLength: length, noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }), { minLength: 1, maxLength: 6 }),
        ),
        async (vectors) => {
          const clients = vectors.map((_, i) => ({ id: `c${i}`, numExamples: 7 }));
          const global = new Float32Array(vectors[0]!.length);
          const weightsOf = (id: string) => vectors[Number(id.slice(1))]!;
          const fedavg = await oneRound(new FedAvg(local), global, clients, weightsOf);
          const dp = await oneRound(new DpFedAvg(new FedAvg(local), { noiseMultiplier: 0, clippingNorm: 1e30 }), global, clients, weightsOf);
          return dp.aggregate.weights.every((x, i) => Object.is(x, fedavg.aggregate.weights[i]));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('also wraps FedProx (its μ reaches the clients, the clipping norm is added to every fit config)', async () => {
    const strategy = new DpFedAvg(new FedProx({ ...local, proximalMu: 0.01 }), { noiseMultiplier: 1, clippingNorm: 0.5, rng: new SeededRandom(3) });
    const { instructions } = await oneRound(strategy, new Float32Array(3), clients5, () => new Float32Array(3));
    expect(instructions).toHaveLength(5);
    for (const instruction of instructions) {
      expect(instruction.config.proximalMu).toBe(0.01);
      expect(instruction.config.extra?.[DP_CLIPPING_NORM_KEY]).toBe(0.5);
    }
    expect(strategy.name).toMatch(/^DP-FedAvg\(FedProx\(mu=0\.01\), z=1, C=0\.5, q=1\)$/);
  });
});

describe('clipping bounds each client’s influence', () => {
  it('clipUpdate scales Δ to norm C and leaves small updates untouched (same array)', () => {
    const global = Float32Array.of(1, 1, 1);
    const small = Float32Array.of(1.1, 1, 1);
    expect(clipUpdate(small, global, 1).weights).toBe(small);
    const big = Float32Array.of(4, 5, 1); // Δ = (3, 4, 0), ‖Δ‖ = 5
    const clipped = clipUpdate(big, global, 2);
    expect(clipped.norm).toBeCloseTo(5, 12);
    expect(clipped.unclipped).toBe(false);
    expect(Array.from(clipped.weights)).toEqual([1 + 1.2, 1 + 1.6, 1].map(Math.fround));
  });

  it('adding or removing one client moves the (noise-free) release by at most C/m, whatever it sends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.float32Array({ minLength: 6, maxLength: 6, noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 2, maxLength: 8 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        async (vectors, clippingNorm) => {
          const global = Float32Array.of(0.5, -0.5, 1, 2, 0, 0);
          const all = vectors.map((_, i) => ({ id: `c${i}`, numExamples: 1 }));
          const weightsOf = (id: string) => vectors[Number(id.slice(1))]!;
          // The same population (same m = K) with and without the last client's data.
          const strategy = () => new DpFedAvg(new FedAvg(local), { noiseMultiplier: 0, clippingNorm });
          const full = await oneRound(strategy(), global, all, weightsOf);
          const s = strategy();
          await s.configureFit({ round: 1, globalWeights: global, clients: all, rng: new SeededRandom(1) });
          const neighbour = await s.aggregateFit({
            round: 1,
            globalWeights: global,
            results: all.slice(0, -1).map((c) => ({ clientId: c.id, weights: weightsOf(c.id), numExamples: 1, metrics: { trainLoss: 0 } })),
            failures: [{ clientId: all[all.length - 1]!.id, error: new Error('left') }],
          });
          const diff = Float64Array.from(full.aggregate.weights, (x, i) => x - neighbour.weights[i]!);
          const m = all.length;
          // float32 rounding of the released weights adds at most an ulp per coordinate.
          const slack = 4 * 2 ** -24 * (l2Norm(full.aggregate.weights) + l2Norm(neighbour.weights)) + 1e-12;
          return l2Norm(diff) <= clippingNorm / m + slack;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('enforces the bound server-side when a client did not clip', async () => {
    const strategy = new DpFedAvg(new FedAvg(local), { noiseMultiplier: 0, clippingNorm: 1 });
    const global = new Float32Array(2);
    const { aggregate } = await oneRound(strategy, global, clients5.slice(0, 2), (id) => (id === 'c0' ? Float32Array.of(300, 400) : Float32Array.of(0.6, 0)));
    // c0's update (300, 400) enters as (0.6, 0.8); mean with (0.6, 0) over m = 2.
    expect(aggregate.weights[0]).toBeCloseTo(0.6, 6);
    expect(aggregate.weights[1]).toBeCloseTo(0.4, 6);
    expect(aggregate.metrics.dpServerClipped).toBe(1);
    expect(strategy.rounds[0]).toMatchObject({ serverClipped: 1, receivedUpdates: 2, expectedClients: 2, clippingNorm: 1, noiseStd: 0 });
  });
});

describe('noise and the fixed denominator', () => {
  it('adds N(0, (zC/m)²) per coordinate to the mean update (seeded; 5-sigma bounds, false alarm < 1e-6)', async () => {
    const length = 20_000;
    const noiseMultiplier = 1.3;
    const clippingNorm = 0.7;
    const strategy = new DpFedAvg(new FedAvg(local), { noiseMultiplier, clippingNorm, rng: new SeededRandom(2024) });
    const global = new Float32Array(length).fill(3);
    const { aggregate } = await oneRound(strategy, global, clients5, () => global.slice());
    const expectedStd = (noiseMultiplier * clippingNorm) / 5;
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < length; i++) {
      const x = aggregate.weights[i]! - 3;
      sum += x;
      sumSquares += x * x;
    }
    const mean = sum / length;
    const std = Math.sqrt(sumSquares / length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan((5 * expectedStd) / Math.sqrt(length));
    // The sample standard deviation has relative standard error ≈ 1/√(2n) = 0.5 %.
    expect(Math.abs(std / expectedStd - 1)).toBeLessThan(5 / Math.sqrt(2 * length));
    expect(aggregate.metrics.dpNoiseStd).toBeCloseTo(noiseMultiplier * clippingNorm, 12);
  });

  it('divides by the expected number of clients q·K, not the number that came', async () => {
    const clients = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, numExamples: 5 }));
    const strategy = new DpFedAvg(new FedAvg(local), { noiseMultiplier: 0, clippingNorm: 10, sampleRate: 0.5, rng: new SeededRandom(8) });
    const global = new Float32Array(1);
    const { instructions, aggregate } = await oneRound(strategy, global, clients, () => Float32Array.of(1));
    const sampled = instructions.length;
    expect(sampled).toBeGreaterThan(0);
    expect(aggregate.weights[0]).toBeCloseTo(sampled / 5, 6); // Σ Δ_k / (q·K) with Δ_k = 1
  });

  it('Poisson sampling takes each client with probability q (seeded; binomial 5-sigma bounds)', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => i);
    const rate = 0.03;
    const chosen = poissonSample(items, rate, new SeededRandom(11));
    const expected = rate * items.length;
    expect(Math.abs(chosen.length - expected)).toBeLessThan(5 * Math.sqrt(expected * (1 - rate)));
    expect(poissonSample(items, 1, undefined)).toEqual(items);
  });

  it('an empty sample chooses no client and releases noise only (z = 0: the weights stay)', async () => {
    // q = 0.001 with 3 clients: the seeded draw gives an empty sample.
    const clients = clients5.slice(0, 3);
    const strategy = new DpFedAvg(new FedAvg(local), { noiseMultiplier: 0, clippingNorm: 1, sampleRate: 0.001, rng: new SeededRandom(4) });
    expect(strategy.allowsEmptyRounds).toBe(true);
    const global = Float32Array.of(1, 2);
    const instructions = await strategy.configureFit({ round: 1, globalWeights: global, clients, rng: new SeededRandom(1) });
    expect(instructions).toEqual([]);
    const aggregate = await strategy.aggregateFit({ round: 1, globalWeights: global, results: [], failures: [] });
    expect(Array.from(aggregate.weights)).toEqual([1, 2]);
    expect(strategy.rounds[0]).toMatchObject({ sampledClients: 0, receivedUpdates: 0 });
  });

  it('in the round loop, empty Poisson rounds train nobody and add N(0, z²C²)/m to the zero sum (McMahan et al. 2018, Alg. 1)', async () => {
    // K = 4 clients, q = 0.05: most rounds are empty, (1 − q)^4 ≈ 0.81.
    const goals = targets(4, 3, 2);
    const clients = goals.map((target, i) => quadraticClient({ id: `c${i}`, target, numExamples: 10 }));
    const noiseMultiplier = 2;
    const clippingNorm = 0.5;
    const strategy = new DpFedAvg(new FedAvg(local), { noiseMultiplier, clippingNorm, sampleRate: 0.05, rng: new SeededRandom(8) });
    const steps: Float32Array[] = [];
    let previous: Float32Array = new Float32Array(3);
    const result = await runFederation({
      strategy,
      clients,
      rounds: 40,
      initialWeights: previous,
      rng: new SeededRandom(1),
      evaluateGlobal: async (weights) => {
        steps.push(weights.map((w, i) => w - previous[i]!));
        previous = weights;
        return { accuracy: 0, loss: 0, perClassRecall: [], examples: 1 };
      },
    });
    const empty = result.rounds.filter((round) => round.participants.length === 0);
    expect(empty.length).toBeGreaterThan(20);
    // Nobody was asked to train in an empty round.
    const trainedRounds = new Set(clients.flatMap((client) => client.calls.map((call) => call.round)));
    for (const round of empty) expect(trainedRounds.has(round.round)).toBe(false);
    expect(strategy.rounds.filter((record) => record.sampledClients === 0).map((record) => record.round)).toEqual(empty.map((round) => round.round));
    // Each empty round moved the weights by pure noise of std z·C/m per coordinate (m = qK = 0.2): std 5.
    const noise = empty.flatMap((round) => Array.from(steps[round.round]!));
    const std = Math.sqrt(noise.reduce((sum, x) => sum + x * x, 0) / noise.length);
    expect(noise.every((x) => x !== 0)).toBe(true);
    expect(std).toBeGreaterThan(3);
    expect(std).toBeLessThan(7.5);
  });
});

describe('what DpFedAvg refuses', () => {
  it('an inner strategy that trains only some of the sampled clients', async () => {
    const strategy = new DpFedAvg(new FedAvg({ ...local, fraction: 0.4 }), { noiseMultiplier: 1, clippingNorm: 1, rng: new SeededRandom(1) });
    await expect(strategy.configureFit({ round: 1, globalWeights: new Float32Array(1), clients: clients5, rng: new SeededRandom(1) })).rejects.toThrow(/fraction 1/);
  });

  it('an inner strategy that does not aggregate by the mean', async () => {
    const fedavg = new FedAvg(local);
    const firstOnly: Strategy = {
      name: 'FirstOnly',
      configureFit: (context) => fedavg.configureFit(context),
      aggregateFit: (context: AggregateFitContext) => ({ weights: context.results[0]!.weights, metrics: {} }),
    };
    const strategy = new DpFedAvg(firstOnly, { noiseMultiplier: 0, clippingNorm: 10 });
    const run = oneRound(strategy, new Float32Array(1), clients5.slice(0, 2), (id) => Float32Array.of(id === 'c0' ? 1 : 3));
    await expect(run).rejects.toThrow(CohortError);
    await expect(oneRound(new DpFedAvg(firstOnly, { noiseMultiplier: 0, clippingNorm: 10 }), new Float32Array(1), clients5.slice(0, 2), (id) => Float32Array.of(id === 'c0' ? 1 : 3))).rejects.toThrow(
      /FirstOnly does not aggregate by the mean/,
    );
  });

  it('bad options, naming the argument', () => {
    const inner = new FedAvg(local);
    expect(() => new DpFedAvg(inner, { noiseMultiplier: 1, clippingNorm: 0 })).toThrow(/clippingNorm must be a finite number > 0 \(got 0\)/);
    expect(() => new DpFedAvg(inner, { noiseMultiplier: -1, clippingNorm: 1 })).toThrow(/noiseMultiplier must be a finite number ≥ 0 \(got -1\)/);
    expect(() => new DpFedAvg(inner, { noiseMultiplier: 1, clippingNorm: 1, sampleRate: 0 })).toThrow(/sampleRate must be in \(0, 1\] \(got 0\)/);
  });

  it('a seeded random source outside tests', async () => {
    const previous = { vitest: process.env.VITEST, nodeEnv: process.env.NODE_ENV };
    delete process.env.VITEST;
    delete process.env.NODE_ENV;
    try {
      const strategy = new DpFedAvg(new FedAvg(local), { noiseMultiplier: 1, clippingNorm: 1, rng: new SeededRandom(1) });
      await expect(oneRound(strategy, new Float32Array(2), clients5, () => new Float32Array(2))).rejects.toThrow(/cryptographically secure/);
    } finally {
      // Assigning undefined would store the string "undefined".
      if (previous.vitest !== undefined) process.env.VITEST = previous.vitest;
      if (previous.nodeEnv !== undefined) process.env.NODE_ENV = previous.nodeEnv;
    }
  });
});
