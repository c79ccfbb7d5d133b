/**
 * Rényi-DP (RDP) of single mechanisms and the conversion from RDP to (ε, δ).
 *
 * - Poisson-subsampled Gaussian: Mironov, Talwar & Zhang (2019), "Rényi Differential Privacy of the
 *   Sampled Gaussian Mechanism", arXiv:1908.10530, Sec. 3.3: RDP_α = log(A_α)/(α − 1) with
 *   A_α = E_{z∼N(0,σ²)}[(1 − q + q·e^{(2z−1)/(2σ²)})^α], evaluated by the binomial expansion for integer α
 *   and by the two convergent series split at z₀ = σ²·log(1/q − 1) + 1/2 for fractional α (the same
 *   analysis TF-Privacy and Opacus implement).
 * - Gaussian (q = 1): α/(2σ²) (Mironov 2017, "Rényi Differential Privacy", Table II).
 * - Laplace with ε = Δ/b: Mironov (2017) Table II.
 * - Any ε-DP mechanism: it is a post-processing of binary randomised response with the same ε
 *   (Kairouz, Oh & Viswanath 2015, "The composition theorem for differential privacy"), so its RDP is at
 *   most that of randomised response: log(cosh((α − ½)ε)/cosh(ε/2))/(α − 1) (the bound in the proof of
 *   Bun & Steinke 2016, "Concentrated differential privacy", Prop. 3.3).
 * - Poisson-subsampled ε-DP: amplification by subsampling gives ε' = log(1 + q(e^ε − 1))
 *   (Li, Qardaji & Su 2012; Balle, Barthe & Gaboardi 2018), then the randomised-response bound.
 * - RDP → (ε, δ): Balle, Barthe, Gaboardi, Hsu & Sato (2020), "Hypothesis testing interpretations and
 *   Rényi differential privacy", Thm 21: ε = RDP_α − (log δ + log α)/(α − 1) + log((α − 1)/α), the
 *   conversion Opacus uses; δ(ε) is the same inequality solved for δ.
 */
import { CohortError, check } from '../../errors.js';
import { logAddExp, logBinomial, logNormalCdf, logSubExp } from '../math/special.js';

/** Opacus's default orders: 1.1, 1.2, …, 10.9 and 12, 13, …, 63. */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 52 }, (_, x) => 12 + x),
]);

function checkOrder(order: number): void {
  check(typeof order === 'number' && order > 1, 'order', order, 'a number > 1');
}

/** log A_α for integer α by the binomial expansion (Mironov et al. 2019, Sec. 3.3). */
function logAIntegerOrder(sampleRate: number, noiseMultiplier: number, order: number): number {
  const logQ = Math.log(sampleRate);
  const log1mQ = Math.log1p(-sampleRate);
  const twoVariance = 2 * noiseMultiplier * noiseMultiplier;
  let logA = -Infinity;
  for (let i = 0; i <= order; i++) {
    const term = logBinomial(order, i) + i * logQ + (order - i) * log1mQ + (i * i - i) / twoVariance;
    logA = logAddExp(logA, term);
  }
  return logA;
}

const MAX_SERIES_TERMS = 1000;

/** log(e^positive − e^negative), −∞ when the difference is not positive. */
function lastTotal(positive: number, negative: number): number {
  return negative < positive ? logSubExp(positive, negative) : -Infinity;
}

/**
 * log A_α for fractional α: A_α = Σ_i C(α,i)·[(1−q)^{α−i} q^i e^{(i²−i)/(2σ²)} Φ((z₀ − i)/σ)
 *                                          + (1−q)^i q^{α−i} e^{(j²−j)/(2σ²)} Φ((j − z₀)/σ)], j = α − i,
 * (Mironov et al. 2019, Sec. 3.3). The coefficients C(α, i) alternate in sign for i > ⌈α⌉ and the
 * terms then decrease (like i^{−α−2}), so the series is alternating: its remainder has the sign of the
 * next term and is smaller than the last one. The sum stops once the terms are 1e-10 of A_α − 1 and
 * returns the larger of the last two partial sums — an upper bound on A_α; after 1000 terms it returns
 * that bound as it stands. Only if the terms never started to decrease does it fall back to the
 * log-convexity bound between the neighbouring integer orders (A_α is a moment of a positive
 * variable, so log A_α is convex in α; A_1 = 1).
 */
function logAFractionalOrder(sampleRate: number, noiseMultiplier: number, order: number): number {
  const logQ = Math.log(sampleRate);
  const log1mQ = Math.log1p(-sampleRate);
  const variance = noiseMultiplier * noiseMultiplier;
  const z0 = variance * (Math.log(1 / sampleRate - 1)) + 0.5;
  let positive = -Infinity;
  let negative = -Infinity;
  let lastS0 = -Infinity;
  let lastS1 = -Infinity;
  let previousTotal = -Infinity;
  let inAlternatingTail = false;
  // |C(α, i)| and its sign, updated term by term: C(α, i+1) = C(α, i)·(α − i)/(i + 1).
  let logAbs = 0;
  let sign = 1;
  for (let i = 0; i < MAX_SERIES_TERMS; i++) {
    if (i > 0) {
      const factor = (order - (i - 1)) / i;
      logAbs += Math.log(Math.abs(factor));
      if (factor < 0) sign = -sign;
    }
    const j = order - i;
    const logT0 = logAbs + i * logQ + j * log1mQ;
    const logT1 = logAbs + j * logQ + i * log1mQ;
    const logE0 = logNormalCdf((z0 - i) / noiseMultiplier);
    const logE1 = logNormalCdf((j - z0) / noiseMultiplier);
    const logS0 = logT0 + (i * i - i) / (2 * variance) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * variance) + logE1;
    const both = logAddExp(logS0, logS1);
    if (sign > 0) positive = logAddExp(positive, both);
    else negative = logAddExp(negative, both);
    const total = lastTotal(positive, negative);
    // Tolerance relative to A_α − 1 (what RDP = log(A_α)/(α − 1) is sensitive to when A_α is near 1).
    const reference = total > 0 ? Math.min(total, Math.log(Math.expm1(total))) : total;
    inAlternatingTail = i > order + 1 && logS0 < lastS0 && logS1 < lastS1;
    if (inAlternatingTail && both < reference - 23) return Math.max(total, previousTotal);
    lastS0 = logS0;
    lastS1 = logS1;
    previousTotal = total;
  }
  // Out of terms but in the alternating tail: the larger partial sum is still an upper bound, off by at
  // most the last term (≈ i^{−α−2} of A_α by now).
  if (inAlternatingTail) return Math.max(lastTotal(positive, negative), previousTotal);
  const below = Math.floor(order);
  const weight = order - below;
  const logBelow = below <= 1 ? 0 : logAIntegerOrder(sampleRate, noiseMultiplier, below);
  return (1 - weight) * logBelow + weight * logAIntegerOrder(sampleRate, noiseMultiplier, below + 1);
}

/** RDP at `order` of one step of the Poisson-subsampled Gaussian mechanism (sensitivity 1). */
export function rdpPoissonGaussian(sampleRate: number, noiseMultiplier: number, order: number): number {
  check(sampleRate >= 0 && sampleRate <= 1, 'sampleRate', sampleRate, 'in [0, 1]');
  check(noiseMultiplier > 0 && Number.isFinite(noiseMultiplier), 'noiseMultiplier', noiseMultiplier, 'a finite number > 0');
  checkOrder(order);
  if (sampleRate === 0) return 0;
  if (order === Infinity) return Infinity;
  if (sampleRate === 1) return rdpGaussian(noiseMultiplier, order);
  const logA = Number.isInteger(order)
    ? logAIntegerOrder(sampleRate, noiseMultiplier, order)
    : logAFractionalOrder(sampleRate, noiseMultiplier, order);
  // A_α ≥ 1 mathematically; round-off can give a hair below 0 in log space.
  return Math.max(0, logA / (order - 1));
}

/** RDP of the Gaussian mechanism with sensitivity 1: α/(2σ²). */
export function rdpGaussian(noiseMultiplier: number, order: number): number {
  check(noiseMultiplier > 0 && Number.isFinite(noiseMultiplier), 'noiseMultiplier', noiseMultiplier, 'a finite number > 0');
  checkOrder(order);
  return order / (2 * noiseMultiplier * noiseMultiplier);
}

/** RDP of the Laplace mechanism with ε = sensitivity/scale (Mironov 2017, Table II), in log space. */
export function rdpLaplace(epsilon: number, order: number): number {
  check(epsilon > 0 && Number.isFinite(epsilon), 'epsilon', epsilon, 'a finite number > 0');
  checkOrder(order);
  if (order === Infinity) return epsilon;
  // (1/(α−1))·log(α/(2α−1)·e^{(α−1)ε} + (α−1)/(2α−1)·e^{−αε})
  //   = ε + [log(α/(2α−1)) + log1p((α−1)/α · e^{−(2α−1)ε})]/(α−1)
  const correction =
    Math.log(order / (2 * order - 1)) + Math.log1p(((order - 1) / order) * Math.exp(-(2 * order - 1) * epsilon));
  return Math.max(0, epsilon + correction / (order - 1));
}

/** log cosh(x), stable for large |x|. */
function logCosh(x: number): number {
  const a = Math.abs(x);
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
}

/** RDP bound for any ε-DP mechanism: that of binary randomised response (see the file header). */
export function rdpPureDp(epsilon: number, order: number): number {
  check(epsilon >= 0 && Number.isFinite(epsilon), 'epsilon', epsilon, 'a finite number ≥ 0');
  checkOrder(order);
  if (epsilon === 0) return 0;
  if (order === Infinity) return epsilon;
  const value = (logCosh((order - 0.5) * epsilon) - logCosh(epsilon / 2)) / (order - 1);
  return Math.min(epsilon, Math.max(0, value));
}

/** ε after Poisson subsampling at rate q of an ε-DP mechanism: log(1 + q(e^ε − 1)). */
export function amplifyBySubsampling(epsilon: number, sampleRate: number): number {
  check(epsilon >= 0 && Number.isFinite(epsilon), 'epsilon', epsilon, 'a finite number ≥ 0');
  check(sampleRate >= 0 && sampleRate <= 1, 'sampleRate', sampleRate, 'in [0, 1]');
  return Math.log1p(sampleRate * Math.expm1(epsilon));
}

export interface RdpConversion {
  readonly value: number;
  readonly order: number;
  /** Index of the order in the list. */
  readonly index: number;
}

function checkCurve(orders: readonly number[], rdp: ArrayLike<number>): void {
  check(orders.length >= 1, 'orders.length', orders.length, 'at least 1');
  check(rdp.length === orders.length, 'rdp.length', rdp.length, `equal to orders.length = ${orders.length}`);
  for (const order of orders) checkOrder(order);
}

/**
 * The smallest ε over the orders for a given δ (Balle et al. 2020, Thm 21), clamped at 0. NaN and
 * infinite RDP values are skipped; ε is Infinity when every order is.
 */
export function rdpToEpsilon(orders: readonly number[], rdp: ArrayLike<number>, delta: number): RdpConversion {
  checkCurve(orders, rdp);
  check(delta > 0 && delta < 1, 'delta', delta, 'in (0, 1)');
  const logDelta = Math.log(delta);
  let best = Infinity;
  let bestIndex = -1;
  for (let k = 0; k < orders.length; k++) {
    const order = orders[k] as number;
    const r = rdp[k] as number;
    if (!Number.isFinite(r)) continue;
    const epsilon = r - (logDelta + Math.log(order)) / (order - 1) + Math.log((order - 1) / order);
    if (epsilon < best) {
      best = epsilon;
      bestIndex = k;
    }
  }
  if (bestIndex < 0) return { value: Infinity, order: Number.NaN, index: -1 };
  return { value: Math.max(0, best), order: orders[bestIndex] as number, index: bestIndex };
}

/** The smallest δ over the orders for a given ε: the same bound solved for δ, capped at 1. */
export function rdpToDelta(orders: readonly number[], rdp: ArrayLike<number>, epsilon: number): RdpConversion {
  checkCurve(orders, rdp);
  check(epsilon >= 0 && Number.isFinite(epsilon), 'epsilon', epsilon, 'a finite number ≥ 0');
  let bestLog = Infinity;
  let bestIndex = -1;
  for (let k = 0; k < orders.length; k++) {
    const order = orders[k] as number;
    const r = rdp[k] as number;
    if (!Number.isFinite(r)) continue;
    const logDelta = (order - 1) * (r - epsilon + Math.log1p(-1 / order)) - Math.log(order);
    if (logDelta < bestLog) {
      bestLog = logDelta;
      bestIndex = k;
    }
  }
  if (bestIndex < 0) return { value: 1, order: Number.NaN, index: -1 };
  return { value: Math.min(1, Math.exp(bestLog)), order: orders[bestIndex] as number, index: bestIndex };
}

/** Throws UNSUPPORTED for an event kind RDP cannot account. */
export function rdpUnsupported(kind: string): never {
  throw new CohortError(
    'UNSUPPORTED',
    `event.kind ${JSON.stringify(kind)} has no RDP bound; use composeApproximateDp or the PLD accountant`,
    { subject: 'event.kind' },
  );
}
