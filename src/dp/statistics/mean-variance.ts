/**
 * DP mean and variance from noisy sums and one noisy count, on values centred at the middle of the
 * public bounds c = (lower + upper)/2 (the estimator of Google's differential-privacy library,
 * BoundedMean/BoundedVariance): centring halves the sum's sensitivity to k·(upper − lower)/2.
 *   mean     = c + S₁/n,           S₁ = noisy Σ (x − c)
 *   variance = S₂/n − (S₁/n)²,     S₂ = noisy Σ (x − c)²  (clamped to [0, ((upper − lower)/2)²])
 * with n the noisy count floored at 1. Budget split (basic composition): mean ε/2 + ε/2;
 * variance ε/3 each; δ likewise.
 */
import { composeBasic, type Released } from '../mechanisms/guarantee.js';
import { checkBounds, checkPrivacyOptions, type BoundedOptions } from './common.js';
import { dpCount } from './count.js';
import { dpSum } from './sum.js';

function share(options: BoundedOptions, parts: number): BoundedOptions {
  return {
    ...options,
    epsilon: options.epsilon / parts,
    ...(options.delta !== undefined ? { delta: options.delta / parts } : {}),
  };
}

/** Noisy Σ (clamp(x) − c)² with bounds [0, h²], h = (upper − lower)/2. */
export function dpSumOfSquares(values: ArrayLike<number>, options: BoundedOptions & { center?: number }): Released<number> {
  checkBounds(options);
  const center = options.center ?? (options.lower + options.upper) / 2;
  const half = Math.max(options.upper - center, center - options.lower);
  const squares = Array.from(values, (v) => {
    const c = Math.min(options.upper, Math.max(options.lower, v)) - center;
    return c * c;
  });
  // Keep non-finite inputs visible to the validation in dpSum.
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i] as number)) squares[i] = values[i] as number;
  return dpSum(squares, { ...options, lower: 0, upper: half * half, center: 0 });
}

/** Post-processing of the three noisy releases into a mean and a variance inside the bounds. */
export function meanAndVarianceFromNoisySums(input: {
  count: number;
  centeredSum: number;
  centeredSumOfSquares?: number;
  lower: number;
  upper: number;
}): { mean: number; variance?: number } {
  const center = (input.lower + input.upper) / 2;
  const n = Math.max(1, input.count);
  const centeredMean = input.centeredSum / n;
  const mean = Math.min(input.upper, Math.max(input.lower, center + centeredMean));
  if (input.centeredSumOfSquares === undefined) return { mean };
  const half = (input.upper - input.lower) / 2;
  const clampedCenteredMean = mean - center;
  const variance = Math.min(half * half, Math.max(0, input.centeredSumOfSquares / n - clampedCenteredMean ** 2));
  return { mean, variance };
}


export function dpMean(values: ArrayLike<number>, options: BoundedOptions): Released<number> {
  checkPrivacyOptions(options);
  checkBounds(options);
  const part = share(options, 2);
  const center = (options.lower + options.upper) / 2;
  const count = dpCount(values, part);
  const sum = dpSum(values, { ...part, center });
  const { mean } = meanAndVarianceFromNoisySums({
    count: count.value,
    centeredSum: sum.value,
    lower: options.lower,
    upper: options.upper,
  });
  return { value: mean, guarantee: composeBasic([count.guarantee, sum.guarantee]) };
}

export function dpVariance(values: ArrayLike<number>, options: BoundedOptions): Released<number> {
  checkPrivacyOptions(options);
  checkBounds(options);
  const part = share(options, 3);
  const center = (options.lower + options.upper) / 2;
  const count = dpCount(values, part);
  const sum = dpSum(values, { ...part, center });
  const squares = dpSumOfSquares(values, { ...part, center });
  const { variance } = meanAndVarianceFromNoisySums({
    count: count.value,
    centeredSum: sum.value,
    centeredSumOfSquares: squares.value,
    lower: options.lower,
    upper: options.upper,
  });
  return { value: variance as number, guarantee: composeBasic([count.guarantee, sum.guarantee, squares.guarantee]) };
}
