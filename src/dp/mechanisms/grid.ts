/**
 * Discretisation for floating-point-safe releases. Mironov ("On Significance of the Least
 * Significant Bits for Differential Privacy", CCS 2012) showed that value + textbook floating-point
 * Laplace noise leaks the value through which doubles can and cannot occur. Cohort never adds
 * floating-point noise: a real value is rounded to a grid of spacing γ = 2^k, exact integer noise
 * from the samplers of Canonne, Kamath & Steinke (2020) is added to the grid index, and the result
 * is multiplied back by γ. The output is an exact function of an integer whose distribution is
 * exactly the analysed one, so the low bits carry nothing.
 *
 * Accounting for the rounding: with k(x) = round(x/γ) (round half up, monotone), if
 * |f(D) − f(D′)| ≤ Δ then |k(f(D)) − k(f(D′))| ≤ ⌈Δ/γ⌉, because floor(a) − floor(b) ≤ ⌈a − b⌉.
 * The integer mechanism is therefore calibrated to the grid sensitivity S = ⌈Δ/γ⌉, i.e. to an
 * effective sensitivity S·γ ∈ [Δ, Δ + γ), equal to Δ when Δ is a multiple of γ.
 */
import { CohortError, check } from '../../errors.js';
import { checkSensitivity } from './validate.js';

/** Default grid bits: γ = 2^(⌊log₂ Δ⌋ − 10), so the sensitivity inflation is below 0.1 %. */
export const DEFAULT_GRID_BITS = 10;

/** ⌊log₂ x⌋ exactly for a positive finite double. */
export function floorLog2(x: number): number {
  let k = Math.floor(Math.log2(x));
  while (2 ** k > x) k--;
  while (2 ** (k + 1) <= x) k++;
  return k;
}

export function isPowerOfTwo(x: number): boolean {
  if (!(typeof x === 'number' && Number.isFinite(x) && x > 0)) return false;
  return 2 ** floorLog2(x) === x;
}

export function checkGranularity(granularity: number, name = 'granularity'): void {
  check(isPowerOfTwo(granularity), name, granularity, 'a power of two (2^k, e.g. 0.0009765625 = 2^-10)');
}

/** γ = 2^(⌊log₂ Δ⌋ − bits): fine relative to the sensitivity, so rounding costs < 2^−bits of it. */
export function defaultGranularity(sensitivity: number, bits = DEFAULT_GRID_BITS): number {
  checkSensitivity(sensitivity);
  return 2 ** (floorLog2(sensitivity) - bits);
}

/** round(value/γ) as a safe integer (γ a power of two, so value/γ is exact). */
export function toGridIndex(value: number, granularity: number, name = 'value'): number {
  check(Number.isFinite(value), name, value, 'a finite number');
  const index = Math.round(value / granularity);
  if (!Number.isSafeInteger(index)) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `${name} ${value} is too large for granularity ${granularity} (more than 2^53 grid steps); use a coarser granularity`,
      { subject: name },
    );
  }
  return index;
}

/** S = ⌈Δ/γ⌉, the sensitivity of the grid index. */
export function gridSensitivity(sensitivity: number, granularity: number): number {
  checkSensitivity(sensitivity);
  const s = Math.ceil(sensitivity / granularity);
  if (!Number.isSafeInteger(s)) {
    throw new CohortError('INVALID_ARGUMENT', `sensitivity ${sensitivity} is more than 2^53 grid steps of ${granularity}`, {
      subject: 'granularity',
    });
  }
  return s;
}

/** index·γ, checking that the index stayed exact. */
export function fromGridIndex(index: number, granularity: number): number {
  if (!Number.isSafeInteger(index)) {
    throw new CohortError('INTERNAL', `noisy grid index ${index} left the exact integer range`);
  }
  return index * granularity;
}
