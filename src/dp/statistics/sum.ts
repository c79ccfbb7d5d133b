/**
 * DP bounded sum. Each value is clamped to [lower, upper] and rounded to the grid γ (a power of
 * two, 2^−gridBits of the width); the grid indices are summed exactly as integers, so one unit with
 * k records moves the sum by at most S = k·max(|round(lower/γ)|, |round(upper/γ)|) grid steps.
 * Exact integer noise for S is added and the result scaled back by γ. With `center`, values are
 * shifted by the public centre c before clamping ([lower − c, upper − c]), which shrinks S when the
 * bounds are far from 0 — the noisy sum is then of (x − c), as mean/variance need.
 */
import type { PrivacyGuarantee, Released } from '../mechanisms/guarantee.js';
import { check } from '../../errors.js';
import {
  boundsGranularity,
  checkBounds,
  checkPrivacyOptions,
  clampToGrid,
  keptValues,
  noisyInteger,
  type BoundedOptions,
} from './common.js';

export interface SumOptions extends BoundedOptions {
  /** Sum (x − center) instead of x (center must be public; default 0). */
  readonly center?: number;
}

/** The integer sum on the grid and its sensitivity; exported for mean/variance. */
export function gridSum(
  values: readonly number[],
  lower: number,
  upper: number,
  k: number,
  gridBits: number,
): { sum: number; sensitivity: number; granularity: number } {
  const granularity = boundsGranularity(lower, upper, gridBits);
  let sum = 0;
  for (const v of values) sum += clampToGrid(v, lower, upper, granularity);
  check(Number.isSafeInteger(sum), 'values', values.length, 'few enough that the grid sum stays below 2^53 (use fewer gridBits)');
  const lo = Math.abs(Math.round(lower / granularity));
  const hi = Math.abs(Math.round(upper / granularity));
  return { sum, sensitivity: k * Math.max(lo, hi, 1), granularity };
}

export function dpSum(values: ArrayLike<number>, options: SumOptions): Released<number> {
  const k = checkPrivacyOptions(options);
  checkBounds(options);
  const center = options.center ?? 0;
  check(Number.isFinite(center), 'center', center, 'a finite number');
  const lower = options.lower - center;
  const upper = options.upper - center;
  checkBounds({ lower, upper });
  const data = keptValues(values, options).map((v) => v - center);
  const { sum, sensitivity, granularity } = gridSum(data, lower, upper, k, options.gridBits ?? 20);
  const noisy = noisyInteger(sum, sensitivity, options);
  return { value: noisy.value * granularity, guarantee: inValueUnits(noisy.guarantee, granularity) };
}

/** A guarantee for grid indices, restated in units of the released value (×γ). */
export function inValueUnits(g: PrivacyGuarantee, granularity: number): PrivacyGuarantee {
  const noise = g.noise && {
    ...g.noise,
    ...(g.noise.scale !== undefined ? { scale: g.noise.scale * granularity } : {}),
    ...(g.noise.standardDeviation !== undefined ? { standardDeviation: g.noise.standardDeviation * granularity } : {}),
  };
  return {
    ...g,
    ...(g.sensitivity !== undefined ? { sensitivity: g.sensitivity * granularity } : {}),
    granularity,
    ...(noise ? { noise } : {}),
  };
}
