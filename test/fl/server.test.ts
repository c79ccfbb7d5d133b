import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/crypto/random.js';
import { CohortError } from '../../src/errors.js';
import { runFederation, type RoundResult } from '../../src/fl/server.js';
import { FedAvg, FedProx } from '../../src/fl/strategies/index.js';
import type { Strategy } from '../../src/fl/strategy.js';
import type { Metrics } from '../../src/ml/model.js';
import { quadraticClient } from './quadratic-clients.js';

const optimizer = { kind: 'sgd', learningRate: 0.1 } as const;
const targets = [Float32Array.of(1, -2), Float32Array.of(3, 0), Float32Array.of(-1, 4), Float32Array.of(2, 2)];
const sizes = [10, 30, 20, 40];
const makeClients = (failOnRound?: number) =>
  targets.map((target, k) =>
    quadraticClient({ id: `c${k}`, target, numExamples: sizes[k]!, stepsPerEpoch: 1, ...(k === 1 && failOnRound !== undefined ? { failOnRound } : {}) }),
  );
const evaluateDistance = (centre: Float32Array) => async (weights: Float32Array): Promise<Metrics> => {
  const loss = Math.hypot(weights[0]! - centre[0]!, weights[1]! - centre[1]!);
  return { accuracy: 1 / (1 + loss), loss, perClassRecall: [], examples: 1 };
};

// Weighted mean of the targets: (10·t0 + 30·t1 + 20·t2 + 40·t3) / 100 = (1.6, 1.4).
const centre = Float32Array.of(1.6, 1.4);

describe('runFederation with FedAvg', () => {
  it('follows the closed form w_R = t̄ + (1 − η)^{E·R}(w_0 − t̄) on quadratic clients', async () => {
    // One gradient step on ½‖w − t_k‖² maps w to t_k + (1 − η)(w − t_k); averaging with weights
    // n_k/n gives t̄ + (1 − η)(w − t̄), so R rounds of E steps contract by (1 − η)^{E·R}.
    const rounds = 6;
    const localEpochs = 2;
    const result = await runFederation({
      strategy: new FedAvg({ localEpochs, batchSize: 1, optimizer }),
      clients: makeClients(),
      rounds,
      initialWeights: Float32Array.of(0, 0),
      rng: new SeededRandom(1),
    });
    const contraction = 0.9 ** (localEpochs * rounds);
    expect(result.weights[0]).toBeCloseTo(1.6 + contraction * (0 - 1.6), 5);
    expect(result.weights[1]).toBeCloseTo(1.4 + contraction * (0 - 1.4), 5);
  });

  it('reports every round: participants, examples, train loss, test metrics; evaluates round 0 first', async () => {
    const seen: RoundResult[] = [];
    const evaluated: number[] = [];
    const evaluate = evaluateDistance(centre);
    const result = await runFederation({
      strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer }),
      clients: makeClients(),
      rounds: 3,
      initialWeights: Float32Array.of(0, 0),
      evaluateGlobal: (w, round) => {
        evaluated.push(round);
        return evaluate(w);
      },
      onRound: (r) => {
        seen.push(r);
      },
      rng: new SeededRandom(2),
    });
    expect(evaluated).toEqual([0, 1, 2, 3]);
    expect(result.initial?.loss).toBeCloseTo(Math.hypot(1.6, 1.4), 6);
    expect(seen.map((r) => r.round)).toEqual([1, 2, 3]);
    expect(result.rounds).toEqual(seen);
    for (const round of seen) {
      expect(round.participants).toEqual(['c0', 'c1', 'c2', 'c3']);
      expect(round.numExamples).toBe(100);
      expect(round.failures).toEqual([]);
      expect(round.durationMs).toBeGreaterThanOrEqual(0);
      expect(round.aggregateMetrics.clients).toBe(4);
    }
    // Loss to the optimum falls every round.
    expect(seen[2]!.loss!).toBeLessThan(seen[1]!.loss!);
    expect(seen[1]!.loss!).toBeLessThan(seen[0]!.loss!);
  });

  it('samples ⌈fraction·K⌉ clients per round, reproducibly from the seed', async () => {
    const run = async (seed: number) =>
      (
        await runFederation({
          strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer, fraction: 0.5 }),
          clients: makeClients(),
          rounds: 8,
          initialWeights: Float32Array.of(0, 0),
          rng: new SeededRandom(seed),
        })
      ).rounds.map((r) => r.participants);
    const a = await run(10);
    expect(a.every((p) => p.length === 2)).toBe(true);
    expect(new Set(a.map((p) => p.join())).size).toBeGreaterThan(1);
    expect(await run(10)).toEqual(a);
    expect(await run(11)).not.toEqual(a);
  });

  it('carries on without a client that fails, and records the failure', async () => {
    const result = await runFederation({
      strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer }),
      clients: makeClients(2),
      rounds: 3,
      initialWeights: Float32Array.of(0, 0),
      rng: new SeededRandom(3),
    });
    expect(result.rounds[1]!.participants).toEqual(['c0', 'c2', 'c3']);
    expect(result.rounds[1]!.numExamples).toBe(70);
    expect(result.rounds[1]!.failures).toEqual([{ clientId: 'c1', message: 'c1 dropped out' }]);
    expect(result.rounds[2]!.failures).toEqual([]);
  });

  it('never modifies the weights it sends', async () => {
    const initial = Float32Array.of(0.5, -0.5);
    await runFederation({ strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer }), clients: makeClients(), rounds: 2, initialWeights: initial, rng: new SeededRandom(4) });
    expect(Array.from(initial)).toEqual([0.5, -0.5]);
  });

  it('runs federated evaluation on the clients when the strategy asks for it', async () => {
    const result = await runFederation({
      strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer, fractionEvaluate: 1 }),
      clients: makeClients(),
      rounds: 1,
      initialWeights: Float32Array.of(0, 0),
      rng: new SeededRandom(5),
    });
    const evaluation = result.rounds[0]!.federatedEvaluation;
    expect(evaluation?.examples).toBe(100);
    expect(evaluation?.loss).toBeGreaterThan(0);
  });

  it('stops between rounds when aborted', async () => {
    const controller = new AbortController();
    const run = runFederation({
      strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer }),
      clients: makeClients(),
      rounds: 50,
      initialWeights: Float32Array.of(0, 0),
      rng: new SeededRandom(6),
      onRound: (r) => {
        if (r.round === 2) controller.abort();
      },
      signal: controller.signal,
    });
    await expect(run).rejects.toThrow(/aborted/i);
  });

  it('asks a ClientManager each round who is available (clients that come and go)', async () => {
    const all = makeClients();
    const asked: number[] = [];
    const manager = {
      available: async (round: number) => {
        asked.push(round);
        return round % 2 === 1 ? all.slice(0, 2) : all.slice(2);
      },
    };
    const result = await runFederation({ strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer }), clients: manager, rounds: 3, initialWeights: Float32Array.of(0, 0), rng: new SeededRandom(7) });
    expect(asked).toEqual([1, 2, 3]);
    expect(result.rounds.map((r) => r.participants)).toEqual([['c0', 'c1'], ['c2', 'c3'], ['c0', 'c1']]);
    const empty = { available: () => [] };
    await expect(runFederation({ strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer }), clients: empty, rounds: 1, initialWeights: Float32Array.of(0, 0) })).rejects.toThrow(
      /available clients must be at least 1 \(got 0\)/,
    );
  });

  it('rejects bad options and a strategy that picks an unknown client', async () => {
    const base = { strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer }), clients: makeClients(), rounds: 1, initialWeights: Float32Array.of(0, 0) };
    await expect(runFederation({ ...base, rounds: 0 })).rejects.toThrow(/rounds must be an integer ≥ 1 \(got 0\)/);
    await expect(runFederation({ ...base, clients: [] })).rejects.toThrow(/clients.length must be at least 1/);
    const twins = [makeClients()[0]!, makeClients()[0]!];
    await expect(runFederation({ ...base, clients: twins })).rejects.toThrow(/client id must be unique \(got "c0"\)/);
    const rogue: Strategy = {
      name: 'rogue',
      configureFit: ({ globalWeights }) => [{ clientId: 'nobody', weights: globalWeights, config: { round: 1, localEpochs: 1, batchSize: 1, optimizer, seed: 0 } }],
      aggregateFit: ({ globalWeights }) => ({ weights: globalWeights, metrics: {} }),
    };
    await expect(runFederation({ ...base, strategy: rogue })).rejects.toThrow(CohortError);
    await expect(runFederation({ ...base, strategy: rogue })).rejects.toThrow(/unknown client "nobody"/);
  });

  it('refuses an empty round from a strategy that does not allow one, naming the strategy', async () => {
    const nobody: Strategy = { name: 'Nobody', configureFit: () => [], aggregateFit: ({ globalWeights }) => ({ weights: globalWeights, metrics: {} }) };
    await expect(runFederation({ strategy: nobody, clients: makeClients(), rounds: 1, initialWeights: Float32Array.of(0, 0) })).rejects.toThrow(
      /^round 1: strategy Nobody chose no clients \(only a strategy that allows empty rounds/,
    );
  });

  it('runs an empty round of a strategy that allows one: nobody trains, aggregateFit still runs with no results', async () => {
    const calls: { round: number; results: number; failures: number }[] = [];
    const clients = makeClients();
    const fedavg = new FedAvg({ localEpochs: 1, batchSize: 1, optimizer });
    // Trains everyone in odd rounds, nobody in even ones; each aggregation adds 1 to every weight.
    const alternate: Strategy = {
      name: 'Alternate',
      allowsEmptyRounds: true,
      configureFit: (context) => (context.round % 2 === 0 ? [] : fedavg.configureFit(context)),
      aggregateFit: ({ round, globalWeights, results, failures }) => {
        calls.push({ round, results: results.length, failures: failures.length });
        return { weights: globalWeights.map((x) => x + 1), metrics: {} };
      },
    };
    const result = await runFederation({ strategy: alternate, clients, rounds: 4, initialWeights: Float32Array.of(0, 0), rng: new SeededRandom(1) });
    expect(calls).toEqual([
      { round: 1, results: 4, failures: 0 },
      { round: 2, results: 0, failures: 0 },
      { round: 3, results: 4, failures: 0 },
      { round: 4, results: 0, failures: 0 },
    ]);
    expect(clients.map((client) => client.calls.map((call) => call.round))).toEqual(clients.map(() => [1, 3]));
    expect(result.rounds.map((round) => round.participants.length)).toEqual([4, 0, 4, 0]);
    expect(result.rounds[1]).toMatchObject({ numExamples: 0, failures: [] });
    expect(result.rounds[1]!.trainLoss).toBeNaN();
    expect(Array.from(result.weights)).toEqual([4, 4]);
  });
});

describe('FedProx in the round loop', () => {
  const run = (strategy: Strategy, seed = 9) =>
    runFederation({ strategy, clients: makeClients(), rounds: 5, initialWeights: Float32Array.of(0, 0), rng: new SeededRandom(seed) });

  it('with μ = 0 gives exactly the FedAvg run (same sampling, same weights)', async () => {
    const options = { localEpochs: 2, batchSize: 1, optimizer, fraction: 0.5 };
    const fedavg = await run(new FedAvg(options));
    const fedprox = await run(new FedProx({ ...options, proximalMu: 0 }));
    expect(fedprox.rounds.map((r) => r.participants)).toEqual(fedavg.rounds.map((r) => r.participants));
    expect(Array.from(fedprox.weights)).toEqual(Array.from(fedavg.weights));
  });

  it('with μ > 0 keeps each local model nearer the global one (Li et al. 2020, Eq. 2)', async () => {
    // One long local run from w_g = 0: plain training ends at t_k; with the proximal term the
    // local optimum is (t_k + μ·w_g)/(1 + μ) = t_k/(1 + μ).
    const mu = 1;
    const client = quadraticClient({ id: 'solo', target: Float32Array.of(4, -2), numExamples: 1, stepsPerEpoch: 400 });
    const config = { round: 1, localEpochs: 1, batchSize: 1, optimizer, seed: 0 };
    const plain = await client.fit(Float32Array.of(0, 0), config);
    const proximal = await client.fit(Float32Array.of(0, 0), { ...config, proximalMu: mu });
    expect(plain.weights[0]).toBeCloseTo(4, 4);
    expect(proximal.weights[0]).toBeCloseTo(2, 4);
    expect(proximal.weights[1]).toBeCloseTo(-1, 4);
  });
});
