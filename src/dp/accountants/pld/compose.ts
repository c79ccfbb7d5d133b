/**
 * Composition of discrete privacy-loss distributions: the composed loss is the sum of independent
 * losses, so its PMF is the convolution of the PMFs (Sommer et al. 2019). All components are
 * transformed once on a common cyclic grid of N = 2^m points, each transform is raised to its
 * repetition count pointwise (self-composition in the frequency domain, Koskela et al. 2020, Sec. 4),
 * the transforms are multiplied, and one inverse FFT gives the composed PMF.
 *
 * Grid and wrap-around. The composed loss (in grid units) lies in [lo, hi] = [Σ cᵢ·offsetᵢ, Σ cᵢ·topᵢ].
 * When that range is too long, a window [a, b] is chosen from Chernoff bounds on the composed finite
 * part, P(S ≥ b) ≤ exp(K(λ) − λb) and P(S ≤ a) ≤ exp(K(−λ) + λa) with K(λ) = Σ cᵢ·log Σ pᵢ(l)e^{λl},
 * minimised over λ (as dp_accounting's self-convolution bounds do). On the cyclic grid, mass below a
 * wraps to a higher loss (pessimistic, harmless), and mass above b wraps to a lower loss (optimistic):
 * its Chernoff bound is therefore added to the mass at +∞, i.e. to δ. That bound is the reported
 * `truncatedMass`.
 *
 * Round-off: raising a transform to the power c multiplies its absolute error (~1e-16) by at most c,
 * so after the inverse FFT the total absolute error in δ is about √N·c·1e-16 (≈1e-9 for N = 2^20,
 * c = 10^4). Negative round-off values are set to zero (which only adds mass).
 */
import { CohortError, check } from '../../../errors.js';
import { inverseRealFft, nextPowerOfTwo, realFft } from '../../math/fft.js';
import type { LossPmf } from './pmf.js';

export interface PmfComponent {
  readonly pmf: LossPmf;
  /** How many independent copies to compose. */
  readonly count: number;
}

export interface ComposeOptions {
  /** Bound on the upper-tail mass allowed to wrap around (added to δ). */
  readonly tailMass: number;
  /** Refuse FFTs longer than this (memory guard). */
  readonly maxSize?: number;
}

export interface ComposedPmf {
  readonly pmf: LossPmf;
  /** Upper-tail mass (Chernoff bound) already added to pmf.infinityMass. */
  readonly truncatedMass: number;
}

const DEFAULT_MAX_SIZE = 2 ** 24;

/** The nonzero part of a component in log form, for evaluating its moment generating function. */
interface LogPoints {
  readonly logMass: Float64Array;
  readonly loss: Float64Array;
  readonly count: number;
  readonly maxLogMass: number;
  readonly minLoss: number;
  readonly maxLoss: number;
}

function logPoints(components: readonly PmfComponent[]): LogPoints[] {
  return components.map(({ pmf, count }) => {
    const logMass: number[] = [];
    const loss: number[] = [];
    pmf.masses.forEach((mass, i) => {
      if (mass > 0) {
        logMass.push(Math.log(mass));
        loss.push((pmf.offset + i) * pmf.interval);
      }
    });
    return {
      logMass: Float64Array.from(logMass),
      loss: Float64Array.from(loss),
      count,
      maxLogMass: logMass.reduce((a, b) => Math.max(a, b), -Infinity),
      minLoss: loss.length === 0 ? 0 : (loss[0] as number),
      maxLoss: loss.length === 0 ? 0 : (loss[loss.length - 1] as number),
    };
  });
}

/** K(λ) = Σ cᵢ·log Σ pᵢ(l)·e^{λl}: the log moment generating function of the composed finite part. */
function cumulant(points: readonly LogPoints[], lambda: number): number {
  let total = 0;
  for (const { logMass, loss, count, maxLogMass, minLoss, maxLoss } of points) {
    // Shift by an upper bound of the largest exponent so one pass suffices; fall back to the exact
    // maximum when that shift underflows the whole sum.
    let shift = maxLogMass + Math.max(lambda * minLoss, lambda * maxLoss);
    let sum = 0;
    for (let i = 0; i < loss.length; i++) sum += Math.exp((logMass[i] as number) + lambda * (loss[i] as number) - shift);
    if (!(sum > 1e-280)) {
      shift = -Infinity;
      for (let i = 0; i < loss.length; i++) shift = Math.max(shift, (logMass[i] as number) + lambda * (loss[i] as number));
      if (shift === -Infinity) return -Infinity;
      sum = 0;
      for (let i = 0; i < loss.length; i++) sum += Math.exp((logMass[i] as number) + lambda * (loss[i] as number) - shift);
    }
    total += count * (shift + Math.log(sum));
  }
  return total;
}

/** The λ search range: seven decades around 1/scale, scale = the largest |loss| of any component. */
function lambdaRange(components: readonly PmfComponent[]): { low: number; high: number } {
  let scale = 1e-6;
  for (const { pmf } of components) {
    scale = Math.max(scale, Math.abs(pmf.offset * pmf.interval), Math.abs((pmf.offset + pmf.masses.length) * pmf.interval));
  }
  return { low: 1e-3 / scale, high: 1e4 / scale };
}

/**
 * Minimises a unimodal function of λ over [low, high] by golden-section search on log λ (32 steps:
 * the bracket shrinks to 0.618^32 ≈ 2e-7 of its log-width). Each bound below is quasi-convex in λ;
 * any λ gives a valid bound, so an imperfect minimum only widens the window.
 */
function minimiseOverLambda(
  f: (lambda: number) => number,
  range: { low: number; high: number },
): { value: number; lambda: number } {
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(range.low);
  let b = Math.log(range.high);
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = f(Math.exp(c));
  let fd = f(Math.exp(d));
  let best = fc <= fd ? { value: fc, lambda: Math.exp(c) } : { value: fd, lambda: Math.exp(d) };
  for (let i = 0; i < 32; i++) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = f(Math.exp(c));
      if (fc < best.value) best = { value: fc, lambda: Math.exp(c) };
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = f(Math.exp(d));
      if (fd < best.value) best = { value: fd, lambda: Math.exp(d) };
    }
  }
  return best;
}

/**
 * Chernoff bounds (Chernoff 1952): b = min_λ (K(λ) − log tail)/λ and a = max_λ (log tail − K(−λ))/λ,
 * so that P(S ≥ b) ≤ tail and P(S ≤ a) ≤ tail (both objectives are quasi-convex in λ since K is
 * convex). Also returns the λ of the upper bound, which bounds P(S ≥ b') = exp(K(λ) − λb') for any b'.
 */
function chernoffWindow(
  points: readonly LogPoints[],
  range: { low: number; high: number },
  tail: number,
): { lower: number; upper: number; upperTail: (b: number) => number } {
  const logTail = Math.log(tail);
  const upper = minimiseOverLambda((lambda) => (cumulant(points, lambda) - logTail) / lambda, range);
  const lower = minimiseOverLambda((lambda) => (cumulant(points, -lambda) - logTail) / lambda, range);
  const kAtUpper = cumulant(points, upper.lambda);
  return {
    lower: -lower.value,
    upper: upper.value,
    upperTail: (b) => Math.min(1, Math.exp(Math.min(0, kAtUpper - upper.lambda * b))),
  };
}

/** z^count for a complex z by binary exponentiation (≈ 2·log₂(count) complex products). */
function complexPower(re: number, im: number, count: number): [number, number] {
  let resultRe = 1;
  let resultIm = 0;
  let baseRe = re;
  let baseIm = im;
  let n = count;
  while (n > 0) {
    if (n & 1) {
      const r = resultRe * baseRe - resultIm * baseIm;
      resultIm = resultRe * baseIm + resultIm * baseRe;
      resultRe = r;
    }
    n = Math.floor(n / 2);
    if (n > 0) {
      const r = baseRe * baseRe - baseIm * baseIm;
      baseIm = 2 * baseRe * baseIm;
      baseRe = r;
    }
  }
  return [resultRe, resultIm];
}

function checkComponents(components: readonly PmfComponent[]): number {
  check(components.length >= 1, 'components.length', components.length, 'at least 1');
  const interval = (components[0] as PmfComponent).pmf.interval;
  for (const { pmf, count } of components) {
    check(pmf.interval === interval, 'pmf.interval', pmf.interval, `equal for all components (${interval})`);
    check(Number.isSafeInteger(count) && count >= 1, 'count', count, 'an integer ≥ 1');
    check(pmf.masses.length >= 1, 'pmf.masses.length', pmf.masses.length, 'at least 1');
  }
  return interval;
}

/** Composes `components` (each repeated `count` times); see the file header. */
export function composePmfs(components: readonly PmfComponent[], options: ComposeOptions): ComposedPmf {
  const interval = checkComponents(components);
  check(options.tailMass > 0 && options.tailMass < 1, 'tailMass', options.tailMass, 'in (0, 1)');
  const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;

  // Mass at +∞ composes as 1 − Π(1 − pᵢ)^{cᵢ}.
  let logFinite = 0;
  for (const { pmf, count } of components) logFinite += count * Math.log1p(-Math.min(1, pmf.infinityMass));
  const infinityMass = -Math.expm1(logFinite);

  if (components.length === 1 && (components[0] as PmfComponent).count === 1) {
    return { pmf: (components[0] as PmfComponent).pmf, truncatedMass: 0 };
  }

  // Exact support of the composed finite part, in grid units.
  let lo = 0;
  let hi = 0;
  let lengthSum = 0;
  for (const { pmf, count } of components) {
    lo += count * pmf.offset;
    hi += count * (pmf.offset + pmf.masses.length - 1);
    lengthSum += pmf.masses.length;
  }
  let windowLow = lo;
  let windowHigh = hi;
  let upperTail = (_b: number): number => 0;
  // The Chernoff window pays off only when composing many copies; short compositions use the exact support.
  if (hi - lo + 1 > Math.max(8 * lengthSum, 2 ** 18)) {
    const bounds = chernoffWindow(logPoints(components), lambdaRange(components), options.tailMass);
    upperTail = bounds.upperTail;
    windowLow = Math.max(lo, Math.floor(bounds.lower / interval));
    windowHigh = Math.max(windowLow, Math.min(hi, Math.ceil(bounds.upper / interval)));
  }
  const needed = windowHigh - windowLow + 1;
  if (needed > maxSize) {
    throw new CohortError(
      'UNSUPPORTED',
      `composing these events needs ${needed} grid points (limit ${maxSize}); use a coarser discretisation`,
      { subject: 'discretisation' },
    );
  }
  const size = nextPowerOfTwo(needed);
  // The spare room above the window is free: push the top up and shrink the wrapped tail.
  windowHigh = Math.min(Math.max(hi, windowHigh), windowLow + size - 1);
  const truncatedMass = windowHigh < hi ? upperTail((windowHigh + 1) * interval) : 0;

  // Work on half spectra: the PMFs are real, so bins above size/2 are conjugates.
  const half = size / 2 + 1;
  const accRe = new Float64Array(half).fill(1);
  const accIm = new Float64Array(half);
  const buffer = new Float64Array(size);
  for (const { pmf, count } of components) {
    buffer.fill(0);
    for (let i = 0; i < pmf.masses.length; i++) {
      const position = (((pmf.offset + i) % size) + size) % size;
      buffer[position] = (buffer[position] as number) + (pmf.masses[i] as number);
    }
    const spectrum = realFft(buffer);
    for (let k = 0; k < half; k++) {
      let xr = spectrum.re[k] as number;
      let xi = spectrum.im[k] as number;
      if (count > 1) [xr, xi] = complexPower(xr, xi, count);
      const ar = accRe[k] as number;
      const ai = accIm[k] as number;
      accRe[k] = ar * xr - ai * xi;
      accIm[k] = ar * xi + ai * xr;
    }
  }
  const composed = inverseRealFft(accRe, accIm, size);

  // Position p holds the mass of the composed index s ≡ p (mod size), s in [windowLow, windowLow + size).
  const length = windowHigh - windowLow + 1;
  const masses = new Float64Array(length);
  for (let s = windowLow; s <= windowHigh; s++) {
    const position = ((s % size) + size) % size;
    const value = composed[position] as number;
    masses[s - windowLow] = value > 0 ? value : 0;
  }
  return {
    pmf: { interval, offset: windowLow, masses, infinityMass: Math.min(1, infinityMass + truncatedMass) },
    truncatedMass,
  };
}

/**
 * Drops negligible mass at both ends (≤ `mass` each): the lower end moves up to the new first point and
 * the upper end goes to +∞, both pessimistic, so δ stays an upper bound (it grows by at most `mass`).
 */
export function trimPmf(pmf: LossPmf, mass: number): LossPmf {
  const { masses } = pmf;
  let start = 0;
  let lowMass = 0;
  while (start < masses.length - 1 && lowMass + (masses[start] as number) <= mass) {
    lowMass += masses[start] as number;
    start++;
  }
  let end = masses.length - 1;
  let highMass = 0;
  while (end > start && highMass + (masses[end] as number) <= mass) {
    highMass += masses[end] as number;
    end--;
  }
  if (start === 0 && end === masses.length - 1) return pmf;
  const trimmed = masses.slice(start, end + 1);
  trimmed[0] = (trimmed[0] as number) + lowMass;
  return {
    interval: pmf.interval,
    offset: pmf.offset + start,
    masses: trimmed,
    infinityMass: Math.min(1, pmf.infinityMass + highMass),
  };
}
