// trainPrivately: DP-SGD with its accounting — ε as `cohort dp epsilon` prints it, calibration, budget stops, bad input.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/program.js';
import { SeededRandom } from '../../src/crypto/random.js';
import type { Dataset } from '../../src/data/dataset.js';
import { fitStandardizer, loadBundledDataset, trainTestSplit } from '../../src/data/index.js';
import { noiseMultiplierForEpsilon } from '../../src/dp/calibration/noise-multiplier.js';
import { dpSgdEpsilon, stepsWithinBudget, trainPrivately, type PrivateTrainingOptions } from '../../src/fl/private-training.js';
import { createModel, initBackend, type TfModel } from '../../src/ml/index.js';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm' })).toBe('wasm');
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** `cohort dp epsilon … --json`, in process. */
async function cliEpsilon(sampleRate: number, noiseMultiplier: number, steps: number, delta: number, accountant: 'rdp' | 'pld'): Promise<number> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const argv = ['dp', 'epsilon', '--sample-rate', String(sampleRate), '--noise-multiplier', String(noiseMultiplier), '--steps', String(steps)];
  const code = await main([...argv, '--delta', String(delta), '--accountant', accountant, '--json']);
  vi.restoreAllMocks();
  expect(code).toBe(0);
  return (JSON.parse(stdout) as { epsilon: number }).epsilon;
}

function blobs(examples: number, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const features = new Float32Array(examples * 4);
  const labels = new Int32Array(examples);
  for (let i = 0; i < examples; i++) {
    labels[i] = i % 2;
    for (let j = 0; j < 4; j++) features[i * 4 + j] = (j === 0 ? (i % 2 === 0 ? -1 : 1) : 0) + rng.uniform() - 0.5;
  }
  return { name: 'blobs', features, labels, numExamples: examples, numFeatures: 4, numClasses: 2, classNames: ['a', 'b'], featureNames: ['x0', 'x1', 'x2', 'x3'] };
}

const data = blobs(200, 1);
const base: PrivateTrainingOptions = { epochs: 2, sampleRate: 0.1, clippingNorm: 1, noiseMultiplier: 1.1, delta: 1e-5, optimizer: { kind: 'sgd', learningRate: 0.5 }, seed: 3 };

async function logreg(seed = 1): Promise<TfModel> {
  return createModel({ kind: 'logreg' }, { numFeatures: 4, numClasses: 2 }, { seed });
}

async function withModel<T>(work: (model: TfModel) => Promise<T>): Promise<T> {
  const model = await logreg();
  try {
    return await work(model);
  } finally {
    model.dispose();
  }
}

describe('the epsilon reported', () => {
  for (const accountant of ['rdp', 'pld'] as const) {
    it(`equals cohort dp epsilon for the same (q, σ, steps, δ): ${accountant}`, async () => {
      const result = await withModel((model) => trainPrivately(model, data, { ...base, accountant }));
      expect(result.steps).toBe(20); // 2 epochs × round(1/0.1)
      expect(result.stoppedEarly).toBe(false);
      expect(result.event).toEqual({ kind: 'poisson-gaussian', noiseMultiplier: 1.1, sampleRate: 0.1, steps: 20 });
      expect(result.epsilon).toBe(await cliEpsilon(0.1, 1.1, 20, 1e-5, accountant));
      expect(result.epsilonPerEpoch).toHaveLength(2);
      expect(result.epsilonPerEpoch[0]).toBe(await cliEpsilon(0.1, 1.1, 10, 1e-5, accountant));
      expect(result.epsilonPerEpoch[1]).toBe(result.epsilon);
      expect(result.epsilonPerEpoch[0] as number).toBeLessThan(result.epsilon);
    });
  }

  it('targetEpsilon calibrates σ before training with noiseMultiplierForEpsilon; ε ≤ target', async () => {
    const { noiseMultiplier: _noise, sampleRate: _rate, ...rest } = base;
    const result = await withModel((model) => trainPrivately(model, data, { ...rest, targetEpsilon: 2, epochs: 3, batchSize: 25 }));
    const calibration = noiseMultiplierForEpsilon({ targetEpsilon: 2, sampleRate: 25 / 200, steps: 24, delta: 1e-5 });
    expect(result.sampleRate).toBe(0.125);
    expect(result.steps).toBe(24);
    expect(result.noiseMultiplier).toBe(calibration.noiseMultiplier);
    expect(result.epsilon).toBe(calibration.epsilon);
    expect(result.epsilon).toBeLessThanOrEqual(2);
    expect(result.epsilon).toBeGreaterThan(1.99);
  });
});

describe('the budget', () => {
  it('stops cleanly before the step that would exceed it, and says so', async () => {
    const budget = 0.9 * dpSgdEpsilon({ noiseMultiplier: 1.1, sampleRate: 0.1, steps: 20, delta: 1e-5, accountant: 'rdp' });
    const epochs: number[] = [];
    const result = await withModel((model) => trainPrivately(model, data, { ...base, budget, onEpoch: (p) => void epochs.push(p.steps) }));
    expect(result.stoppedEarly).toBe(true);
    expect(result.steps).toBeLessThan(20);
    expect(result.steps).toBeGreaterThan(10);
    expect(result.epsilon).toBeLessThanOrEqual(budget);
    expect(dpSgdEpsilon({ noiseMultiplier: 1.1, sampleRate: 0.1, steps: result.steps + 1, delta: 1e-5, accountant: 'rdp' })).toBeGreaterThan(budget);
    expect(result.stopReason).toMatch(/privacy budget: step \d+ would spend epsilon = .* > budget/);
    expect(epochs).toEqual([10, result.steps]); // the partial epoch is reported too
    expect(result.epsilonPerEpoch).toHaveLength(2);
  });

  it('a budget below one step trains nothing and leaves the model as it was', async () => {
    const model = await logreg();
    try {
      const before = model.getWeights();
      const result = await trainPrivately(model, data, { ...base, budget: 1e-6 });
      expect(result.steps).toBe(0);
      expect(result.epsilon).toBe(0);
      expect(result.stoppedEarly).toBe(true);
      expect(Array.from(model.getWeights())).toEqual(Array.from(before));
    } finally {
      model.dispose();
    }
  });

  it('stepsWithinBudget is the largest t with ε(t) ≤ budget', () => {
    const params = { noiseMultiplier: 0.8, sampleRate: 0.02, delta: 1e-6, accountant: 'rdp' as const };
    for (const budget of [0.5, 1, 3]) {
      const t = stepsWithinBudget(params, budget, 5000);
      expect(dpSgdEpsilon({ ...params, steps: t })).toBeLessThanOrEqual(budget);
      if (t < 5000) expect(dpSgdEpsilon({ ...params, steps: t + 1 })).toBeGreaterThan(budget);
    }
  });
});

describe('sampling', () => {
  it('shuffled batches are flagged as not covered by the accountant', async () => {
    const result = await withModel((model) => trainPrivately(model, data, { ...base, sampling: 'shuffle' }));
    expect(result.samplingCoveredByAccountant).toBe(false);
    expect(result.warnings.join(' ')).toMatch(/not covered by the Poisson-subsampling analysis/);
    const poisson = await withModel((model) => trainPrivately(model, data, base));
    expect(poisson.samplingCoveredByAccountant).toBe(true);
    expect(poisson.warnings).toEqual([]);
  });
});

describe('bad input names the argument and the value', () => {
  const cases: Array<[string, Partial<PrivateTrainingOptions>, RegExp, string]> = [
    ['clipping norm 0', { clippingNorm: 0 }, /clippingNorm must be a finite number > 0 \(got 0\)/, 'INVALID_ARGUMENT'],
    ['negative clipping norm', { clippingNorm: -2 }, /clippingNorm must be a finite number > 0 \(got -2\)/, 'INVALID_ARGUMENT'],
    ['δ = 1/n', { delta: 1 / 200 }, /delta must be below 1\/n = 0\.005 for n = 200 examples \(got 0\.005\)/, 'INVALID_ARGUMENT'],
    ['δ above 1/n', { delta: 0.01 }, /delta must be below 1\/n .*\(got 0\.01\)/, 'INVALID_ARGUMENT'],
    ['unreachable target ε', { noiseMultiplier: undefined, targetEpsilon: 1e-9 }, /targetEpsilon 1e-9 cannot be reached/, 'DP_TARGET_UNREACHABLE'],
    ['both σ and target', { targetEpsilon: 1 }, /exactly one of noiseMultiplier and targetEpsilon \(got both\)/, 'INVALID_ARGUMENT'],
    ['both sampleRate and batchSize', { batchSize: 10 }, /exactly one of sampleRate and batchSize \(got both\)/, 'INVALID_ARGUMENT'],
    ['batch larger than the data', { sampleRate: undefined, batchSize: 500 }, /batchSize must be an integer in \[1, n = 200\] \(got 500\)/, 'INVALID_ARGUMENT'],
    ['epochs 0', { epochs: 0 }, /epochs must be an integer ≥ 1 \(got 0\)/, 'INVALID_ARGUMENT'],
    ['unknown accountant', { accountant: 'moments' as 'rdp' }, /accountant must be "rdp" or "pld" \(got "moments"\)/, 'INVALID_ARGUMENT'],
  ];
  for (const [name, change, message, code] of cases) {
    it(name, async () => {
      const options = { ...base, ...change } as PrivateTrainingOptions;
      await withModel(async (model) => {
        const error = await trainPrivately(model, data, options).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ code });
        expect((error as Error).message).toMatch(message);
      });
    });
  }
});

describe('utility', () => {
  const breastCancer = loadBundledDataset('breast-cancer');
  it.skipIf(breastCancer === undefined)('breast cancer at ε = 1, δ = 1e-5 still learns well above chance', async () => {
    const { train, test } = trainTestSplit(breastCancer as Dataset, { testFraction: 0.2, seed: 1 });
    // The standardiser's means and scales come from the training set without noise: here they stand
    // for public knowledge of the feature ranges (docs/dp-sgd.md, "What is covered").
    const standardizer = fitStandardizer(train);
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 30, numClasses: 2 }, { seed: 1 });
    try {
      const result = await trainPrivately(model, standardizer.apply(train), {
        epochs: 10,
        batchSize: 128,
        clippingNorm: 1,
        targetEpsilon: 1,
        delta: 1e-5,
        optimizer: { kind: 'sgd', learningRate: 1 },
        seed: 1,
      });
      expect(result.epsilon).toBeLessThanOrEqual(1);
      const metrics = await model.evaluate(standardizer.apply(test));
      const majority = Math.max(...[0, 1].map((c) => test.labels.filter((l) => l === c).length)) / test.numExamples;
      expect(majority).toBeLessThan(0.65); // chance: always predicting the larger class
      expect(metrics.accuracy).toBeGreaterThan(0.9); // measured 0.991 (seeds 2, 3: 0.974, 1.000)
    } finally {
      model.dispose();
    }
  });
});
