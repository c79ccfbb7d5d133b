import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/index.js';
import { CohortError } from '../../src/errors.js';
import { LocalExecutor } from '../../src/fl/simulation/local-executor.js';
import { WorkerExecutor, toSharedDataset } from '../../src/fl/simulation/worker-pool.js';
import type { ModelBlueprint } from '../../src/fl/simulation/executor.js';
import type { Dataset } from '../../src/data/dataset.js';

const blueprint: ModelBlueprint = { spec: { kind: 'logreg' }, numFeatures: 4, numClasses: 3, seed: 3 };
const config = { round: 1, localEpochs: 2, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.05 }, seed: 11 } as const;
let datasets: Map<string, Dataset>;
let pool: WorkerExecutor;

beforeAll(async () => {
  const { data } = await loadDataset('iris');
  datasets = new Map([
    ['a', subset(data, Array.from({ length: 75 }, (_, i) => 2 * i))],
    ['b', subset(data, Array.from({ length: 75 }, (_, i) => 2 * i + 1))],
  ]);
  pool = await WorkerExecutor.create(blueprint, datasets, 2);
});

afterAll(async () => {
  await pool?.close();
});

describe('WorkerExecutor', () => {
  it('trains and evaluates exactly like the in-process executor, jobs in parallel', async () => {
    const local = await LocalExecutor.create(blueprint, datasets);
    expect(Array.from(pool.initialWeights)).toEqual(Array.from(local.initialWeights));
    const start = pool.initialWeights;
    const [fa, fb] = await Promise.all([pool.fit('a', start, config), pool.fit('b', start, config)]);
    const la = await local.fit('a', start, config);
    const lb = await local.fit('b', start, config);
    expect(Array.from(fa.weights)).toEqual(Array.from(la.weights));
    expect(Array.from(fb.weights)).toEqual(Array.from(lb.weights));
    expect(fa.numExamples).toBe(75);
    expect(await pool.evaluate('b', fa.weights)).toEqual(await local.evaluate('b', fa.weights));
    await local.close();
  });

  it('leaves the caller’s weights usable (it sends a transferred copy)', async () => {
    const weights = pool.initialWeights.slice();
    await pool.fit('a', weights, config);
    expect(weights.byteLength).toBe(pool.initialWeights.byteLength);
    expect(Array.from(weights)).toEqual(Array.from(pool.initialWeights));
  });

  it('brings a job’s CohortError back with its code and message', async () => {
    const wrong = new Float32Array(3);
    const failed = pool.fit('a', wrong, config);
    await expect(failed).rejects.toBeInstanceOf(CohortError);
    await expect(pool.fit('a', wrong, config)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/weights\.length/) });
    await expect(pool.evaluate('nope', pool.initialWeights)).rejects.toThrow(/no data set "nope"/);
    // The pool still works after failed jobs.
    expect((await pool.fit('b', pool.initialWeights, config)).numExamples).toBe(75);
  });

  it('puts data sets in shared memory once', () => {
    const shared = toSharedDataset(datasets.get('a') as Dataset);
    expect(shared.features.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(shared.features)).toEqual(Array.from((datasets.get('a') as Dataset).features));
    expect(toSharedDataset(shared)).toBe(shared);
  });

  it('refuses work after close', async () => {
    const spare = await WorkerExecutor.create(blueprint, datasets, 1);
    await spare.close();
    await expect(spare.fit('a', spare.initialWeights, config)).rejects.toThrow(/closed/);
  });
});
