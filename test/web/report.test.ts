import { describe, expect, it } from 'vitest';
import type { SimulationResult } from '../../src/fl/simulation/result.js';
import { DEFAULT_SIMULATION_CONFIG } from '../../src/fl/simulation/config.js';
import { REPORT_DATA_ID, buildReportHtml, commandLine, escapeHtml, jsonForScript } from '../../src/web/report.js';
import { loadChartJsSource } from '../../src/web/report-assets.js';

/** A hand-made result with distinctive numbers, so the test can find them in the page. */
function sampleResult(): SimulationResult {
  const rounds = [1, 2, 3].map((round) => ({
    round,
    accuracy: 0.9 + round * 0.0123,
    loss: 0.5 - round * 0.0457,
    auc: 0.95,
    trainLoss: 0.4,
    participants: ['client-0', 'client-1'],
    failures: [],
    numExamples: 40,
    durationMs: 12,
  }));
  return {
    config: { ...DEFAULT_SIMULATION_CONFIG, rounds: 3, clients: 2, label: 'diagnosis</script><b>' },
    dataset: { name: 'breast-cancer', numFeatures: 30, numClasses: 2, classNames: ['benign', 'malignant'], trainExamples: 40, testExamples: 10, testSet: 'split' },
    model: { spec: 'logreg', numParameters: 62 },
    strategy: 'FedAvg',
    partition: {
      spec: 'dirichlet:0.5',
      clientIds: ['client-0', 'client-1'],
      classNames: ['benign', 'malignant'],
      clients: [
        { client: 0, examples: 25, labelCounts: [20, 5] },
        { client: 1, examples: 15, labelCounts: [3, 12] },
      ],
    },
    initial: { accuracy: 0.5, loss: 0.69 },
    rounds,
    final: { accuracy: rounds[2]!.accuracy, loss: rounds[2]!.loss, auc: 0.95 },
    centralized: {
      accuracy: 0.96,
      loss: 0.2,
      epochs: 3,
      rounds: [1, 2, 3].map((round) => ({ round, accuracy: 0.9 + round * 0.02, loss: 0.4 - round * 0.06, trainLoss: 0.3 })),
      durationMs: 30,
    },
    timing: { totalMs: 1234, federatedMs: 1000, workers: 2, backend: 'wasm' },
  };
}

const FAKE_CHART_JS = '/* chart.js stand-in */ window.__chartLoaded = true;';

/** Runs the page's scripts against stubs, returning the Chart configurations they built. */
function renderCharts(html: string): { id: string; config: { type: string; data: { labels: unknown[]; datasets: { label: string; data: number[] }[] } } }[] {
  const data = new RegExp(`<script type="application/json" id="${REPORT_DATA_ID}">([\\s\\S]*?)</script>`).exec(html)?.[1];
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
  const render = scripts[scripts.length - 1] as string;
  const charts: { id: string; config: never }[] = [];
  const document = {
    documentElement: {},
    getElementById: (id: string) => (id === REPORT_DATA_ID ? { textContent: data } : { id }),
  };
  class Chart {
    constructor(canvas: { id: string }, config: never) {
      charts.push({ id: canvas.id, config });
    }
  }
  const getComputedStyle = () => ({ getPropertyValue: () => '' });
  new Function('document', 'getComputedStyle', 'Chart', render)(document, getComputedStyle, Chart);
  return charts;
}

describe('buildReportHtml', () => {
  const result = sampleResult();
  const html = buildReportHtml(result, { chartJs: FAKE_CHART_JS, generatedAt: new Date('2025-01-02T03:04:05Z') });

  it('is one self-contained file: no external scripts, styles or fetches', () => {
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*\shref=/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    expect(html).toContain(FAKE_CHART_JS);
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('embeds the run result so the series can be read back', () => {
    const match = new RegExp(`<script type="application/json" id="${REPORT_DATA_ID}">([\\s\\S]*?)</script>`).exec(html);
    const embedded = JSON.parse(match?.[1] ?? 'null') as SimulationResult;
    expect(embedded.rounds.map((r) => r.accuracy)).toEqual(result.rounds.map((r) => r.accuracy));
    expect(embedded.centralized?.rounds.map((r) => r.loss)).toEqual(result.centralized?.rounds.map((r) => r.loss));
  });

  it('draws accuracy and loss per round (federated vs centralised) and stacked label bars', () => {
    const charts = renderCharts(html);
    expect(charts.map((c) => c.id)).toEqual(['accuracy-chart', 'loss-chart', 'labels-chart']);
    const [accuracy, loss, labels] = charts.map((c) => c.config);
    expect(accuracy!.data.labels).toEqual([0, 1, 2, 3]);
    expect(accuracy!.data.datasets[0]!.data).toEqual([0.5, ...result.rounds.map((r) => r.accuracy)]);
    expect(accuracy!.data.datasets[1]!.label).toBe('centralised baseline');
    expect(accuracy!.data.datasets[1]!.data).toEqual([0.5, ...result.centralized!.rounds.map((r) => r.accuracy)]);
    expect(loss!.data.datasets[0]!.data).toEqual([0.69, ...result.rounds.map((r) => r.loss)]);
    expect(labels!.type).toBe('bar');
    expect(labels!.data.labels).toEqual(['client-0', 'client-1']);
    expect(labels!.data.datasets.map((d) => [d.label, d.data])).toEqual([
      ['benign', [20, 3]],
      ['malignant', [5, 12]],
    ]);
    expect((labels as unknown as { options: { scales: { x: { stacked: boolean } } } }).options.scales.x.stacked).toBe(true);
  });

  it('draws only the federated series without a baseline', () => {
    const charts = renderCharts(buildReportHtml({ ...result, centralized: null }, { chartJs: '' }));
    expect(charts[0]!.config.data.datasets).toHaveLength(1);
  });

  it('shows the configuration, the per-client table and the numbers as text', () => {
    expect(html).toContain('<td>dirichlet:0.5</td>');
    expect(html).toContain('<td>client-1</td><td>15</td><td>3</td><td>12</td><td>3</td>');
    expect(html).toContain('93.69 %'); // final federated accuracy 0.9369
    expect(html).toContain('96.00 %');
    expect(html).toContain(escapeHtml(commandLine(result)));
    expect(html).toContain('2025-01-02T03:04:05.000Z');
  });

  it('escapes text so data cannot inject markup or end a script early', () => {
    expect(html).not.toContain('diagnosis</script><b>');
    expect(html).toContain('diagnosis&lt;/script&gt;&lt;b&gt;');
    expect(jsonForScript({ a: '</script>' })).toBe('{"a":"\\u003c/script>"}');
    expect(JSON.parse(jsonForScript({ a: '</script>\u2028' }))).toEqual({ a: '</script>\u2028' });
  });
});

describe('loadChartJsSource', () => {
  it('reads the installed Chart.js UMD bundle, which defines the Chart global', () => {
    const source = loadChartJsSource();
    expect(source).toMatch(/Chart\.js v4/);
    const sandbox: Record<string, unknown> = {};
    new Function('globalThis', 'self', 'window', 'module', 'exports', 'define', source)(sandbox, sandbox, sandbox, undefined, undefined, undefined);
    expect(typeof sandbox.Chart).toBe('function');
  });
});
