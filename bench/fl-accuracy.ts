/**
 * Federated accuracy against the targets of issue 2:
 *   (a) breast cancer, 5 clients Dirichlet 0.5, 20 rounds (the `cohort simulate` defaults):
 *       federated test accuracy ≥ 96 % and within 1.5 points of the centralised baseline;
 *   (b) Fashion-MNIST from ../shared/data/fashion-mnist/, 10 clients Dirichlet 0.5, ≤ 20 rounds
 *       of 1–2 local epochs: ≥ 86 % test accuracy (skipped with a message when the data is absent).
 *
 *   node --import tsx bench/fl-accuracy.ts [breast-cancer] [fashion-mnist]
 *   COHORT_BENCH_NO_CENTRAL=1 skips Fashion-MNIST's centralised baseline (it doubles the time).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulation, type SimulationConfig, type SimulationResult } from '../src/fl/simulation/index.js';
import { commandLine } from '../src/web/report.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(benchDir, '..');
const fashionDir = join(projectRoot, '..', 'shared', 'data', 'fashion-mnist');
const workers = Math.min(2, availableParallelism());

interface Case {
  readonly name: string;
  readonly config: Partial<SimulationConfig>;
  readonly targetAccuracy: number;
  /** Largest allowed gap to the centralised baseline, in points (undefined: not a target). */
  readonly maxGapPoints?: number;
  readonly skip?: string;
}

const cases: Case[] = [
  {
    name: 'breast-cancer',
    config: { workers }, // exactly the `cohort simulate` defaults
    targetAccuracy: 0.96,
    maxGapPoints: 1.5,
  },
  {
    name: 'fashion-mnist',
    config: {
      data: `idx:${relative(process.cwd(), fashionDir) || '.'}`,
      model: 'mlp:256,128',
      clients: 10,
      partition: 'dirichlet:0.5',
      strategy: 'fedavg',
      rounds: 20,
      localEpochs: 1,
      batchSize: 64,
      optimizer: 'adam',
      learningRate: 0.001,
      seed: 42,
      workers,
      centralized: process.env['COHORT_BENCH_NO_CENTRAL'] === undefined,
    },
    targetAccuracy: 0.86,
    ...(existsSync(join(fashionDir, 'train-images-idx3-ubyte.gz')) ? {} : { skip: `Fashion-MNIST not found in ${fashionDir}` }),
  },
];

/** The command that reproduces a benchmark run: the report's command line plus the bench's execution flags. */
function command(result: SimulationResult): string {
  const c = result.config;
  return [commandLine(result), `--workers ${c.workers}`, ...(c.centralized ? [] : ['--no-centralized'])].join(' ');
}

const only = process.argv.slice(2);
const rows: Record<string, unknown>[] = [];
for (const entry of cases) {
  if (only.length > 0 && !only.includes(entry.name)) continue;
  if (entry.skip) {
    process.stdout.write(`${entry.name}: skipped (${entry.skip})\n`);
    rows.push({ name: entry.name, skipped: entry.skip });
    continue;
  }
  process.stdout.write(`${entry.name}: running…\n`);
  const { result } = await runSimulation(entry.config, {
    onRound: (round, total) => process.stdout.write(`  round ${round.round}/${total}: accuracy ${(round.accuracy * 100).toFixed(2)} %, loss ${round.loss.toFixed(4)}, ${(round.durationMs / 1000).toFixed(1)} s\n`),
  });
  rows.push(summarize(entry, result));
}

function summarize(entry: Case, result: SimulationResult): Record<string, unknown> {
  const federated = result.final.accuracy;
  const centralized = result.centralized?.accuracy;
  const gapPoints = centralized === undefined ? undefined : (centralized - federated) * 100;
  const accuracyMet = federated >= entry.targetAccuracy;
  const gapMet = entry.maxGapPoints === undefined || (gapPoints !== undefined && gapPoints <= entry.maxGapPoints);
  return {
    name: entry.name,
    command: command(result),
    federatedAccuracy: federated,
    centralizedAccuracy: centralized ?? null,
    gapPoints: gapPoints ?? null,
    targetAccuracy: entry.targetAccuracy,
    maxGapPoints: entry.maxGapPoints ?? null,
    met: accuracyMet && gapMet,
    rounds: result.rounds.length,
    seconds: result.timing.totalMs / 1000,
    federatedSeconds: result.timing.federatedMs / 1000,
    workers: result.timing.workers,
    backend: result.timing.backend,
    perRoundAccuracy: result.rounds.map((round) => round.accuracy),
  };
}

const pct = (x: unknown) => (typeof x === 'number' ? `${(x * 100).toFixed(2)} %` : '–');
const table = [['case', 'federated', 'centralised', 'gap (points)', 'target', 'met', 'time (s)']];
for (const row of rows) {
  if (row['skipped']) {
    table.push([String(row['name']), 'skipped', '', '', '', '', '']);
    continue;
  }
  const target = `≥ ${pct(row['targetAccuracy'])}${row['maxGapPoints'] === null ? '' : `, gap ≤ ${row['maxGapPoints']}`}`;
  table.push([
    String(row['name']),
    pct(row['federatedAccuracy']),
    pct(row['centralizedAccuracy']),
    typeof row['gapPoints'] === 'number' ? (row['gapPoints'] as number).toFixed(2) : '–',
    target,
    row['met'] ? 'yes' : 'NO',
    (row['seconds'] as number).toFixed(1),
  ]);
}
const widths = table[0]!.map((_, j) => Math.max(...table.map((r) => (r[j] ?? '').length)));
process.stdout.write(`\n${table.map((r) => r.map((c, j) => c.padEnd(widths[j]!)).join('  ').trimEnd()).join('\n')}\n`);
for (const row of rows) if (row['command']) process.stdout.write(`\n${row['name']}: ${row['command']}\n`);

const resultsDir = join(benchDir, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'fl-accuracy.json'), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`);
