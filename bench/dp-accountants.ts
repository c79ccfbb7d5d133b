/**
 * Privacy accountants and calibration (issue 3 "Numbers to reach"):
 *   - RDP ε for 10,000 Poisson-subsampled Gaussian steps        target < 5 ms
 *   - PLD ε for 10,000 steps at discretisation 1e-4              target < 1 s
 *   - noise-multiplier calibration with RDP                      target < 200 ms
 *
 *   node --import tsx bench/dp-accountants.ts [--runs N]
 *
 * Each case builds a fresh accountant every run (nothing cached between runs), after one warm-up run
 * for the JIT, and reports the median and the best of N runs (default 5; 3 for PLD) by wall clock and
 * by this process's CPU time (steadier on a shared machine). The reference libraries (Opacus,
 * dp_accounting) are Python and are not run here; their published answers are checked by the tests.
 * Writes bench/results/dp-accountants.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { PldAccountant } from '../src/dp/accountants/pld.js';
import { RdpAccountant } from '../src/dp/accountants/rdp.js';
import { noiseMultiplierForEpsilon } from '../src/dp/calibration/noise-multiplier.js';

interface Row {
  readonly case: string;
  readonly targetMs: number | null;
  readonly medianWallMs: number;
  readonly bestWallMs: number;
  readonly medianCpuMs: number;
  readonly runs: number;
  readonly result: string;
}

const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag >= 0 ? Number(process.argv[runsFlag + 1]) : 5;
if (!(Number.isInteger(runs) && runs >= 1)) throw new Error(`--runs must be a positive integer (got ${process.argv[runsFlag + 1]})`);

const rows: Row[] = [];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function measure(name: string, targetMs: number | null, count: number, work: () => string): void {
  work(); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  let result = '';
  for (let i = 0; i < count; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    result = work();
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  rows.push({
    case: name,
    targetMs,
    medianWallMs: median(wall),
    bestWallMs: Math.min(...wall),
    medianCpuMs: median(cpu),
    runs: count,
    result,
  });
}

const step = { kind: 'poisson-gaussian', noiseMultiplier: 1.1, sampleRate: 0.01, steps: 10_000 } as const;
const delta = 1e-5;

measure('RDP ε, 10,000 steps (σ=1.1, q=0.01, δ=1e-5)', 5, runs, () => {
  const report = new RdpAccountant().compose(step).report(delta);
  return `ε = ${report.epsilon.toFixed(4)} (order ${report.optimalOrder})`;
});

measure('PLD ε, 10,000 steps, h=1e-4 (σ=1.1, q=0.01, δ=1e-5)', 1000, Math.min(runs, 3), () => {
  const epsilon = new PldAccountant({ discretisation: 1e-4 }).compose(step).getEpsilon(delta);
  return `ε = ${epsilon.toFixed(4)}`;
});

measure('noise calibration, RDP (ε=8, q=0.04, 2,250 steps, δ=1e-5)', 200, runs, () => {
  const result = noiseMultiplierForEpsilon({ targetEpsilon: 8, sampleRate: 0.04, steps: 2250, delta });
  return `σ = ${result.noiseMultiplier.toFixed(5)}, ε = ${result.epsilon.toFixed(5)}`;
});

measure('noise calibration, RDP (ε=1, q=0.01, 10,000 steps, δ=1e-5)', 200, runs, () => {
  const result = noiseMultiplierForEpsilon({ targetEpsilon: 1, sampleRate: 0.01, steps: 10_000, delta });
  return `σ = ${result.noiseMultiplier.toFixed(5)}, ε = ${result.epsilon.toFixed(5)}`;
});

measure('PLD ε, full batch (q=1, σ=2, 100 steps: exact Gaussian)', null, runs, () => {
  const epsilon = new PldAccountant().compose({ kind: 'gaussian', noiseMultiplier: 2, count: 100 }).getEpsilon(delta);
  return `ε = ${epsilon.toFixed(7)}`;
});

measure('noise calibration, PLD h=1e-4 (ε=8, q=0.04, 2,250 steps)', null, 1, () => {
  const result = noiseMultiplierForEpsilon({ targetEpsilon: 8, sampleRate: 0.04, steps: 2250, delta, accountant: 'pld' });
  return `σ = ${result.noiseMultiplier.toFixed(5)}, ε = ${result.epsilon.toFixed(5)}`;
});

const header = ['case', 'target ms', 'median ms', 'best ms', 'CPU ms', 'runs', 'result'];
const table = rows.map((row) => [
  row.case,
  row.targetMs === null ? '-' : String(row.targetMs),
  row.medianWallMs.toFixed(1),
  row.bestWallMs.toFixed(1),
  row.medianCpuMs.toFixed(1),
  String(row.runs),
  row.result,
]);
const widths = header.map((h, j) => Math.max(h.length, ...table.map((r) => (r[j] as string).length)));
const line = (cells: string[]): string => cells.map((cell, j) => cell.padEnd(widths[j] as number)).join('  ').trimEnd();
process.stdout.write(`${[line(header), ...table.map(line)].join('\n')}\n`);

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/dp-accountants.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`,
);
