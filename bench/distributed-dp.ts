// The distributed discrete Gaussian encoder (src/fl/secure-aggregation/distributed-discrete-gaussian.ts)
// on one client's 100,000-parameter update: clip, Hadamard rotation (d = 131,072), conditional
// randomised rounding and the exact discrete Gaussian noise share with the CSPRNG; decode of the
// sum. Side by side in the same run: the default weighted fixed-point encoder (no noise) on the
// same update, and the exact sampler alone at the encoder's local variance.
// Run: node --import tsx bench/distributed-dp.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { secureRandom } from '../src/crypto/random.js';
import { createDiscreteGaussianSampler } from '../src/dp/samplers/discrete-gaussian.js';
import { DistributedDiscreteGaussianEncoder } from '../src/fl/secure-aggregation/distributed-discrete-gaussian.js';
import { WeightedFixedPointEncoder } from '../src/fl/secure-aggregation/encoder.js';

const PARAMETERS = Number(process.env['BENCH_PARAMETERS'] ?? 100_000);
const REPEATS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time(run: () => void): number {
  run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return median(times);
}

const rng = secureRandom();
const delta = new Float32Array(PARAMETERS);
for (let i = 0; i < PARAMETERS; i++) delta[i] = (rng.uniform() - 0.5) * 0.01;

const ddg = new DistributedDiscreteGaussianEncoder({ clippingNorm: 1, noiseMultiplier: 1, noiseShares: 50, maxContributors: 100, rotationSeed: 1 });
const plan = ddg.planFor(PARAMETERS);
const fixedPoint = new WeightedFixedPointEncoder({ maxClients: 100 });

let encoded: Uint32Array = new Uint32Array(0);
const rows = [
  { step: 'distributed discrete Gaussian: encode (clip, rotate, round, noise, mod 2^32)', ms: time(() => (encoded = ddg.encode(delta, 1, 1))) },
  { step: 'distributed discrete Gaussian: quantise only (no noise)', ms: time(() => void ddg.quantizeWithoutNoise(delta, 1)) },
  { step: 'distributed discrete Gaussian: decode (centre, rescale, un-rotate)', ms: time(() => void ddg.decode(encoded, 50, PARAMETERS, 1)) },
  {
    step: `exact discrete Gaussian sampler alone, ${plan.dimension} samples at V = ${plan.localVariance}`,
    ms: time(() => {
      const sampler = createDiscreteGaussianSampler({ variance: plan.localVariance });
      sampler.fill(new Float64Array(plan.dimension));
      sampler.dispose();
    }),
  },
  { step: 'weighted fixed point (default SecAgg encoder, no noise): encode', ms: time(() => void fixedPoint.encode(delta, 1, 1)) },
];

console.log(`${PARAMETERS} parameters (d = ${plan.dimension}), median of ${REPEATS}; granularity ${plan.granularity.toPrecision(4)}, local variance ${plan.localVariance}`);
console.log('step'.padEnd(92) + 'ms');
for (const row of rows) console.log(row.step.padEnd(92) + row.ms.toFixed(1));
const samplesPerSecond = plan.dimension / ((rows[3]?.ms ?? 1) / 1000);
console.log(`sampler throughput: ${(samplesPerSecond / 1e6).toFixed(2)} M samples/s`);

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/distributed-dp.json', import.meta.url),
  JSON.stringify({ parameters: PARAMETERS, dimension: plan.dimension, localVariance: plan.localVariance, granularity: plan.granularity, repeats: REPEATS, rows, samplesPerSecond }, null, 2) + '\n',
);
