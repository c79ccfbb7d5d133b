/**
 * `cohort dp describe --data <name|csv:PATH> [--label COLUMN] --epsilon E [--delta D]
 *   [--bounds SPEC] [--quantiles LIST] [--max-contributions K] [--json]`
 *
 * A differentially private summary of every column: one noisy record count; per numeric column
 * mean and standard deviation (noisy centred sums, src/dp/statistics/mean-variance.ts) and
 * quantiles (exponential mechanism); a noisy histogram of the label column.
 *
 * Budget: basic composition. Every query gets one share of ε, except a DP bounds pass, which gets
 * BOUNDS_SHARES shares (it must find the bulk of the data among ~200 bins, so it needs more); with
 * W shares in all a share is ε/W. δ (when given) is split equally over the Gaussian queries
 * (count, sums, histogram); quantiles and bounds are pure ε. Clamping bounds never come from the
 * private data: take them from --bounds, or (default) from a DP approximate-bounds pass per column
 * (power-of-two bins, src/dp/statistics/bounds.ts). The label categories are the data set's class names — public schema for the
 * bundled data sets; for a CSV file they are read from the file (see docs/dp-mechanisms.md).
 * Nothing exact about the data is printed: not even the number of rows.
 */
import type { Command } from 'commander';
import { CohortError } from '../../errors.js';
import { loadDataset, type Dataset } from '../../data/index.js';
import { composeBasic, type PrivacyGuarantee } from '../../dp/mechanisms/index.js';
import {
  dpApproximateBounds,
  dpCount,
  dpHistogram,
  dpQuantiles,
  dpSum,
  dpSumOfSquares,
  meanAndVarianceFromNoisySums,
  type PrivacyOptions,
} from '../../dp/statistics/index.js';
import { numberFlag } from '../parse-flags.js';

export interface DescribeOptions {
  readonly epsilon: number;
  readonly delta?: number;
  /** Public bounds per column name; '*' applies to every column not named. */
  readonly bounds?: ReadonlyMap<string, { lower: number; upper: number }>;
  readonly quantiles: readonly number[];
  readonly maxContributions: number;
  readonly labelName?: string;
}

export interface ColumnSummary {
  readonly name: string;
  readonly bounds: { readonly lower: number; readonly upper: number; readonly source: 'flag' | 'dp' };
  readonly mean: number;
  readonly std: number;
  readonly quantiles: Readonly<Record<string, number>>;
}

/** Shares of ε given to one DP bounds pass (every other query gets 1). */
export const BOUNDS_SHARES = 3;

export interface BudgetShare {
  readonly query: string;
  readonly epsilon: number;
  readonly delta: number;
}

export interface DescribeSummary {
  readonly dataset: string;
  readonly epsilon: number;
  readonly delta: number;
  readonly composition: 'basic';
  readonly queries: number;
  /** ε of one share: every query but a bounds pass spends one share. */
  readonly epsilonPerQuery: number;
  readonly epsilonPerBoundsQuery: number;
  readonly deltaPerGaussianQuery: number;
  readonly split: readonly BudgetShare[];
  readonly count: number;
  readonly columns: readonly ColumnSummary[];
  readonly label: { readonly name: string; readonly histogram: Readonly<Record<string, number>> };
  readonly guarantee: PrivacyGuarantee;
}

/** Parses `lo:hi` or `col=lo:hi,…` (a bare `lo:hi` applies to every column not named). */
export function parseBoundsSpec(raw: string): Map<string, { lower: number; upper: number }> {
  const fail = (why: string): never => {
    throw new CohortError('INVALID_ARGUMENT', `--bounds ${why} (got ${JSON.stringify(raw)})`, { subject: '--bounds' });
  };
  const result = new Map<string, { lower: number; upper: number }>();
  if (raw.trim() === '') fail('must be LO:HI or COLUMN=LO:HI,…');
  for (const item of raw.split(',')) {
    const eq = item.lastIndexOf('=');
    const column = eq >= 0 ? item.slice(0, eq).trim() : '*';
    const range = (eq >= 0 ? item.slice(eq + 1) : item).trim();
    const m = /^(.+?):(.+)$/.exec(range);
    if (column === '' || m === null) fail('must be LO:HI or COLUMN=LO:HI,…');
    const lower = Number((m as RegExpExecArray)[1]);
    const upper = Number((m as RegExpExecArray)[2]);
    if (!Number.isFinite(lower) || !Number.isFinite(upper)) fail(`needs finite numbers in ${JSON.stringify(range)}`);
    if (!(lower < upper)) fail(`needs LO < HI in ${JSON.stringify(range)}`);
    if (result.has(column)) fail(`names ${column === '*' ? 'the default range' : JSON.stringify(column)} twice`);
    result.set(column, { lower, upper });
  }
  return result;
}

export function parseQuantilesSpec(raw: string): number[] {
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (raw.trim() === '' || values.some((q) => !Number.isFinite(q) || q < 0 || q > 1)) {
    throw new CohortError('INVALID_ARGUMENT', `--quantiles must be numbers in [0, 1] separated by commas (got ${JSON.stringify(raw)})`, {
      subject: '--quantiles',
    });
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

function column(data: Dataset, j: number): Float64Array {
  const out = new Float64Array(data.numExamples);
  for (let i = 0; i < data.numExamples; i++) out[i] = data.features[i * data.numFeatures + j] as number;
  return out;
}

/** Runs every query of the summary (pure: the CSPRNG is the only randomness). */
export function describeDataset(data: Dataset, options: DescribeOptions): DescribeSummary {
  const names = data.featureNames;
  for (const key of options.bounds?.keys() ?? []) {
    if (key !== '*' && !names.includes(key)) {
      throw new CohortError('INVALID_ARGUMENT', `--bounds names ${JSON.stringify(key)}, not a column; columns: ${names.join(', ')}`, {
        subject: '--bounds',
      });
    }
  }
  const boundsFor = (name: string) => options.bounds?.get(name) ?? options.bounds?.get('*');
  const needsBoundsPass = names.filter((n) => boundsFor(n) === undefined).length;
  const numeric = names.length;
  const perColumn = 2 + options.quantiles.length;
  const shares = 1 + numeric * perColumn + BOUNDS_SHARES * needsBoundsPass + 1;
  const gaussianQueries = 1 + 2 * numeric + 1;
  // A hair below ε/W so that the floating-point sum of the parts never exceeds the total.
  const epsilonPerQuery = (options.epsilon / shares) * (1 - 1e-12);
  const deltaPerGaussian = options.delta === undefined ? 0 : (options.delta / gaussianQueries) * (1 - 1e-12);
  const gaussian: PrivacyOptions = {
    epsilon: epsilonPerQuery,
    maxContributions: options.maxContributions,
    ...(options.delta !== undefined ? { delta: deltaPerGaussian } : {}),
  };
  const pure: PrivacyOptions = { epsilon: epsilonPerQuery, maxContributions: options.maxContributions };
  const split: BudgetShare[] = [];
  const guarantees: PrivacyGuarantee[] = [];
  const record = (query: string, g: PrivacyGuarantee) => {
    split.push({ query, epsilon: g.epsilon, delta: g.delta });
    guarantees.push(g);
  };

  const count = dpCount(data.numExamples, gaussian);
  record('count', count.guarantee);

  const columns: ColumnSummary[] = names.map((name, j) => {
    const values = column(data, j);
    let bounds = boundsFor(name);
    let source: 'flag' | 'dp' = 'flag';
    if (bounds === undefined) {
      const found = dpApproximateBounds(values, { ...pure, epsilon: BOUNDS_SHARES * epsilonPerQuery });
      record(`${name}: bounds`, found.guarantee);
      bounds = found.value;
      source = 'dp';
    }
    const { lower, upper } = bounds;
    const center = (lower + upper) / 2;
    const sum = dpSum(values, { ...gaussian, lower, upper, center });
    record(`${name}: sum`, sum.guarantee);
    const squares = dpSumOfSquares(values, { ...gaussian, lower, upper, center });
    record(`${name}: sum of squares`, squares.guarantee);
    const { mean, variance } = meanAndVarianceFromNoisySums({
      count: count.value,
      centeredSum: sum.value,
      centeredSumOfSquares: squares.value,
      lower,
      upper,
    });
    // One call, one share per quantile; the results come back sorted (post-processing).
    const released = dpQuantiles(values, { ...pure, epsilon: epsilonPerQuery * options.quantiles.length, lower, upper, quantiles: options.quantiles });
    const parts = released.guarantee.parts ?? [released.guarantee];
    const quantileValues: Record<string, number> = {};
    options.quantiles.forEach((q, i) => {
      record(`${name}: quantile ${q}`, parts[i] as PrivacyGuarantee);
      quantileValues[String(q)] = released.value[i] as number;
    });
    return { name, bounds: { lower, upper, source }, mean, std: Math.sqrt(variance ?? 0), quantiles: quantileValues };
  });

  const histogram = dpHistogram(data.labels, { ...gaussian, numCategories: data.numClasses });
  record('label histogram', histogram.guarantee);
  const labelCounts: Record<string, number> = {};
  data.classNames.forEach((c, i) => {
    labelCounts[c] = Math.max(0, histogram.value[i] as number); // clamping is post-processing
  });

  const guarantee = composeBasic(guarantees);
  return {
    dataset: data.name,
    epsilon: guarantee.epsilon,
    delta: guarantee.delta,
    composition: 'basic',
    queries: guarantees.length,
    epsilonPerQuery,
    epsilonPerBoundsQuery: BOUNDS_SHARES * epsilonPerQuery,
    deltaPerGaussianQuery: deltaPerGaussian,
    split,
    count: Math.max(0, count.value),
    columns,
    label: { name: options.labelName ?? 'label', histogram: labelCounts },
    guarantee,
  };
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e6 || a < 1e-3 ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] as number)).join('  ').trimEnd()).join('\n');
}

export function formatDescribe(s: DescribeSummary): string {
  const q = s.columns[0] ? Object.keys(s.columns[0].quantiles) : [];
  const lines: string[] = [];
  lines.push(`DP summary of ${s.dataset} — every number below is differentially private`);
  lines.push(
    `budget: ε = ${fmt(s.epsilon)}${s.delta > 0 ? `, δ = ${fmt(s.delta)}` : ''} over ${s.queries} queries by basic composition: ` +
      `ε = ${fmt(s.epsilonPerQuery)} each${s.columns.some((c) => c.bounds.source === 'dp') ? ` (DP bounds: ${fmt(s.epsilonPerBoundsQuery)})` : ''}${s.delta > 0 ? `, δ = ${fmt(s.deltaPerGaussianQuery)} per Gaussian query (count, sums, histogram)` : ''}`,
  );
  lines.push(
    `queries: 1 count; per column: ${s.columns.some((c) => c.bounds.source === 'dp') ? 'DP bounds (where --bounds gives none), ' : ''}sum, sum of squares, ${q.length} quantile${q.length === 1 ? '' : 's'}; 1 label histogram`,
  );
  lines.push(`noisy count: ${s.count}`, '');
  const header = ['column', 'bounds', 'mean', 'std', ...q.map((x) => `q${x}`)];
  const rows = s.columns.map((c) => [
    c.name,
    `[${fmt(c.bounds.lower)}, ${fmt(c.bounds.upper)}]${c.bounds.source === 'dp' ? ' (DP)' : ''}`,
    fmt(c.mean),
    fmt(c.std),
    ...q.map((x) => fmt(c.quantiles[x] as number)),
  ]);
  lines.push(table([header, ...rows]), '');
  lines.push(`${s.label.name} histogram:`);
  lines.push(table(Object.entries(s.label.histogram).map(([k, v]) => [`  ${k}`, String(v)])));
  return lines.join('\n');
}

interface DescribeFlags {
  data: string;
  label?: string;
  epsilon: number;
  delta?: number;
  bounds?: Map<string, { lower: number; upper: number }>;
  quantiles: number[];
  maxContributions: number;
  json?: boolean;
}

export function registerDpDescribeCommand(dp: Command): void {
  dp.command('describe')
    .description('release a differentially private summary of every column (count, mean, std, quantiles, label histogram)')
    .requiredOption('--data <name|csv:PATH>', 'a bundled data set or a CSV file')
    .option('--label <column>', 'label column of CSV data')
    .requiredOption('--epsilon <E>', 'total privacy budget ε (> 0), split equally over the queries', numberFlag('--epsilon', { greaterThan: 0 }))
    .option('--delta <D>', 'total δ in (0, 1): Gaussian noise for counts and sums instead of Laplace', numberFlag('--delta', { greaterThan: 0, lessThan: 1 }))
    .option('--bounds <spec>', 'public clamping bounds: LO:HI for all columns or COLUMN=LO:HI,… (default: a DP bounds pass per column)', parseBoundsSpec)
    .option('--quantiles <list>', 'quantiles to release per numeric column', parseQuantilesSpec, [0.25, 0.5, 0.75])
    .option('--max-contributions <K>', 'rows one person may contribute', numberFlag('--max-contributions', { integer: true, min: 1, max: 1e6 }), 1)
    .option('--json', 'print JSON')
    .action(async (flags: DescribeFlags) => {
      const { data } = await loadDataset(flags.data, { label: flags.label });
      const summary = describeDataset(data, {
        epsilon: flags.epsilon,
        ...(flags.delta !== undefined ? { delta: flags.delta } : {}),
        ...(flags.bounds !== undefined ? { bounds: flags.bounds } : {}),
        quantiles: flags.quantiles,
        maxContributions: flags.maxContributions,
        ...(flags.label !== undefined ? { labelName: flags.label } : {}),
      });
      process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : `${formatDescribe(summary)}\n`);
    });
}
