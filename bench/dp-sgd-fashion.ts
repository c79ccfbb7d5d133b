/**
 * Issue 4 target: Fashion-MNIST with DP-SGD at ε = 3, δ = 1e-5, centralised: ≥ 86 % test accuracy
 * (Papernot et al., AAAI 2021, report 86.1 % at ε < 3 with a tempered-sigmoid CNN, 81.9 % with
 * ReLU). Here: the MLP 784-256-128-10 (ReLU) with ghost-norm DP-SGD, Poisson batches, noise
 * calibrated by the RDP accountant so the planned steps spend at most ε = 3. Pixels are scaled to
 * [0, 1] (a public transform, no statistics of the private data).
 *
 *   node --import tsx bench/dp-sgd-fashion.ts      (skips when ../shared/data/fashion-mnist is absent)
 *   BENCH_EPOCHS, BENCH_BATCH, BENCH_CLIP, BENCH_LR override the settings.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/data/index.js';
import { trainPrivately } from '../src/fl/private-training.js';
import { createModel, initBackend, parseModelSpec } from '../src/ml/index.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const fashionDir = join(benchDir, '..', '..', 'shared', 'data', 'fashion-mnist');
const setting = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const epochs = setting('BENCH_EPOCHS', 15);
const batchSize = setting('BENCH_BATCH', 1024);
const clippingNorm = setting('BENCH_CLIP', 1);
const learningRate = setting('BENCH_LR', 0.002);
const targetEpsilon = 3;
const delta = 1e-5;

if (!existsSync(join(fashionDir, 'train-images-idx3-ubyte.gz'))) {
  process.stdout.write(`skipped: Fashion-MNIST not found in ${fashionDir}\n`);
} else {
  await initBackend();
  const { data, predefinedTest } = await loadDataset(`idx:${fashionDir}`);
  if (predefinedTest === undefined) throw new Error('the t10k files are missing');
  const model = await createModel(parseModelSpec('mlp:256,128'), data, { seed: 42 });
  const start = performance.now();
  const result = await trainPrivately(model, data, {
    epochs,
    batchSize,
    clippingNorm,
    targetEpsilon,
    delta,
    optimizer: { kind: 'adam', learningRate },
  });
  const seconds = (performance.now() - start) / 1000;
  const metrics = await model.evaluate(predefinedTest);
  const row = {
    case: 'Fashion-MNIST, centralised DP-SGD, mlp:256,128',
    epochs,
    expectedBatchSize: batchSize,
    clippingNorm,
    learningRate,
    noiseMultiplier: result.noiseMultiplier,
    epsilon: result.epsilon,
    delta,
    steps: result.steps,
    testAccuracy: metrics.accuracy,
    targetAccuracy: 0.86,
    seconds,
  };
  process.stdout.write(
    `Fashion-MNIST DP-SGD: ε = ${result.epsilon.toFixed(3)} (target ${targetEpsilon}), δ = ${delta}, σ = ${result.noiseMultiplier.toFixed(3)}, ` +
      `${result.steps} steps, test accuracy ${(metrics.accuracy * 100).toFixed(2)} % (target ≥ 86 %), ${seconds.toFixed(0)} s\n`,
  );
  mkdirSync(join(benchDir, 'results'), { recursive: true });
  writeFileSync(join(benchDir, 'results', 'dp-sgd-fashion.json'), `${JSON.stringify(row, null, 2)}\n`);
  model.dispose();
}
