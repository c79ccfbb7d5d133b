/**
 * Chi-square goodness of fit for the sampler tests. Bins whose expected count is below 5 are merged
 * with their neighbours (Cochran's rule); the critical value uses the Wilson–Hilferty cube-root
 * normal approximation of the chi-square quantile (Wilson & Hilferty 1931), accurate to well under
 * 1 % for the degrees of freedom used here.
 */

/** z with P[N(0,1) > z] = alpha, for the alphas the tests use. */
const UPPER_NORMAL_QUANTILE: Record<string, number> = { '0.001': 3.090232, '0.0001': 3.719016, '0.00001': 4.264891 };

export function chiSquareCritical(degreesOfFreedom: number, alpha: number): number {
  const z = UPPER_NORMAL_QUANTILE[String(alpha)];
  if (z === undefined) throw new Error(`no normal quantile stored for alpha ${alpha}`);
  const k = degreesOfFreedom;
  const a = 2 / (9 * k);
  return k * (1 - a + z * Math.sqrt(a)) ** 3;
}

export interface ChiSquareResult {
  statistic: number;
  degreesOfFreedom: number;
  critical: number;
}

/**
 * `observed[i]` counts of bin i, `probabilities[i]` its exact probability (the bins must cover the
 * support; any leftover mass is added to the last bin).
 */
export function chiSquare(observed: readonly number[], probabilities: readonly number[], alpha: number): ChiSquareResult {
  const total = observed.reduce((a, b) => a + b, 0);
  const probs = [...probabilities];
  const missing = 1 - probs.reduce((a, b) => a + b, 0);
  probs[probs.length - 1] = (probs[probs.length - 1] ?? 0) + missing;
  const mergedObserved: number[] = [];
  const mergedExpected: number[] = [];
  let o = 0;
  let e = 0;
  for (let i = 0; i < probs.length; i++) {
    o += observed[i] ?? 0;
    e += (probs[i] ?? 0) * total;
    if (e >= 5) {
      mergedObserved.push(o);
      mergedExpected.push(e);
      o = 0;
      e = 0;
    }
  }
  if (e > 0 || o > 0) {
    // The tail bin: merge into the previous one.
    mergedObserved[mergedObserved.length - 1] = (mergedObserved[mergedObserved.length - 1] ?? 0) + o;
    mergedExpected[mergedExpected.length - 1] = (mergedExpected[mergedExpected.length - 1] ?? 0) + e;
  }
  let statistic = 0;
  for (let i = 0; i < mergedObserved.length; i++) {
    const ex = mergedExpected[i] as number;
    statistic += ((mergedObserved[i] as number) - ex) ** 2 / ex;
  }
  const degreesOfFreedom = mergedObserved.length - 1;
  return { statistic, degreesOfFreedom, critical: chiSquareCritical(degreesOfFreedom, alpha) };
}

/**
 * Bins integer samples into [lo, lo + width), … covering [min, max] plus two tail bins, and returns
 * observed counts with the exact bin probabilities from `pmf`.
 */
export function binIntegers(
  samples: ArrayLike<number>,
  pmf: (z: number) => number,
  range: { min: number; max: number; width?: number },
): { observed: number[]; probabilities: number[] } {
  const width = range.width ?? 1;
  const binCount = Math.ceil((range.max - range.min + 1) / width);
  const observed = new Array<number>(binCount + 2).fill(0);
  const probabilities = new Array<number>(binCount + 2).fill(0);
  for (let i = 0; i < samples.length; i++) {
    const z = samples[i] as number;
    const bin = z < range.min ? 0 : z > range.max ? binCount + 1 : 1 + Math.floor((z - range.min) / width);
    observed[bin] = (observed[bin] ?? 0) + 1;
  }
  let inside = 0;
  for (let b = 0; b < binCount; b++) {
    let p = 0;
    for (let z = range.min + b * width; z < Math.min(range.max + 1, range.min + (b + 1) * width); z++) p += pmf(z);
    probabilities[b + 1] = p;
    inside += p;
  }
  // Symmetric distributions: the two tails share what is left.
  probabilities[0] = (1 - inside) / 2;
  probabilities[binCount + 1] = (1 - inside) / 2;
  return { observed, probabilities };
}
