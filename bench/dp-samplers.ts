/**
 * Throughput of the exact samplers (Canonne, Kamath & Steinke 2020) and of the float-safe
 * releases, on the CSPRNG as in production. Target (issue 3): discrete Gaussian ≥ 100,000
 * samples/s. For scale, a textbook floating-point Gaussian (Box–Muller on the same CSPRNG — the
 * unsafe kind Mironov 2012 broke) is timed too.
 *
 *   node --import tsx bench/dp-samplers.ts
 *
 * Writes bench/results/dp-samplers.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { SecureRandom } from '../src/crypto/random.js';
import { gaussianMechanism, laplaceMechanism } from '../src/dp/mechanisms/index.js';
import { createDiscreteGaussianSampler, createDiscreteLaplaceSampler } from '../src/dp/samplers/index.js';

const rng = new SecureRandom();
const MIN_SECONDS = 0.5;

/** Runs `batch` (returning how many operations it did) until MIN_SECONDS pass; ops/s. */
function rate(batch: () => number): number {
  batch(); // warm-up
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_SECONDS * 1000) {
    ops += batch();
    elapsed = performance.now() - start;
  }
  return ops / (elapsed / 1000);
}

interface Row {
  what: string;
  parameter: string;
  perSecond: number;
  path?: string;
}
const rows: Row[] = [];

const VECTOR = 65536;
for (const [label, options, path] of [
  ['σ = 1', { standardDeviation: 1 }, 'number'],
  ['σ = 10', { standardDeviation: 10 }, 'number'],
  ['σ = 1000', { standardDeviation: 1000 }, 'number'],
  ['σ = 3.730632 (a double: σ² = n/2^92 exactly)', { standardDeviation: 3.730632 }, 'bigint'],
  ['σ = 100000', { standardDeviation: 100000 }, 'bigint'],
] as const) {
  const sampler = createDiscreteGaussianSampler({ ...options, rng });
  const out = new Int32Array(VECTOR);
  rows.push({ what: 'discrete Gaussian (vector into Int32Array)', parameter: label, perSecond: rate(() => sampler.fill(out).length), path });
  sampler.dispose();
}
for (const [label, scale] of [
  ['scale 1', 1],
  ['scale 10', 10],
  ['scale 1000', 1000],
] as const) {
  const sampler = createDiscreteLaplaceSampler({ scale, rng });
  const out = new Int32Array(VECTOR);
  rows.push({ what: 'discrete Laplace (vector into Int32Array)', parameter: label, perSecond: rate(() => sampler.fill(out).length), path: 'number' });
  sampler.dispose();
}
rows.push({
  what: 'Laplace release, grid + discrete Laplace',
  parameter: 'Δ = 1, ε = 1',
  perSecond: rate(() => {
    for (let i = 0; i < 1000; i++) laplaceMechanism({ value: 3.14159, sensitivity: 1, epsilon: 1, rng });
    return 1000;
  }),
});
rows.push({
  what: 'Laplace release, grid + discrete Laplace',
  parameter: 'Δ = 1, ε = 0.1 (ε a double: bigint path)',
  perSecond: rate(() => {
    for (let i = 0; i < 1000; i++) laplaceMechanism({ value: 3.14159, sensitivity: 1, epsilon: 0.1, rng });
    return 1000;
  }),
});
rows.push({
  what: 'Gaussian release, grid + discrete Gaussian',
  parameter: 'Δ = 1, ε = 1, δ = 1e-5 (analytic, calibration cached)',
  perSecond: rate(() => {
    for (let i = 0; i < 1000; i++) gaussianMechanism({ value: 3.14159, sensitivity: 1, epsilon: 1, delta: 1e-5, rng });
    return 1000;
  }),
});
const floats = new Float64Array(VECTOR);
rows.push({
  what: 'reference: float Box–Muller Gaussian (unsafe)',
  parameter: 'σ = 1',
  perSecond: rate(() => {
    for (let i = 0; i < VECTOR; i += 2) {
      const u = 1 - rng.uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      const t = 2 * Math.PI * rng.uniform();
      floats[i] = r * Math.cos(t);
      floats[i + 1] = r * Math.sin(t);
    }
    return VECTOR;
  }),
});

const header = ['what', 'parameter', 'per second', 'arithmetic'];
const table = rows.map((r) => [r.what, r.parameter, Math.round(r.perSecond).toLocaleString('en-US'), r.path ?? '']);
const widths = header.map((h, j) => Math.max(h.length, ...table.map((r) => (r[j] as string).length)));
const line = (cells: readonly string[]) => cells.map((c, j) => (j === 2 ? c.padStart(widths[j] as number) : c.padEnd(widths[j] as number))).join('  ').trimEnd();
process.stdout.write(`${[line(header), ...table.map(line)].join('\n')}\n`);
const gaussianAtTargets = rows.filter((r) => r.what.startsWith('discrete Gaussian') && r.path === 'number');
const meetsTarget = gaussianAtTargets.every((r) => r.perSecond >= 100000);
process.stdout.write(`discrete Gaussian target ≥ 100,000/s at σ = 1, 10, 1000: ${meetsTarget ? 'met' : 'NOT met'}\n`);

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/dp-samplers.json', import.meta.url),
  `${JSON.stringify({ node: process.version, date: new Date().toISOString(), rows, meetsTarget }, null, 2)}\n`,
);
