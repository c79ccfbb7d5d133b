/**
 * DP clamping bounds when none are known publicly (the approach of the ApproxBounds algorithm in
 * Google's differential-privacy library): a noisy histogram over public logarithmic bins
 * … [−2^(e+1), −2^e] … [−2^−E, 2^−E] … [2^e, 2^(e+1)] … for e in [−E, E) (values beyond 2^E
 * fall in the outermost bins), then the outermost bins whose noisy count clears a threshold give
 * [lower, upper]. The bins are public, so only the noisy counts depend on the data: ε-DP with
 * per-bin discrete Laplace noise of scale k/ε. The threshold τ = (k/ε)·ln(bins/0.05) makes an empty
 * bin pass with probability below 5 % in total; if no bin passes, the bin with the largest noisy
 * count is used. Spend part of the budget here, then clamp the real queries to the result.
 */
import { check } from '../../errors.js';
import { floorLog2 } from '../mechanisms/grid.js';
import type { Released } from '../mechanisms/guarantee.js';
import { checkPrivacyOptions, keptValues, noisyIntegerVector, type PrivacyOptions } from './common.js';

export interface ApproximateBoundsOptions extends PrivacyOptions {
  /** Magnitudes from 2^−E to 2^E are resolved (default 48). */
  readonly magnitudeBits?: number;
}

export interface Bounds {
  readonly lower: number;
  readonly upper: number;
}

export function dpApproximateBounds(values: ArrayLike<number>, options: ApproximateBoundsOptions): Released<Bounds> {
  const k = checkPrivacyOptions(options);
  const e = options.magnitudeBits ?? 48;
  check(Number.isInteger(e) && e >= 1 && e <= 1000, 'magnitudeBits', e, 'an integer in [1, 1000]');
  const binCount = 4 * e + 1;
  const zeroBin = 2 * e;
  const binOf = (x: number): number => {
    const magnitude = Math.abs(x);
    if (magnitude < 2 ** -e) return zeroBin;
    const exponent = Math.min(e - 1, Math.max(-e, floorLog2(magnitude)));
    return x < 0 ? e - 1 - exponent : zeroBin + 1 + exponent + e;
  };
  const edges = (bin: number): Bounds => {
    if (bin === zeroBin) return { lower: -(2 ** -e), upper: 2 ** -e };
    if (bin < zeroBin) {
      const exponent = e - 1 - bin;
      return { lower: -(2 ** (exponent + 1)), upper: -(2 ** exponent) };
    }
    const exponent = bin - zeroBin - 1 - e;
    return { lower: 2 ** exponent, upper: 2 ** (exponent + 1) };
  };
  const counts = new Array<number>(binCount).fill(0);
  for (const v of keptValues(values, options)) counts[binOf(v)] = (counts[binOf(v)] as number) + 1;
  const noisy = noisyIntegerVector(counts, k, { ...options, delta: undefined } as PrivacyOptions);
  const threshold = (k / options.epsilon) * Math.log(binCount / 0.05);
  let first = -1;
  let last = -1;
  noisy.value.forEach((c, i) => {
    if (c >= threshold) {
      if (first < 0) first = i;
      last = i;
    }
  });
  if (first < 0) {
    let best = 0;
    noisy.value.forEach((c, i) => {
      if (c > (noisy.value[best] as number)) best = i;
    });
    first = best;
    last = best;
  }
  return { value: { lower: edges(first).lower, upper: edges(last).upper }, guarantee: noisy.guarantee };
}
