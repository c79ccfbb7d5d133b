import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBoundsSpec, parseQuantilesSpec, type DescribeSummary } from '../../src/cli/commands/dp-describe.js';
import { runCli } from './run-cli.js';

const folder = mkdtempSync(join(tmpdir(), 'cohort-describe-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));


// Iris (Fisher 1936, as bundled): column means 5.843, 3.057, 3.758, 1.199; 50 flowers per species.
const IRIS_MEANS = [5.843, 3.057, 3.758, 1.199];

describe('cohort dp describe', () => {
  it('prints a readable table with the budget split (DP bounds by default)', async () => {
    const { code, stdout, stderr } = await runCli(['dp', 'describe', '--data', 'iris', '--epsilon', '1']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/DP summary of iris/);
    expect(stdout).toMatch(/over 26 queries by basic composition: ε = 0\.02941 each \(DP bounds: 0\.08824\)/);
    expect(stdout).toMatch(/column\s+bounds\s+mean\s+std\s+q0\.25\s+q0\.5\s+q0\.75/);
    for (const name of ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']) expect(stdout).toMatch(new RegExp(`\\n${name}\\s+\\[`));
    expect(stdout).toMatch(/label histogram:\n\s+setosa\s+\d+\n\s+versicolor\s+\d+\n\s+virginica\s+\d+/);
  });

  it('emits JSON whose split composes to the budget, with clamped and ordered outputs', async () => {
    const { code, stdout } = await runCli(['dp', 'describe', '--data', 'iris', '--epsilon', '2', '--delta', '1e-6', '--json']);
    expect(code).toBe(0);
    const s = JSON.parse(stdout) as DescribeSummary;
    expect(s.queries).toBe(26);
    expect(s.split).toHaveLength(26);
    const epsilonSum = s.split.reduce((a, p) => a + p.epsilon, 0);
    const deltaSum = s.split.reduce((a, p) => a + p.delta, 0);
    expect(epsilonSum).toBeLessThanOrEqual(2);
    expect(epsilonSum).toBeCloseTo(2, 9);
    expect(deltaSum).toBeLessThanOrEqual(1e-6);
    expect(deltaSum).toBeCloseTo(1e-6, 15);
    expect(s.epsilon).toBeCloseTo(2, 9);
    // Gaussian queries carry δ; quantiles and bounds are pure.
    expect(s.split.filter((p) => p.delta > 0).map((p) => p.query)).toEqual([
      'count',
      ...['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].flatMap((c) => [`${c}: sum`, `${c}: sum of squares`]),
      'label histogram',
    ]);
    for (const c of s.columns) {
      expect(c.bounds.source).toBe('dp');
      expect(c.mean).toBeGreaterThanOrEqual(c.bounds.lower);
      expect(c.mean).toBeLessThanOrEqual(c.bounds.upper);
      expect(c.std).toBeGreaterThanOrEqual(0);
      const q = [c.quantiles['0.25'], c.quantiles['0.5'], c.quantiles['0.75']] as number[];
      expect(q).toEqual([...q].sort((a, b) => a - b));
    }
    expect(Object.keys(s.label.histogram)).toEqual(['setosa', 'versicolor', 'virginica']);
  });

  // Runs on the CSPRNG (the CLI never takes a seed): at ε ≈ 143 per query the noise scales are
  // below 0.1, so the tolerances fail with probability far below 1e-100.
  it('is accurate with a large budget and public bounds', async () => {
    const { code, stdout } = await runCli(['dp', 'describe', '--data', 'iris', '--epsilon', '2000', '--bounds', '0:10', '--quantiles', '0.5', '--json']);
    expect(code).toBe(0);
    const s = JSON.parse(stdout) as DescribeSummary;
    expect(s.queries).toBe(14); // 1 count + 4 × (sum, squares, median) + 1 histogram
    s.columns.forEach((c, j) => {
      expect(c.bounds).toEqual({ lower: 0, upper: 10, source: 'flag' });
      expect(Math.abs(c.mean - (IRIS_MEANS[j] as number))).toBeLessThan(0.05);
    });
    for (const n of Object.values(s.label.histogram)) expect(Math.abs(n - 50)).toBeLessThanOrEqual(3);
    expect(Math.abs(s.count - 150)).toBeLessThanOrEqual(3);
  });

  it('reads CSV files with per-column bounds', async () => {
    const path = join(folder, 'small.csv');
    writeFileSync(path, 'age,income,outcome\n30,100,yes\n40,200,no\n50,300,yes\n60,400,no\n');
    const { code, stdout, stderr } = await runCli([
      'dp', 'describe', '--data', `csv:${path}`, '--label', 'outcome', '--epsilon', '1', '--bounds', 'age=0:120,income=0:1000', '--json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const s = JSON.parse(stdout) as DescribeSummary;
    expect(s.columns.map((c) => [c.name, c.bounds.lower, c.bounds.upper])).toEqual([
      ['age', 0, 120],
      ['income', 0, 1000],
    ]);
    expect(s.label.name).toBe('outcome');
  });

  for (const [argv, pattern] of [
    [['--epsilon', '0'], /^cohort: --epsilon must be greater than 0 \(got "0"\)\n$/],
    [['--epsilon', 'lots'], /^cohort: --epsilon must be a number \(got "lots"\)\n$/],
    [['--epsilon', '1', '--delta', '1'], /^cohort: --delta must be less than 1 \(got "1"\)\n$/],
    [['--epsilon', '1', '--bounds', '5:1'], /^cohort: --bounds needs LO < HI in "5:1" \(got "5:1"\)\n$/],
    [['--epsilon', '1', '--bounds', 'height=0:1'], /^cohort: --bounds names "height", not a column; columns: sepal_length/],
    [['--epsilon', '1', '--quantiles', '0.5,2'], /^cohort: --quantiles must be numbers in \[0, 1\]/],
    [['--epsilon', '1', '--max-contributions', '0'], /^cohort: --max-contributions must be at least 1 \(got "0"\)\n$/],
  ] as const) {
    it(`refuses ${argv.join(' ')} with exit 2 and one line`, async () => {
      const { code, stdout, stderr } = await runCli(['dp', 'describe', '--data', 'iris', ...argv]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(pattern);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    });
  }

  it('refuses an unknown data set', async () => {
    const { code, stderr } = await runCli(['dp', 'describe', '--data', 'nope', '--epsilon', '1']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown data set "nope"/);
  });
});

describe('flag parsers', () => {
  it('parses bounds specs', () => {
    expect([...parseBoundsSpec('-5:5')]).toEqual([['*', { lower: -5, upper: 5 }]]);
    expect([...parseBoundsSpec('a=0:1, b=-1e3:2e3,0:9')]).toEqual([
      ['a', { lower: 0, upper: 1 }],
      ['b', { lower: -1000, upper: 2000 }],
      ['*', { lower: 0, upper: 9 }],
    ]);
    expect(() => parseBoundsSpec('a=0:1,a=0:2')).toThrow(/names "a" twice/);
    expect(() => parseBoundsSpec('0-1')).toThrow(/must be LO:HI/);
  });

  it('parses quantile lists', () => {
    expect(parseQuantilesSpec('0.75,0.25,0.5,0.5')).toEqual([0.25, 0.5, 0.75]);
    expect(() => parseQuantilesSpec('')).toThrow(/--quantiles/);
  });
});
