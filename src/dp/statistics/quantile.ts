/**
 * DP quantiles by the exponential mechanism over the sorted data (Smith, "Privacy-preserving
 * statistical estimation with optimal convergence rates", STOC 2011), on a public grid of
 * 2^gridBits + 1 candidate points spanning [lower, upper]. A candidate z scores
 *   u(z) = −|(1 − q)·#{x < z} − q·#{x > z}|,
 * which changes by at most max(q, 1 − q) when one record is added or removed (so k·max(q, 1 − q)
 * for k records per unit); the score is constant between consecutive data points, so candidates
 * are grouped into segments with a multiplicity (Smith's interval weighting). The selection is
 * exact: scores are exact rationals (q is taken exactly), the segment is drawn by exact rejection
 * (exponential.ts) and the point uniformly inside it. Outputs are grid points — a public function
 * of the drawn integer — so no floating-point leak. Several quantiles split ε equally (basic
 * composition) and are returned sorted (post-processing).
 */
import { requireSecure } from '../../crypto/random.js';
import { check } from '../../errors.js';
import { sampleExponentialExact } from '../mechanisms/exponential.js';
import { composeBasic, type PrivacyGuarantee, type Released } from '../mechanisms/guarantee.js';
import { RandomWords } from '../samplers/random-words.js';
import { exactRationalOfNumber, type Rational } from '../samplers/rational.js';
import { checkBounds, checkPrivacyOptions, keptValues, type BoundedOptions } from './common.js';

export interface QuantileOptions extends BoundedOptions {
  /** Quantiles in [0, 1], e.g. [0.25, 0.5, 0.75]. */
  readonly quantiles: readonly number[];
  /** Candidate grid 2^gridBits + 1 points (default 16, at most 20). */
  readonly gridBits?: number;
}

interface Segment {
  start: number;
  length: number;
  below: number;
  above: number;
}

/** Segments of grid positions 0..G with constant (#below, #above). `positions` sorted ascending. */
function segmentsOf(positions: readonly number[], gridSize: number): Segment[] {
  const n = positions.length;
  const segments: Segment[] = [];
  let previous = -1; // last data position handled
  let below = 0;
  let i = 0;
  while (i < n) {
    const p = positions[i] as number;
    let j = i;
    while (j < n && positions[j] === p) j++;
    const count = j - i;
    if (p - previous - 1 > 0) segments.push({ start: previous + 1, length: p - previous - 1, below, above: n - below });
    segments.push({ start: p, length: 1, below, above: n - below - count });
    below += count;
    previous = p;
    i = j;
  }
  if (gridSize - previous > 0) segments.push({ start: previous + 1, length: gridSize - previous, below: n, above: 0 });
  return segments;
}

function oneQuantile(
  words: RandomWords,
  segments: readonly Segment[],
  q: Rational,
  epsilon: Rational,
  k: number,
): number {
  const qn = q.numerator;
  const qd = q.denominator;
  // qd·|(1 − q)·below − q·above| = |(qd − qn)·below − qn·above|, exactly.
  const scores = segments.map((s) => {
    const v = (qd - qn) * BigInt(s.below) - qn * BigInt(s.above);
    return v < 0n ? -v : v;
  });
  let best = scores[0] as bigint;
  for (const s of scores) if (s < best) best = s;
  // γ = ε·(score − best)/(qd · 2 · Δu), Δu·qd = k·max(qn, qd − qn).
  const sensitivityTimesQd = BigInt(k) * (qn > qd - qn ? qn : qd - qn);
  const denominator = epsilon.denominator * 2n * sensitivityTimesQd;
  const exponents: Rational[] = scores.map((s) => ({ numerator: epsilon.numerator * (s - best), denominator }));
  const chosen = segments[sampleExponentialExact(words, exponents, segments.map((s) => s.length))] as Segment;
  return chosen.start + words.below(chosen.length);
}

export function dpQuantiles(values: ArrayLike<number>, options: QuantileOptions): Released<number[]> {
  const k = checkPrivacyOptions(options);
  checkBounds({ lower: options.lower, upper: options.upper });
  const gridBits = options.gridBits ?? 16;
  check(Number.isInteger(gridBits) && gridBits >= 1 && gridBits <= 20, 'gridBits', gridBits, 'an integer in [1, 20]');
  check(Array.isArray(options.quantiles) && options.quantiles.length >= 1, 'quantiles', options.quantiles, 'a non-empty array');
  options.quantiles.forEach((q, i) => check(typeof q === 'number' && q >= 0 && q <= 1, `quantiles[${i}]`, q, 'in [0, 1]'));
  const { lower, upper } = options;
  const gridSize = 2 ** gridBits;
  const step = (upper - lower) / gridSize;
  const positions = keptValues(values, options)
    .map((v) => Math.min(gridSize, Math.max(0, Math.round((Math.min(upper, Math.max(lower, v)) - lower) / step))))
    .sort((a, b) => a - b);
  const segments = segmentsOf(positions, gridSize);
  const epsilonEach = options.epsilon / options.quantiles.length;
  const epsilonRational = exactRationalOfNumber(epsilonEach, 'epsilon');
  const words = new RandomWords(requireSecure(options.rng, 'DP quantiles'));
  try {
    const parts: PrivacyGuarantee[] = [];
    const results = options.quantiles.map((q) => {
      const position = oneQuantile(words, segments, exactRationalOfNumber(q, 'quantile'), epsilonRational, k);
      parts.push({
        mechanism: 'exponential',
        epsilon: epsilonEach,
        delta: 0,
        sensitivity: k * Math.max(q, 1 - q),
        noise: { distribution: 'exponential-mechanism' },
      });
      return position === gridSize ? upper : lower + position * step;
    });
    const sorted = [...results].sort((a, b) => a - b);
    return { value: sorted, guarantee: parts.length === 1 ? (parts[0] as PrivacyGuarantee) : composeBasic(parts) };
  } finally {
    words.dispose();
  }
}
