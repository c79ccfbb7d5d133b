import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { DpFedAvg } from '../../../src/fl/dp/dp-fedavg.js';
import {
  InProcessSecAggPeers,
  SecureAggregation,
  checkEncoderFitConfig,
  encoderFitConfig,
  runUntilRoundAborted,
  secureAggregationClient,
  setUpSecureAggregationSimulation,
  WeightedFixedPointEncoder,
  type SecAggDropoutHook,
  type SecAggPeers,
} from '../../../src/fl/secure-aggregation/index.js';
import { runFederation, type FederationResult } from '../../../src/fl/server.js';
import { FedAvg, FedAvgM, FedOpt, FedProx } from '../../../src/fl/strategies/index.js';
import type { Strategy } from '../../../src/fl/strategy.js';
import type { FederatedClient } from '../../../src/fl/types.js';
import { quadraticClient } from '../quadratic-clients.js';

const optimizer = { kind: 'sgd', learningRate: 0.1 } as const;
const fedAvgOptions = { localEpochs: 1, batchSize: 1, optimizer };
const sizes = [10, 30, 20, 40, 25, 15];
// Targets within ±1 of the start, so that one round's updates are never clipped (range 1).
const targets = sizes.map((_, k) => Float32Array.from({ length: 40 }, (_, i) => Math.sin(k * 7 + i) * 0.9));
const ids = sizes.map((_, k) => `c${k}`);
const makeClients = (only?: readonly string[]): FederatedClient[] =>
  sizes.map((numExamples, k) => quadraticClient({ id: ids[k]!, target: targets[k]!, numExamples, stepsPerEpoch: 3 })).filter((client) => only === undefined || only.includes(client.id));
const initialWeights = new Float32Array(40);

async function plainFedAvg(rounds: number, only?: readonly string[]): Promise<FederationResult> {
  return runFederation({ strategy: new FedAvg(fedAvgOptions), clients: makeClients(only), rounds, initialWeights, rng: new SeededRandom(1) });
}

function secure(options: { dropout?: SecAggDropoutHook; seed?: number; strategy?: Strategy; stageDeadlineMs?: number; clientThreads?: number } = {}) {
  return setUpSecureAggregationSimulation({
    settings: {},
    strategy: options.strategy ?? new FedAvg(fedAvgOptions),
    clients: makeClients(),
    rng: new SeededRandom(options.seed ?? 7),
    ...(options.dropout === undefined ? {} : { dropout: options.dropout }),
    ...(options.stageDeadlineMs === undefined ? {} : { stageDeadlineMs: options.stageDeadlineMs }),
    ...(options.clientThreads === undefined ? {} : { clientThreads: options.clientThreads }),
  });
}

function largestDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]! - b[i]!));
  return largest;
}

/** Drops the named clients when they receive a request of `stage`. */
const dropAt = (stage: string, clients: readonly string[]): SecAggDropoutHook => (event) => event.stage === stage && clients.includes(event.clientId);

// 6 clients: k = 5 (complete graph, small federation), t = 3; one client's resolution 1/scale ≈ 2.8e-9.
const QUANTISATION = 1e-6;

describe('SecureAggregation (SecAgg+ around FedAvg)', () => {
  it('ends within quantisation error of plain FedAvg; nothing but masked input reaches the server', async () => {
    const setup = await secure();
    expect(setup.strategy.name).toBe('FedAvg+SecAgg+(k=5, t=3)');
    const observed: Float32Array[] = [];
    const strategy: Strategy = {
      name: setup.strategy.name,
      configureFit: (context) => setup.strategy.configureFit(context),
      aggregateFit: (context) => {
        for (const result of context.results) observed.push(result.weights);
        return setup.strategy.aggregateFit(context);
      },
    };
    const result = await runFederation({ strategy, clients: setup.clients, rounds: 3, initialWeights, rng: new SeededRandom(1) });
    const plain = await plainFedAvg(3);
    expect(largestDifference(result.weights, plain.weights)).toBeLessThan(QUANTISATION);
    expect(largestDifference(result.weights, initialWeights)).toBeGreaterThan(0.1); // it did learn
    expect(observed).toHaveLength(18);
    expect(observed.every((weights) => weights.length === 0)).toBe(true);
    expect(result.rounds[2]!.aggregateMetrics).toMatchObject({ clients: 6, dropped: 0, neighbours: 5, threshold: 3, examples: 140, clippedValues: 0 });
  });

  it('wraps FedProx too', async () => {
    const setup = await secure({ strategy: new FedProx({ ...fedAvgOptions, proximalMu: 0.1 }) });
    const result = await runFederation({ strategy: setup.strategy, clients: setup.clients, rounds: 2, initialWeights, rng: new SeededRandom(1) });
    const plain = await runFederation({ strategy: new FedProx({ ...fedAvgOptions, proximalMu: 0.1 }), clients: makeClients(), rounds: 2, initialWeights, rng: new SeededRandom(1) });
    expect(largestDifference(result.weights, plain.weights)).toBeLessThan(QUANTISATION);
  });

  it('recovers clients that drop after sharing their keys: the round equals FedAvg over the survivors', async () => {
    // k − t = 2 dropouts, the most t = 3 tolerates: every survivor keeps t of its k = 5 neighbours.
    const dropped = ['c1', 'c4'];
    const setup = await secure({ dropout: dropAt('maskedInput', dropped) });
    const result = await runFederation({ strategy: setup.strategy, clients: setup.clients, rounds: 1, initialWeights, rng: new SeededRandom(1) });
    const survivors = ids.filter((id) => !dropped.includes(id));
    const plain = await plainFedAvg(1, survivors);
    expect(largestDifference(result.weights, plain.weights)).toBeLessThan(QUANTISATION);
    expect(largestDifference(result.weights, (await plainFedAvg(1)).weights)).toBeGreaterThan(1e-3); // not the full mean
    expect(setup.strategy.rounds[0]).toMatchObject({ round: 1, survivors, dropped });
    expect(result.rounds[0]!.aggregateMetrics).toMatchObject({ clients: 4, dropped: 2, examples: 10 + 20 + 40 + 15 });
  });

  it('hosts the clients in worker threads: same sum, same dropout recovery, threads closed after', async () => {
    const setup = await secure({ clientThreads: 2, dropout: dropAt('maskedInput', ['c3']) });
    try {
      const result = await runFederation({ strategy: setup.strategy, clients: setup.clients, rounds: 2, initialWeights, rng: new SeededRandom(1) });
      // c3 drops in both rounds; the others' updates are summed by SecAgg+ across the two threads.
      const plain = await plainFedAvg(2, ids.filter((id) => id !== 'c3'));
      expect(largestDifference(result.weights, plain.weights)).toBeLessThan(QUANTISATION);
      expect(setup.strategy.rounds.map((record) => record.dropped)).toEqual([['c3'], ['c3']]);
    } finally {
      await setup.close();
    }
    await expect(setup.clients[0]!.handleSecAgg(new Uint8Array(0))).rejects.toThrow(/closed/);
  }, 30_000);

  it('reports an update the client thread cannot encode as the fit failure of that client', async () => {
    const broken: FederatedClient = { id: 'nan', numExamples: 5, fit: async (weights) => ({ weights: weights.map(() => Number.NaN), numExamples: 5, metrics: { trainLoss: 0 } }) };
    const setup = await setUpSecureAggregationSimulation({ settings: {}, strategy: new FedAvg(fedAvgOptions), clients: [broken, ...makeClients(['c0', 'c1'])], clientThreads: 1 });
    try {
      const [instruction] = await setup.strategy.configureFit({ round: 1, globalWeights: initialWeights, clients: [{ id: 'nan', numExamples: 5 }], rng: new SeededRandom(1) });
      await expect(setup.clients[0]!.fit(initialWeights, instruction!.config)).rejects.toThrow(/update coordinate 0 is NaN/);
    } finally {
      await setup.close();
    }
  }, 30_000);

  it('counts clients that drop before sharing keys out, and keeps clients that drop after sending their masked input', async () => {
    const early = await secure({ dropout: dropAt('shareKeys', ['c0']) });
    const earlyResult = await runFederation({ strategy: early.strategy, clients: early.clients, rounds: 1, initialWeights, rng: new SeededRandom(1) });
    expect(largestDifference(earlyResult.weights, (await plainFedAvg(1, ids.slice(1))).weights)).toBeLessThan(QUANTISATION);

    const late = await secure({ dropout: dropAt('unmask', ['c0', 'c2']) });
    const lateResult = await runFederation({ strategy: late.strategy, clients: late.clients, rounds: 1, initialWeights, rng: new SeededRandom(1) });
    // Their masked inputs are in the sum; the other four neighbours' shares unmask it.
    expect(largestDifference(lateResult.weights, (await plainFedAvg(1)).weights)).toBeLessThan(QUANTISATION);
  });

  it('treats a client that misses the stage deadline as a dropout', async () => {
    const setup = await secure();
    const inner = (setup.strategy as unknown as { options: { peers: SecAggPeers } }).options.peers;
    const hanging: SecAggPeers = {
      request: (clientId, message, deadlineMs) => (clientId === 'c3' ? new Promise<Uint8Array>(() => {}) : inner.request(clientId, message, deadlineMs)),
    };
    const strategy = new SecureAggregation(new FedAvg(fedAvgOptions), { peers: hanging, encoder: setup.encoder, threshold: 3, neighbours: 5, stageDeadlineMs: 300, rng: new SeededRandom(3) });
    const result = await runFederation({ strategy, clients: setup.clients, rounds: 1, initialWeights, rng: new SeededRandom(1) });
    expect(strategy.rounds[0]!.dropped).toEqual(['c3']);
    expect(strategy.rounds[0]!.failures[0]).toMatchObject({ clientId: 'c3', stage: 'setup' });
    expect(strategy.rounds[0]!.failures[0]!.message).toMatch(/missed the 300 ms deadline of stage setup/);
    expect(largestDifference(result.weights, (await plainFedAvg(1, ids.filter((id) => id !== 'c3'))).weights)).toBeLessThan(QUANTISATION);
  });

  it('aborts a round that loses more than k − t clients (ROUND_INCOMPLETE); the run stops cleanly with the model so far', async () => {
    // Three of six drop after sharing keys in round 2: a survivor keeps 2 neighbours < t = 3.
    const losingRoundTwo = async () => {
      let round = 1;
      const setup = await secure({ dropout: (event) => round === 2 && event.stage === 'maskedInput' && ['c0', 'c1', 'c2'].includes(event.clientId) });
      return { strategy: setup.strategy, clients: setup.clients, rounds: 3, initialWeights, rng: new SeededRandom(1), onRound: () => void round++ };
    };
    await expect(runFederation(await losingRoundTwo())).rejects.toMatchObject({ code: 'ROUND_INCOMPLETE' });

    const stopped = await runUntilRoundAborted(await losingRoundTwo(), runFederation);
    expect(stopped.rounds).toHaveLength(1);
    expect(stopped.abortedRound?.round).toBe(2);
    expect(stopped.abortedRound?.reason).toMatch(/c0 at maskedInput/);
    expect(largestDifference(stopped.weights, (await plainFedAvg(1)).weights)).toBeLessThan(QUANTISATION);
  });

  it('refuses strategies that need the individual updates, naming them and --secure-aggregation', () => {
    const peers = new InProcessSecAggPeers([]);
    const refused: Strategy[] = [
      new FedAvgM(fedAvgOptions),
      new FedOpt('adam', fedAvgOptions),
      new DpFedAvg(new FedAvg(fedAvgOptions), { noiseMultiplier: 1, clippingNorm: 1 }),
      { name: 'Krum', configureFit: () => [], aggregateFit: () => ({ weights: new Float32Array(0), metrics: {} }) },
    ];
    for (const inner of refused) {
      let caught: unknown;
      try {
        new SecureAggregation(inner, { peers });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'UNSUPPORTED' });
      expect((caught as Error).message).toContain(inner.name);
      expect((caught as Error).message).toContain('--secure-aggregation');
    }
  });

  it('refuses a client that sends its weights in the clear', async () => {
    const setup = await secure();
    // An unwrapped client: its fit returns the trained weights.
    const clients = [...setup.clients.slice(0, 5), makeClients(['c5'])[0]!];
    await expect(runFederation({ strategy: setup.strategy, clients, rounds: 1, initialWeights, rng: new SeededRandom(1) })).rejects.toThrow(/client "c5" sent its weights in the clear/);
  });

  it('a client whose encoder differs from the announced settings refuses to train', async () => {
    const mine = new WeightedFixedPointEncoder({ maxClients: 6, weightCap: 40, updateRange: 1 });
    const server = new WeightedFixedPointEncoder({ maxClients: 6, weightCap: 40, updateRange: 0.5 });
    expect(() => checkEncoderFitConfig(mine, encoderFitConfig(server), 4)).toThrow(/round 4: the server's secagg.updateRange is 0.5, this client's encoder has 1/);
    expect(() => checkEncoderFitConfig(mine, encoderFitConfig(mine), 4)).not.toThrow();
    const client = secureAggregationClient(makeClients(['c0'])[0]!, { encoder: mine });
    const config = { round: 1, localEpochs: 1, batchSize: 1, optimizer, seed: 1 };
    await expect(client.fit(initialWeights, config)).rejects.toThrow(/did not ask for secure aggregation/);
    await expect(client.fit(initialWeights, { ...config, extra: encoderFitConfig(server) })).rejects.toThrow(/secagg.updateRange/);
  });
});
