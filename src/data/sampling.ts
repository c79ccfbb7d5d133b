/**
 * Seeded sampling helpers for the data layer: permutations, normal, Gamma and Dirichlet draws.
 * These shape data splits, not privacy noise, so they take any RandomSource (tests and the CLI
 * pass a SeededRandom so that a run repeats from its seed).
 */
import { check } from '../errors.js';
import type { RandomSource } from '../crypto/random.js';

/** Shuffles `values` in place (Fisher–Yates / Durstenfeld, Knuth TAOCP vol. 2 §3.4.2, Algorithm P). */
export function shuffleInPlace<T extends { [index: number]: number; length: number }>(values: T, rng: RandomSource): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = rng.uniformInt(i + 1);
    const tmp = values[i] as number;
    values[i] = values[j] as number;
    values[j] = tmp;
  }
  return values;
}

/** A uniformly random permutation of 0..n-1. */
export function randomPermutation(n: number, rng: RandomSource): Int32Array {
  check(Number.isInteger(n) && n >= 0, 'n', n, 'a non-negative integer');
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, rng);
}

/** A standard normal draw by the Box–Muller transform (Box & Muller 1958, Ann. Math. Stat. 29(2)). */
export function sampleStandardNormal(rng: RandomSource): number {
  const u1 = 1 - rng.uniform(); // in (0, 1], so the log is finite
  const u2 = rng.uniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * log of a Gamma(shape, 1) draw. Marsaglia & Tsang 2000, "A simple method for generating gamma
 * variables", ACM TOMS 26(3):363–372: for shape ≥ 1 with d = shape − 1/3, c = 1/√(9d), draw
 * x ~ N(0,1), v = (1 + c·x)³ and accept d·v when u < 1 − 0.0331·x⁴ (squeeze) or
 * ln u < x²/2 + d·(1 − v + ln v). For shape < 1 the paper's boost: Gamma(shape) =
 * Gamma(shape + 1) · U^(1/shape). Returned as a log because U^(1/shape) underflows to 0 for
 * small shapes (e.g. α = 0.01), which would make a Dirichlet draw 0/0.
 */
export function sampleLogGamma(shape: number, rng: RandomSource): number {
  check(Number.isFinite(shape) && shape > 0, 'shape', shape, 'a finite number > 0');
  if (shape < 1) {
    const boost = Math.log(1 - rng.uniform()) / shape; // log U^(1/shape), U in (0, 1]
    return sampleLogGamma(shape + 1, rng) + boost;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = sampleStandardNormal(rng);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - rng.uniform(); // in (0, 1]
    if (u < 1 - 0.0331 * x * x * x * x) return Math.log(d * v);
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return Math.log(d * v);
  }
}

/** A Gamma(shape, 1) draw (see sampleLogGamma). */
export function sampleGamma(shape: number, rng: RandomSource): number {
  return Math.exp(sampleLogGamma(shape, rng));
}

/**
 * A draw from Dirichlet(concentration): independent Gamma(αᵢ, 1) draws normalised to sum 1
 * (the standard construction, e.g. Devroye 1986, Non-Uniform Random Variate Generation, §XI.4).
 * Normalised in log space (subtract the largest log) so tiny concentrations stay finite.
 */
export function sampleDirichlet(concentration: readonly number[], rng: RandomSource): Float64Array {
  check(concentration.length >= 1, 'concentration.length', concentration.length, 'at least 1');
  const logs = new Float64Array(concentration.length);
  let largest = -Infinity;
  concentration.forEach((alpha, i) => {
    check(Number.isFinite(alpha) && alpha > 0, `concentration[${i}]`, alpha, 'a finite number > 0');
    logs[i] = sampleLogGamma(alpha, rng);
    largest = Math.max(largest, logs[i] as number);
  });
  let total = 0;
  const out = new Float64Array(concentration.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.exp((logs[i] as number) - largest);
    total += out[i] as number;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / total;
  return out;
}
