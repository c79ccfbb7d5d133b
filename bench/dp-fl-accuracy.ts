/**
 * Accuracy of private federated learning (issue 4):
 *   (a) target — breast cancer, 5 hospitals (the `cohort simulate` defaults: Dirichlet 0.5, 20
 *       rounds × 2 local epochs, logreg, SGD 0.1, batch 16), sample-level ("local") DP: every
 *       hospital trains with DP-SGD at ε = 1, δ = 1e-5 for its own records: ≥ 94 % test accuracy.
 *       Run on ten seeds (split, partition and initialisation change; the DP noise comes from the
 *       CSPRNG and is never seeded). No hyperparameter was tuned for DP: a small grid (clip 0.5/1/2,
 *       batch 16/32/64, learning rate 0.1-0.3, 1-2 local epochs, 10-20 rounds) moved the mean by
 *       less than the seed-to-seed spread, so the defaults stand.
 *   (b) reference — user-level DP-FedAvg on the same federation at several ε (δ = 1e-3 < 1/5).
 *       With 5 clients the sum of updates has sensitivity C against a signal of at most 5C, so the
 *       noise needed for a small ε swamps it: user-level DP needs hundreds of clients to be useful.
 *
 *   node --import tsx bench/dp-fl-accuracy.ts [local] [user]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulation, type DpSimulationConfig, type SimulationConfig, type SimulationResult } from '../src/fl/simulation/index.js';
import { commandLine } from '../src/web/report.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const workers = Math.min(2, availableParallelism());
const seeds = [42, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const only = process.argv.slice(2);

interface Row {
  readonly case: string;
  readonly seed: number;
  readonly targetEpsilon: number | null;
  readonly epsilon: number | null;
  readonly delta: number | null;
  readonly noiseMultiplier: number | null;
  readonly accuracy: number;
  readonly centralizedAccuracy: number | null;
  readonly seconds: number;
  readonly command: string;
}

const rows: Row[] = [];

async function run(name: string, config: Partial<SimulationConfig>): Promise<SimulationResult> {
  const { result } = await runSimulation({ workers, ...config });
  const privacy = result.privacy;
  const row: Row = {
    case: name,
    seed: result.config.seed,
    targetEpsilon: privacy?.budgetEpsilon ?? null,
    epsilon: privacy?.epsilon ?? null,
    delta: privacy?.delta ?? null,
    noiseMultiplier: privacy?.noiseMultiplier ?? null,
    accuracy: result.final.accuracy,
    centralizedAccuracy: result.centralized?.accuracy ?? null,
    seconds: result.timing.totalMs / 1000,
    command: commandLine(result),
  };
  rows.push(row);
  process.stdout.write(
    `  ${name.padEnd(28)} seed ${String(row.seed).padStart(2)}  ε ${row.epsilon === null ? '   –  ' : row.epsilon.toFixed(3)}  σ ${row.noiseMultiplier === null ? '  –  ' : row.noiseMultiplier.toFixed(2).padStart(5)}  accuracy ${(row.accuracy * 100).toFixed(2)} %  (${row.seconds.toFixed(1)} s)\n`,
  );
  return result;
}

const local: DpSimulationConfig = { level: 'sample', targetEpsilon: 1, delta: 1e-5, clippingNorm: 1, adaptiveClipping: false, accountant: 'rdp' };

if (only.length === 0 || only.includes('local')) {
  process.stdout.write('(a) breast cancer, 5 hospitals, local DP-SGD at ε = 1, δ = 1e-5 (target ≥ 94 %)\n');
  for (const seed of seeds) await run('local DP ε=1', { seed, centralized: false, dp: local });
  process.stdout.write('    non-private reference (same settings, no DP):\n');
  for (const seed of seeds) await run('non-private', { seed, centralized: true });
}

if (only.length === 0 || only.includes('user')) {
  process.stdout.write('(b) reference: user-level DP-FedAvg, 5 clients, δ = 1e-3, clip 0.5 (weak with 5 clients)\n');
  for (const targetEpsilon of [1, 4, 16, 64]) {
    for (const seed of seeds.slice(0, 3)) {
      await run(`user DP ε=${targetEpsilon}`, { seed, centralized: false, dp: { level: 'user', targetEpsilon, delta: 1e-3, clippingNorm: 0.5, adaptiveClipping: false, accountant: 'rdp' } });
    }
  }
}

function summary(name: string): { name: string; runs: number; mean: number; min: number; max: number } | undefined {
  const selected = rows.filter((row) => row.case === name);
  if (selected.length === 0) return undefined;
  const accuracies = selected.map((row) => row.accuracy);
  return { name, runs: selected.length, mean: accuracies.reduce((a, b) => a + b, 0) / accuracies.length, min: Math.min(...accuracies), max: Math.max(...accuracies) };
}

const summaries = [...new Set(rows.map((row) => row.case))].map(summary).filter((s) => s !== undefined);
process.stdout.write('\ncase                          runs    mean     min     max\n');
for (const s of summaries) {
  process.stdout.write(`${s.name.padEnd(28)} ${String(s.runs).padStart(5)}  ${(s.mean * 100).toFixed(2)}  ${(s.min * 100).toFixed(2)}  ${(s.max * 100).toFixed(2)}\n`);
}
const localSummary = summary('local DP ε=1');
if (localSummary) {
  process.stdout.write(`\nlocal DP ε = 1 target ≥ 94 %: ${localSummary.min >= 0.94 ? 'met on every seed' : localSummary.mean >= 0.94 ? 'met on average, not on every seed' : 'NOT met'}\n`);
}

mkdirSync(join(benchDir, 'results'), { recursive: true });
const out = join(benchDir, 'results', 'dp-fl-accuracy.json');
writeFileSync(out, `${JSON.stringify({ workers, seeds, summaries, rows }, null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
