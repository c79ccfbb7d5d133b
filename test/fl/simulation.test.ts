import { describe, expect, it } from 'vitest';
import { CohortError } from '../../src/errors.js';
import { runSimulation, type SimulationConfig } from '../../src/fl/simulation/index.js';

// Small and fast: 3 clients on breast cancer (455 training examples), 5 rounds.
const small: Partial<SimulationConfig> = {
  data: 'breast-cancer',
  model: 'logreg',
  clients: 3,
  rounds: 5,
  partition: 'dirichlet:0.5',
  localEpochs: 1,
  batchSize: 16,
  optimizer: 'sgd',
  learningRate: 0.1,
  momentum: 0,
  seed: 7,
  workers: 0,
};

describe('runSimulation (in-process clients)', () => {
  it('learns well above chance and reports every round, the partition and the baseline', async () => {
    const { result, weights } = await runSimulation(small);
    // The majority class is 62.7 % of the data; an untrained model is near chance.
    expect(result.final.accuracy).toBeGreaterThan(0.9);
    expect(result.centralized?.accuracy).toBeGreaterThan(0.9);
    expect(result.rounds.map((r) => r.round)).toEqual([1, 2, 3, 4, 5]);
    for (const round of result.rounds) {
      expect(round.participants).toEqual(['client-0', 'client-1', 'client-2']);
      expect(round.numExamples).toBe(455);
      expect(Number.isFinite(round.loss)).toBe(true);
    }
    expect(result.partition.clients.reduce((n, c) => n + c.examples, 0)).toBe(455);
    expect(result.dataset).toMatchObject({ name: 'breast-cancer', trainExamples: 455, testExamples: 114, testSet: 'split', numClasses: 2 });
    expect(result.model).toEqual({ spec: 'logreg', numParameters: 62 });
    expect(result.centralized?.epochs).toBe(5);
    expect(result.centralized?.rounds).toHaveLength(5);
    expect(weights).toHaveLength(62);
  });

  it('gives the same result for the same seed and a different one for another seed', async () => {
    const strip = (r: Awaited<ReturnType<typeof runSimulation>>) => ({
      rounds: r.result.rounds.map(({ durationMs: _d, ...rest }) => rest),
      weights: Array.from(r.weights),
      partition: r.result.partition,
    });
    const config = { ...small, rounds: 3, centralized: false };
    const a = strip(await runSimulation(config));
    const b = strip(await runSimulation(config));
    expect(b).toEqual(a);
    const c = strip(await runSimulation({ ...config, seed: 8 }));
    expect(c.weights).not.toEqual(a.weights);
  });

  it('FedProx with μ = 0 trains exactly as FedAvg; μ > 0 changes the weights', async () => {
    const config = { ...small, rounds: 3, centralized: false };
    const fedavg = await runSimulation({ ...config, strategy: 'fedavg' });
    const fedprox0 = await runSimulation({ ...config, strategy: 'fedprox:0' });
    const fedprox1 = await runSimulation({ ...config, strategy: 'fedprox:1' });
    expect(Array.from(fedprox0.weights)).toEqual(Array.from(fedavg.weights));
    expect(fedprox0.result.strategy).toBe('FedProx(mu=0)');
    expect(Array.from(fedprox1.weights)).not.toEqual(Array.from(fedavg.weights));
  });

  it('samples ⌈fraction·K⌉ clients per round', async () => {
    const { result } = await runSimulation({ ...small, clients: 4, fraction: 0.5, rounds: 4, centralized: false });
    expect(result.rounds.every((r) => r.participants.length === 2)).toBe(true);
    expect(new Set(result.rounds.map((r) => r.participants.join())).size).toBeGreaterThan(1);
    expect(result.centralized).toBeNull();
  });

  it('writes a JSON-ready result with config, partition, rounds, final and centralized', async () => {
    const { result } = await runSimulation({ ...small, rounds: 2 });
    const json = JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['config', 'partition', 'rounds', 'final', 'centralized']));
    expect(json.config).toMatchObject({ data: 'breast-cancer', clients: 3, rounds: 2, partition: 'dirichlet:0.5', strategy: 'fedavg', seed: 7 });
    const rounds = json.rounds as { round: number; accuracy: number; loss: number }[];
    expect(rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(rounds.every((r) => typeof r.accuracy === 'number' && typeof r.loss === 'number')).toBe(true);
    expect(json.final).toMatchObject({ accuracy: rounds[1]!.accuracy, loss: rounds[1]!.loss });
    expect(typeof (json.centralized as { accuracy: number }).accuracy).toBe('number');
    expect((json.partition as { clients: unknown[]; spec: string }).spec).toBe('dirichlet:0.5');
  });

  it.each([
    [{ clients: 1000 }, /--clients 1000 is more than the 455 examples/],
    [{ partition: 'dirichlet:0' }, /--partition must be .*\(got "dirichlet:0"\)/],
    [{ rounds: 0 }, /rounds must be an integer ≥ 1 \(got 0\)/],
    [{ data: 'no-such-data' }, /unknown data set "no-such-data"/],
    [{ model: 'mlp:' }, /--model "mlp:" is not valid/],
    [{ strategy: 'fedprox:-1' }, /--strategy must be .*\(got "fedprox:-1"\)/],
  ])('rejects %o with a CohortError naming it', async (override, message) => {
    const run = runSimulation({ ...small, ...override });
    await expect(run).rejects.toThrow(CohortError);
    await expect(runSimulation({ ...small, ...override })).rejects.toThrow(message);
  });
});

describe('runSimulation with worker threads', () => {
  it('uses two workers and gives exactly the in-process result', async () => {
    const config = { ...small, rounds: 3 };
    const inProcess = await runSimulation(config);
    const threaded = await runSimulation({ ...config, workers: 2 });
    expect(threaded.result.timing.workers).toBe(2);
    expect(threaded.result.final.accuracy).toBeGreaterThan(0.9);
    expect(Array.from(threaded.weights)).toEqual(Array.from(inProcess.weights));
    expect(threaded.result.rounds.map((r) => r.loss)).toEqual(inProcess.result.rounds.map((r) => r.loss));
    expect(threaded.result.centralized?.accuracy).toBe(inProcess.result.centralized?.accuracy);
  });
});
