import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weightedMean } from '../../src/aggregation/index.js';
import { SeededRandom } from '../../src/crypto/random.js';
import { CohortError } from '../../src/errors.js';
import { FedAvg, FedProx, createStrategy, formatStrategySpec, parseStrategySpec } from '../../src/fl/strategies/index.js';
import type { FitOutcome } from '../../src/fl/strategy.js';

const local = { localEpochs: 2, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.1 } } as const;
const clients = Array.from({ length: 8 }, (_, i) => ({ id: `c${i}`, numExamples: 10 + i }));

const outcomes = fc.integer({ min: 1, max: 300 }).chain((length) =>
  fc.array(
    fc.record({
      weights: fc.float32Array({ minLength: length, maxLength: length, noNaN: true, noDefaultInfinity: true }),
      numExamples: fc.integer({ min: 1, max: 100_000 }),
      trainLoss: fc.double({ min: 0, max: 10, noNaN: true }),
    }),
    { minLength: 1, maxLength: 10 },
  ),
);

function toOutcomes(list: { weights: Float32Array; numExamples: number; trainLoss: number }[]): FitOutcome[] {
  return list.map((o, i) => ({ clientId: `c${i}`, weights: o.weights, numExamples: o.numExamples, metrics: { trainLoss: o.trainLoss } }));
}

describe('FedAvg aggregation', () => {
  it('equals the example-weighted mean exactly (bit for bit)', () => {
    fc.assert(
      fc.property(outcomes, (list) => {
        const results = toOutcomes(list);
        const global = new Float32Array(list[0]!.weights.length);
        const aggregated = new FedAvg(local).aggregateFit({ round: 1, globalWeights: global, results, failures: [] });
        const expected = weightedMean(list.map((o) => o.weights), list.map((o) => o.numExamples));
        return aggregated.weights.every((x, i) => Object.is(x, expected[i]));
      }),
      { numRuns: 50 },
    );
  });

  it('weights by example counts: 300 examples of 1s and 100 of 5s average to 2', () => {
    const results: FitOutcome[] = [
      { clientId: 'a', weights: Float32Array.of(1, 1), numExamples: 300, metrics: { trainLoss: 1 } },
      { clientId: 'b', weights: Float32Array.of(5, 5), numExamples: 100, metrics: { trainLoss: 3 } },
    ];
    const aggregated = new FedAvg(local).aggregateFit({ round: 1, globalWeights: new Float32Array(2), results, failures: [] });
    expect(Array.from(aggregated.weights)).toEqual([2, 2]);
    expect(aggregated.metrics).toEqual({ trainLoss: 1.5, examples: 400, clients: 2 });
  });

  it('names the client and round of a diverged (non-finite) update', () => {
    const results: FitOutcome[] = [
      { clientId: 'a', weights: Float32Array.of(1, 1), numExamples: 3, metrics: { trainLoss: 1 } },
      { clientId: 'hospital-b', weights: Float32Array.of(1, Number.NaN), numExamples: 3, metrics: { trainLoss: 1 } },
    ];
    const run = () => new FedAvg(local).aggregateFit({ round: 4, globalWeights: new Float32Array(2), results, failures: [] });
    expect(run).toThrow(CohortError);
    expect(run).toThrow(/round 4: client "hospital-b" returned a non-finite weight \(index 1 = NaN\)/);
  });

  it('rejects results of the wrong length or with a bad example count', () => {
    const strategy = new FedAvg(local);
    const bad = (o: Partial<FitOutcome>) => () =>
      strategy.aggregateFit({
        round: 2,
        globalWeights: new Float32Array(2),
        results: [{ clientId: 'x', weights: Float32Array.of(1, 2), numExamples: 1, metrics: { trainLoss: 0 }, ...o }],
        failures: [],
      });
    expect(bad({ weights: Float32Array.of(1) })).toThrow(/client "x" returned 1 weights, expected 2/);
    expect(bad({ numExamples: 0 })).toThrow(/client "x" reported numExamples = 0/);
    expect(bad({ numExamples: 1.5 })).toThrow(/numExamples = 1.5/);
  });

  it('keeps the code of the cause when every client failed', () => {
    const failures = [{ clientId: 'w', error: new CohortError('INTERNAL', 'a simulation worker stopped: exit code 1') }];
    const run = () => new FedAvg(local).aggregateFit({ round: 2, globalWeights: new Float32Array(1), results: [], failures });
    expect(run).toThrow(/round 2: no client returned a result \(1 failed; first "w": a simulation worker stopped: exit code 1\)/);
    expect(run).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('tolerates failed clients by default, refuses them with acceptFailures: false, and needs one result', () => {
    const ok: FitOutcome = { clientId: 'a', weights: Float32Array.of(4), numExamples: 1, metrics: { trainLoss: 0 } };
    const failures = [{ clientId: 'b', error: new Error('timeout') }];
    expect(Array.from(new FedAvg(local).aggregateFit({ round: 1, globalWeights: new Float32Array(1), results: [ok], failures }).weights)).toEqual([4]);
    expect(() => new FedAvg({ ...local, acceptFailures: false }).aggregateFit({ round: 1, globalWeights: new Float32Array(1), results: [ok], failures })).toThrow(
      /round 1: 1 client\(s\) failed, first "b": timeout/,
    );
    expect(() => new FedAvg(local).aggregateFit({ round: 3, globalWeights: new Float32Array(1), results: [], failures })).toThrow(/round 3: no client returned a result \(1 failed; first "b": timeout\)/);
  });
});

describe('FedAvg configuration', () => {
  it('sends the global weights and the local-training settings to ⌈fraction·K⌉ clients', () => {
    const global = Float32Array.of(1, 2, 3);
    const instructions = new FedAvg({ ...local, fraction: 0.5 }).configureFit({ round: 7, globalWeights: global, clients, rng: new SeededRandom(5) });
    expect(instructions).toHaveLength(4);
    for (const instruction of instructions) {
      expect(instruction.weights).toBe(global);
      expect(instruction.config).toMatchObject({ round: 7, localEpochs: 2, batchSize: 8, optimizer: local.optimizer });
      expect(instruction.config.proximalMu).toBeUndefined();
      expect(Number.isInteger(instruction.config.seed)).toBe(true);
    }
    expect(new Set(instructions.map((i) => i.config.seed)).size).toBe(4);
  });

  it('is reproducible from the random source', () => {
    const pick = (seed: number) =>
      new FedAvg({ ...local, fraction: 0.25 }).configureFit({ round: 1, globalWeights: new Float32Array(1), clients, rng: new SeededRandom(seed) }).map((i) => [i.clientId, i.config.seed]);
    expect(pick(11)).toEqual(pick(11));
    expect(pick(11)).not.toEqual(pick(12));
  });

  it.each([
    [{ localEpochs: 0 }, /localEpochs must be an integer ≥ 1 \(got 0\)/],
    [{ batchSize: 2.5 }, /batchSize must be an integer ≥ 1 \(got 2.5\)/],
    [{ fraction: 0 }, /fraction must be in \(0, 1\] \(got 0\)/],
    [{ fraction: 1.01 }, /fraction must be in \(0, 1\]/],
    [{ optimizer: { kind: 'sgd', learningRate: -1 } }, /learningRate must be a finite number > 0 \(got -1\)/],
    [{ optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 1 } }, /momentum must be in \[0, 1\) \(got 1\)/],
  ])('rejects %o', (override, message) => {
    expect(() => new FedAvg({ ...local, ...override } as never)).toThrow(message);
  });
});

describe('FedProx', () => {
  it('adds μ to every fit configuration and aggregates as FedAvg', () => {
    const strategy = new FedProx({ ...local, proximalMu: 0.01 });
    expect(strategy.name).toBe('FedProx(mu=0.01)');
    const instructions = strategy.configureFit({ round: 1, globalWeights: new Float32Array(1), clients, rng: new SeededRandom(1) });
    expect(instructions.every((i) => i.config.proximalMu === 0.01)).toBe(true);
  });

  it('with μ = 0 chooses the same clients and seeds and aggregates identically to FedAvg', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.double({ min: 0.05, max: 1, noNaN: true }), outcomes, (seed, fraction, list) => {
        const fedavg = new FedAvg({ ...local, fraction });
        const fedprox = new FedProx({ ...local, fraction, proximalMu: 0 });
        const context = (rng: SeededRandom) => ({ round: 3, globalWeights: new Float32Array(1), clients, rng });
        const a = fedavg.configureFit(context(new SeededRandom(seed)));
        const b = fedprox.configureFit(context(new SeededRandom(seed)));
        const sameConfig = a.length === b.length && a.every((x, i) => x.clientId === b[i]!.clientId && JSON.stringify({ ...x.config, proximalMu: 0 }) === JSON.stringify(b[i]!.config));
        const results = toOutcomes(list);
        const global = new Float32Array(list[0]!.weights.length);
        const wa = fedavg.aggregateFit({ round: 3, globalWeights: global, results, failures: [] }).weights;
        const wb = fedprox.aggregateFit({ round: 3, globalWeights: global, results, failures: [] }).weights;
        return sameConfig && wa.every((x, i) => Object.is(x, wb[i]));
      }),
      { numRuns: 40 },
    );
  });

  it('rejects a negative or non-finite μ', () => {
    expect(() => new FedProx({ ...local, proximalMu: -0.1 })).toThrow(/proximalMu must be a finite number ≥ 0 \(got -0.1\)/);
    expect(() => new FedProx({ ...local, proximalMu: Number.NaN })).toThrow(/proximalMu/);
  });
});

describe('strategy specs', () => {
  it.each([
    ['fedavg', { kind: 'fedavg' }],
    ['FedAvg', { kind: 'fedavg' }],
    ['fedprox:0.01', { kind: 'fedprox', proximalMu: 0.01 }],
    ['fedprox:0', { kind: 'fedprox', proximalMu: 0 }],
  ])('parses %s', (text, spec) => {
    expect(parseStrategySpec(text)).toEqual(spec);
  });

  it.each(['fedprox', 'fedprox:', 'fedprox:-1', 'fedprox:abc', 'fedsgd', ''])('rejects %j naming the flag and value', (text) => {
    expect(() => parseStrategySpec(text, '--strategy')).toThrow(CohortError);
    expect(() => parseStrategySpec(text, '--strategy')).toThrow(new RegExp(`^--strategy must be .*\\(got ${JSON.stringify(JSON.stringify(text)).slice(1, -1)}\\)$`));
  });

  it('formats back and builds the strategy', () => {
    expect(formatStrategySpec(parseStrategySpec('fedprox:0.5'))).toBe('fedprox:0.5');
    expect(createStrategy({ kind: 'fedprox', proximalMu: 0.5 }, local)).toBeInstanceOf(FedProx);
    expect(createStrategy({ kind: 'fedavg' }, local).name).toBe('FedAvg');
  });
});
