import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SweepResult } from '../../src/fl/simulation/sweep.js';
import { SWEEP_DATA_ID } from '../../src/web/report-sweep.js';
import { runCli } from './run-cli.js';

const folder = mkdtempSync(join(tmpdir(), 'cohort-sweep-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const quick = ['--rounds', '3', '--workers', '0'];

interface ChartConfig {
  type: string;
  data: { datasets: { label: string; data: { x: number; y: number }[] }[] };
  options: { scales: { x: { type: string } } };
}

/** Runs the report's last script against a stub Chart, returning the charts it built. */
function renderCharts(html: string): { id: string; config: ChartConfig }[] {
  const data = new RegExp(`<script type="application/json" id="${SWEEP_DATA_ID}">([\\s\\S]*?)</script>`).exec(html)?.[1];
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
  const charts: { id: string; config: ChartConfig }[] = [];
  const document = { documentElement: {}, getElementById: (id: string) => (id === SWEEP_DATA_ID ? { textContent: data } : { id }) };
  class Chart {
    constructor(canvas: { id: string }, config: ChartConfig) {
      charts.push({ id: canvas.id, config });
    }
  }
  const getComputedStyle = () => ({ getPropertyValue: () => '' });
  new Function('document', 'getComputedStyle', 'Chart', scripts[scripts.length - 1] as string)(document, getComputedStyle, Chart);
  return charts;
}

describe('cohort sweep', () => {
  it('trains at each budget and the non-private baseline, and writes JSON and a report with the privacy–utility curve', async () => {
    const json = join(folder, 'sweep.json');
    const report = join(folder, 'sweep.html');
    const { code, stdout, stderr } = await runCli(['sweep', ...quick, '--epsilons', '8,1,inf', '--dp', 'user', '--delta', '0.001', '--clip', '0.5', '--json', json, '--report', report]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const sweep = JSON.parse(readFileSync(json, 'utf8')) as SweepResult;
    expect(sweep.epsilons).toEqual([1, 8, null]);
    expect(sweep.points.map((point) => point.targetEpsilon)).toEqual([1, 8, null]);
    expect(sweep.points[0]!.epsilon).toBeLessThanOrEqual(1);
    expect(sweep.points[0]!.epsilon).toBeGreaterThan(0.99);
    expect(sweep.points[1]!.epsilon).toBeLessThanOrEqual(8);
    // More budget, less noise.
    expect(sweep.points[0]!.noiseMultiplier).toBeGreaterThan(sweep.points[1]!.noiseMultiplier!);
    expect(sweep.points[2]).toMatchObject({ epsilon: null, noiseMultiplier: null, rounds: 3 });
    expect(sweep.runs).toHaveLength(3);
    expect(sweep.runs[0]!.privacy).toBeUndefined();
    expect(sweep.runs[1]!.privacy?.budgetEpsilon).toBe(1);
    expect(sweep.baseline.federated.accuracy).toBe(sweep.runs[0]!.final.accuracy);
    expect(sweep.baseline.centralized?.accuracy).toBe(sweep.runs[0]!.centralized?.accuracy);
    expect(stdout).toMatch(/budget ε\s+ε spent\s+noise multiplier\s+accuracy\s+rounds/);
    expect(stdout).toMatch(/inf \(non-private\)/);
    expect(stdout).toContain(`report: ${report}`);

    const html = readFileSync(report, 'utf8');
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).toContain('<canvas id="privacy-utility-chart"');
    expect(html).toContain('--epsilons 1,8,inf --dp user --delta 0.001 --clip 0.5 --accountant rdp');
    const charts = renderCharts(html);
    expect(charts.map((chart) => chart.id)).toEqual(['privacy-utility-chart']);
    const chart = charts[0]!.config;
    expect(chart.options.scales.x.type).toBe('logarithmic');
    const [curve, open, central] = chart.data.datasets;
    expect(curve!.data).toEqual([
      { x: sweep.points[0]!.epsilon, y: sweep.points[0]!.accuracy },
      { x: sweep.points[1]!.epsilon, y: sweep.points[1]!.accuracy },
    ]);
    expect(open!.label).toBe('non-private federated');
    expect(open!.data.every((p) => p.y === sweep.baseline.federated.accuracy)).toBe(true);
    expect(central!.label).toBe('centralised (non-private)');
  });

  const bad: [string, string[], RegExp][] = [
    ['ε = 0 in the list', ['--epsilons', '0,1', '--dp', 'user', '--delta', '0.001', '--clip', '1'], /^cohort: --epsilons must be numbers > 0 or inf \("0" is not\) \(got "0,1"\)$/],
    ['only inf', ['--epsilons', 'inf', '--dp', 'user', '--delta', '0.001', '--clip', '1'], /^cohort: --epsilons must be a list with at least one finite ε \(got "inf"\)$/],
    ['malformed list', ['--epsilons', '1,,2', '--dp', 'user', '--delta', '0.001', '--clip', '1'], /^cohort: --epsilons must be a comma-separated list/],
    ['no --dp', ['--epsilons', '1,2'], /^cohort: --dp must be given: sample or user/],
    ['no --clip', ['--epsilons', '1,2', '--dp', 'sample', '--delta', '0.001'], /^cohort: --dp sample needs --clip C/],
    ['clip 0', ['--epsilons', '1,2', '--dp', 'sample', '--delta', '0.001', '--clip', '0'], /^cohort: --clip must be greater than 0 \(got "0"\)$/],
    ['δ ≥ 1/clients', ['--epsilons', '1,2', '--dp', 'user', '--delta', '0.5', '--clip', '1', '--no-centralized'], /^cohort: --delta 0.5 must be below 1\/n = 0.2 for user-level DP/],
  ];

  it.each(bad)('bad input → exit 2, one line naming the flag: %s', async (_name, args, message) => {
    const { code, stdout, stderr } = await runCli(['sweep', ...quick, '--no-report', ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('does not take --target-epsilon (the budgets come from --epsilons)', async () => {
    const { code, stderr } = await runCli(['sweep', ...quick, '--no-report', '--epsilons', '1', '--dp', 'user', '--delta', '0.001', '--clip', '1', '--target-epsilon', '2']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--target-epsilon/);
  });
});
