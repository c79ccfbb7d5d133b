/**
 * Training throughput on one core (wasm backend, single-threaded): Cohort's fast gradients
 * against stock tfjs-wasm, side by side in the same run (issue 2: MLP 784-256-128-10, batch 256,
 * target ≥ 12,000 examples/s). Also logistic regression and the CNN.
 *
 *   node --import tsx bench/ml-throughput.ts [--seconds S]
 *
 * Reports examples/s by wall clock and by this process's CPU time: on a shared machine the CPU
 * figure is the steadier one (the wasm backend runs on one thread). Modes alternate
 * (fast, stock, fast, stock, ...) so that load changes hit both alike; the best round counts.
 * Writes bench/results/ml-throughput.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { SeededRandom } from '../src/crypto/random.js';
import type { Dataset } from '../src/data/dataset.js';
import { createModel, initBackend, setFastGradients, type ModelShape, type ModelSpec, type TfModel } from '../src/ml/index.js';

interface Case {
  readonly name: string;
  readonly spec: ModelSpec;
  readonly batchSize: number;
  readonly examples: number;
}

interface Row {
  readonly model: string;
  readonly batchSize: number;
  readonly mode: 'fast' | 'stock';
  readonly examplesPerSecondWall: number | null;
  readonly examplesPerSecondCpu: number | null;
  readonly note?: string;
}

const secondsFlag = process.argv.indexOf('--seconds');
const secondsPerRound = secondsFlag >= 0 ? Number(process.argv[secondsFlag + 1]) : 3;
const ROUNDS = 3;
const shape: ModelShape = { numFeatures: 784, numClasses: 10, exampleShape: [28, 28, 1] };
const cases: Case[] = [
  { name: 'mlp 784-256-128-10', spec: { kind: 'mlp', hidden: [256, 128] }, batchSize: 256, examples: 2560 },
  { name: 'logreg 784-10', spec: { kind: 'logreg' }, batchSize: 256, examples: 2560 },
  { name: 'cnn 28x28 (32,64,128)', spec: { kind: 'cnn' }, batchSize: 64, examples: 256 },
];

function syntheticData(examples: number): Dataset {
  const rng = new SeededRandom(7);
  const features = new Float32Array(examples * shape.numFeatures);
  for (let i = 0; i < features.length; i++) features[i] = rng.uniform();
  const labels = new Int32Array(examples);
  for (let i = 0; i < examples; i++) labels[i] = rng.uniformInt(shape.numClasses);
  return {
    name: 'synthetic',
    features,
    labels,
    numExamples: examples,
    numFeatures: shape.numFeatures,
    numClasses: shape.numClasses,
    classNames: [],
    featureNames: [],
    exampleShape: [28, 28, 1],
  };
}

/** Trains whole epochs until `seconds` of wall time pass; returns examples/s (wall, CPU). */
async function measure(model: TfModel, data: Dataset, batchSize: number, seconds: number): Promise<[number, number]> {
  const options = { epochs: 1, batchSize, seed: 1, optimizer: { kind: 'sgd', learningRate: 0.01 } } as const;
  let examples = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  do {
    examples += (await model.train(data, options)).examples;
  } while (performance.now() - t0 < seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const cpuUsage = process.cpuUsage(cpu0);
  const cpu = (cpuUsage.user + cpuUsage.system) / 1e6;
  return [examples / wall, examples / cpu];
}

const backend = await initBackend({ backend: 'wasm' });
const rows: Row[] = [];
for (const testCase of cases) {
  const data = syntheticData(testCase.examples);
  const model = await createModel(testCase.spec, shape, { seed: 1 });
  const best = { fast: [0, 0], stock: [0, 0] } as Record<'fast' | 'stock', [number, number]>;
  const failures: Partial<Record<'fast' | 'stock', string>> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['fast', 'stock'] as const) {
      if (failures[mode] !== undefined) continue;
      setFastGradients(mode === 'fast');
      try {
        await model.train(data, { epochs: 1, batchSize: testCase.batchSize, seed: 1, optimizer: { kind: 'sgd', learningRate: 0.01 } }); // warm-up
        const [wall, cpu] = await measure(model, data, testCase.batchSize, secondsPerRound);
        best[mode] = [Math.max(best[mode][0], wall), Math.max(best[mode][1], cpu)];
      } catch (error) {
        failures[mode] = error instanceof Error ? error.message : String(error);
      }
    }
  }
  setFastGradients(true);
  model.dispose();
  for (const mode of ['fast', 'stock'] as const) {
    const failed = failures[mode];
    rows.push({
      model: testCase.name,
      batchSize: testCase.batchSize,
      mode,
      examplesPerSecondWall: failed === undefined ? Math.round(best[mode][0]) : null,
      examplesPerSecondCpu: failed === undefined ? Math.round(best[mode][1]) : null,
      ...(failed === undefined ? {} : { note: failed }),
    });
  }
}

const format = (value: number | null): string => (value === null ? 'fails' : value.toLocaleString('en-US'));
console.log(`backend ${backend}, single thread, best of ${ROUNDS} rounds of ${secondsPerRound} s per mode`);
console.log(['model', 'batch', 'gradients', 'examples/s (wall)', 'examples/s (cpu)', 'speed-up (cpu)'].join(' | '));
for (const row of rows) {
  const stock = rows.find((r) => r.model === row.model && r.mode === 'stock')?.examplesPerSecondCpu ?? null;
  const speedUp = row.mode === 'fast' && stock !== null && row.examplesPerSecondCpu !== null ? `${(row.examplesPerSecondCpu / stock).toFixed(1)}×` : '';
  console.log(
    [row.model, row.batchSize, row.mode, format(row.examplesPerSecondWall), format(row.examplesPerSecondCpu), speedUp || (row.note ?? '')].join(' | '),
  );
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/ml-throughput.json', import.meta.url),
  JSON.stringify({ benchmark: 'ml-throughput', backend, date: new Date().toISOString(), secondsPerRound, rounds: ROUNDS, rows }, null, 2),
);
